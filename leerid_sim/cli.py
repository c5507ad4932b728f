"""``leerid-sim``: the command line of the LeerID simulator.

Every sub-command lives in ``leerid_sim/commands/`` and registers itself with ``register``.
Bad flags or values get one line of error and exit status 2, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

__all__ = ["CommandError", "main"]

# Sub-command modules, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "serve",
    "demo",
    "db",
    "seed",
    "generate",
    "keys",
    "preview",
    "privacy_log",
    "purge",
    "staff",
    "register",
)


class CommandError(Exception):
    """A user error in a command: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser with every available sub-command."""
    parser = _Parser(
        prog="leerid-sim",
        description="LeerID simulator: ACM with LeerID as a local OpenID Connect provider.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(f"leerid_sim.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"leerid_sim.commands.{name}":
                continue
            raise
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``leerid-sim`` with ``argv``; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] = args.handler
    try:
        return handler(args) or 0
    except CommandError as exc:
        print(f"leerid-sim {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # never a traceback for a user; the message says what failed
        from datastore import DatastoreError, database_problem

        problem = database_problem(exc)
        if problem is not None:
            print(f"leerid-sim {args.command}: error: {problem}", file=sys.stderr)
            return 2
        if isinstance(exc, DatastoreError | ValueError | OSError):
            print(f"leerid-sim {args.command}: error: {exc}", file=sys.stderr)
            return 2
        print(
            f"leerid-sim {args.command}: internal error: {type(exc).__name__}: {exc}",
            file=sys.stderr,
        )
        return 1
    finally:
        # A command run in-process (tests, the pytest plugin) must not leave connections open.
        from leerid_sim.options import close_stores

        close_stores()


if __name__ == "__main__":
    # Run through the imported module, not ``__main__``: the commands raise
    # ``leerid_sim.cli.CommandError``, which must be the class ``main`` catches.
    from leerid_sim.cli import main as _main

    sys.exit(_main())
