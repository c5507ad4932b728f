"""``leerid-sim generate --pupils N --schools M --seed S``: add a synthetic population."""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any, TextIO

from leerid_sim.errors import CommandError
from leerid_sim.options import add_database_option, open_store


def _count(text: str) -> int:
    """A non-negative integer; ``1_200_000`` and ``1200000`` both work."""
    try:
        value = int(text.replace("_", ""))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {value}")
    return value


def _seed(text: str) -> int:
    value = _count(text)
    if value > 2**63 - 1:
        raise argparse.ArgumentTypeError("too large")
    return value


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="add a deterministic synthetic population of pupils (bulk load)",
        description=(
            "Add N synthetic pupils in M new schools to the world: Flemish-looking names, "
            "valid INSZ check digits, classes per school, about 3%% temporary accounts, some "
            "pupils with two accounts or a historiek, some ended enrolments, both "
            "administration packages. The same seed gives the same population. Usernames "
            "are gen.<seed>.<n>; every generated pupil's password is Leerling123!."
        ),
    )
    parser.add_argument("--pupils", type=_count, required=True, metavar="N")
    parser.add_argument(
        "--schools",
        type=_count,
        metavar="M",
        help="number of new schools (default: one per 350 pupils, at least one)",
    )
    parser.add_argument("--seed", type=_seed, default=1, metavar="S", help="default: 1")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    add_database_option(parser)
    parser.set_defaults(handler=_generate)


class ProgressBar:
    """A plain-text progress bar on stderr: redrawn in place on a terminal, in lines otherwise."""

    WIDTH = 30

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.tty = stream.isatty()
        self.started = time.perf_counter()
        self.last_tenth = -1

    def __call__(self, done: int, total: int) -> None:
        fraction = done / total if total else 1.0
        tenth = int(fraction * 10)
        if not self.tty and tenth == self.last_tenth and done < total:
            return
        self.last_tenth = tenth
        filled = int(fraction * self.WIDTH)
        bar = "#" * filled + "." * (self.WIDTH - filled)
        elapsed = time.perf_counter() - self.started
        line = f"[{bar}] {fraction:4.0%} {done:,}/{total:,} pupils {elapsed:5.1f} s"
        if self.tty:
            end = "\n" if done >= total else ""
            self.stream.write(f"\r{line}{end}")
        else:
            self.stream.write(f"{line}\n")
        self.stream.flush()


def _generate(args: argparse.Namespace) -> int:
    from datastore import generate_population

    if args.schools == 0:
        raise CommandError("--schools must be at least 1")
    store = open_store(args)
    try:
        summary = generate_population(
            store,
            pupils=args.pupils,
            schools=args.schools,
            seed=args.seed,
            progress=None if args.quiet else ProgressBar(),
        )
    finally:
        store.dispose()
    print(
        f"generated seed {summary.seed}: {summary.pupils:,} pupils "
        f"({summary.temporary_accounts:,} temporary accounts), {summary.accounts:,} accounts, "
        f"{summary.historiek:,} old account_uuids, {summary.enrolments:,} enrolments "
        f"({summary.ended_enrolments:,} ended), {summary.schools:,} schools, "
        f"{summary.classes:,} classes in {summary.seconds:.1f} s"
    )
    return 0
