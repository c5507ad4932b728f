"""``make bench``: a bounded load generator on 127.0.0.1 that measures leerid-sim beside
node-oidc-provider, against the project's performance targets. Entry point: ``python -m bench``
(see ``bench.cli``)."""

from __future__ import annotations

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (``python -m bench``); returns the exit status."""
    from bench.cli import main as run

    return run(argv)
