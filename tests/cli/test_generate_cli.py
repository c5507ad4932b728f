"""`leerid-sim generate` as a user runs it: a progress bar, and one line of error on bad input."""

from __future__ import annotations

import io

import pytest

from leerid_sim.commands.generate import ProgressBar
from tests.cli.test_seed_cli import assert_one_line_error, run


def test_generate_small_population(sqlite_url: str) -> None:
    result = run(
        "generate", "--pupils", "500", "--schools", "2", "--seed", "9", database_url=sqlite_url
    )
    assert result.returncode == 0, result.stderr
    assert "generated seed 9: 500 pupils" in result.stdout
    assert "2 schools" in result.stdout
    # Not a terminal: the bar is printed as lines, ending at 100%.
    assert result.stderr.strip().splitlines()[-1].startswith("[" + "#" * 30 + "] 100%")
    again = run("generate", "--pupils", "5", "--seed", "9", "--quiet", database_url=sqlite_url)
    assert_one_line_error(again, "seed 9", "choose another --seed")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("--pupils", "-1"), "must be 0 or more"),
        (("--pupils", "many"), "not a whole number"),
        (("--pupils", "10", "--schools", "0"), "--schools must be at least 1"),
        (("--schools", "3"), "--pupils"),
        (("--pupils", "10", "--bogus"), "unrecognized arguments"),
    ],
    ids=["negative", "not-a-number", "no-schools", "missing-pupils", "unknown-flag"],
)
def test_generate_bad_input(sqlite_url: str, args: tuple[str, ...], expected: str) -> None:
    assert_one_line_error(run("generate", *args, database_url=sqlite_url), expected)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_redraws_in_place_on_a_terminal() -> None:
    stream = _Terminal()
    bar = ProgressBar(stream)
    for done in (0, 500, 1000):
        bar(done, 1000)
    text = stream.getvalue()
    assert text.count("\r") == 3
    assert text.endswith("1,000/1,000 pupils" + text.rsplit("pupils", 1)[1])
    assert "[" + "#" * 15 + "." * 15 + "]  50%" in text
    assert text.endswith("s\n")
