"""``leerid-sim``: the command line of the LeerID simulator.

Every sub-command lives in ``leerid_sim/commands/`` and registers itself with ``register``.
Bad flags or values get one line of error and exit status 2, never a traceback.

A run of one sub-command imports only that sub-command's module (``leerid-sim serve`` starts
the server without loading what ``seed`` or ``staff`` need: cold start); anything else
(``--help``, no or an unknown sub-command) registers them all, so help and errors list every one.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from leerid_sim.errors import CommandError

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
    "tls",
)
# The name a module registers (``privacy_log`` registers ``privacy-log``).
_COMMAND_NAMES = {name.replace("_", "-"): name for name in COMMAND_MODULES}


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line (no usage block) and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser for ``argv``: with only the sub-command that ``argv`` names, if it names one
    first; otherwise (no ``argv``, ``--help``, an unknown command) with every sub-command."""
    parser = _Parser(
        prog="leerid-sim",
        description="LeerID simulator: ACM with LeerID as a local OpenID Connect provider.",
    )
    parser.add_argument("--version", action=_Version)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    chosen = _COMMAND_NAMES.get(argv[0]) if argv else None
    if chosen is None or not _register(chosen, subparsers):
        for name in COMMAND_MODULES:
            _register(name, subparsers)
    return parser


class _Version(argparse.Action):
    """``--version``: the version, looked up only when asked for (not on every command)."""

    def __init__(self, option_strings: Sequence[str], dest: str, **_: Any) -> None:
        super().__init__(
            option_strings, dest=argparse.SUPPRESS, nargs=0, help="show the version and exit"
        )

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from idp.version import __version__

        print(f"{parser.prog} {__version__}")  # on standard output, as argparse prints it
        parser.exit()


def _check_leading_option(parser: argparse.ArgumentParser, argv: Sequence[str]) -> None:
    """Name an unknown option before the sub-command.

    argparse checks for the missing sub-command first, so ``leerid-sim --bogus`` would only
    say that COMMAND is required, hiding the misspelt flag.
    """
    if argv and argv[0].startswith("-"):
        known = {"-h", "--help", "--version"}
        if argv[0].split("=", 1)[0] not in known:
            parser.error(f"unrecognized argument: {argv[0]} (see 'leerid-sim --help')")


def _register(name: str, subparsers: Any) -> bool:
    """Add the sub-command of module ``name``; False if this installation lacks it."""
    try:
        module = importlib.import_module(f"leerid_sim.commands.{name}")
    except ModuleNotFoundError as exc:
        if exc.name == f"leerid_sim.commands.{name}":
            return False
        raise
    module.register(subparsers)
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``leerid-sim`` with ``argv``; returns the exit status."""
    if argv is None:
        argv = sys.argv[1:]
    parser = build_parser(argv)
    _check_leading_option(parser, argv)
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
            # One line per problem (a world file reports all of its problems at once).
            for line in str(exc).splitlines() or [type(exc).__name__]:
                print(f"leerid-sim {args.command}: error: {line}", file=sys.stderr)
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
    sys.exit(main())
