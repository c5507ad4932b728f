"""`leerid-sim seed demo|FILE` as a user runs it: one line of error and exit 2 on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def run(
    *args: str, database_url: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LEERID_DATABASE_URL": database_url, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "leerid_sim.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0]


def test_seed_demo_twice(sqlite_url: str) -> None:
    first = run("seed", "demo", database_url=sqlite_url)
    assert first.returncode == 0, first.stderr
    assert "6 pupils" in first.stdout
    assert "8 clients" in first.stdout
    second = run("seed", "demo", database_url=sqlite_url)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_seed_missing_file(sqlite_url: str) -> None:
    result = run("seed", "nosuchfile", database_url=sqlite_url)
    assert_one_line_error(result, "leerid-sim seed: error:", "nosuchfile", "no such file")


def test_seed_bad_file_names_the_path(sqlite_url: str, tmp_path: Path) -> None:
    file = tmp_path / "world.yaml"
    file.write_text(
        'schools:\n  - {instellingsnummer: "12345", name: X, admin_package: broekx}\n',
        encoding="utf-8",
    )
    result = run("seed", str(file), database_url=sqlite_url)
    assert_one_line_error(result, str(file), "schools[0].instellingsnummer", "6 digits")


@pytest.mark.parametrize(
    "args",
    [("seed",), ("seed", "demo", "--bogus"), ("seed", "demo", "extra")],
    ids=["missing-world", "unknown-flag", "extra-argument"],
)
def test_seed_bad_flags(sqlite_url: str, args: tuple[str, ...]) -> None:
    assert_one_line_error(run(*args, database_url=sqlite_url), "leerid-sim")


def test_seed_bad_issuer(sqlite_url: str) -> None:
    result = run("seed", "demo", database_url=sqlite_url, env={"LEERID_ISSUER": "localhost"})
    assert_one_line_error(result, "LEERID_ISSUER")


@pytest.mark.parametrize("command", [("seed", "demo"), ("generate", "--pupils", "3")])
def test_database_without_schema(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = run(*command, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert_one_line_error(result, "leerid-sim db upgrade")
