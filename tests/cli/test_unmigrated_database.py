"""A command on a database without schema says so in one line, exit status 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from leerid_sim.cli import main


@pytest.mark.parametrize(
    "argv",
    [
        ["preview", "--client", "ididdit", "--user", "jan.peeters"],
        ["privacy-log", "export"],
        ["purge"],
    ],
)
def test_unmigrated_database_is_one_line_exit_2(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    status = main([*argv, "--database-url", url])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert "leerid-sim db upgrade" in err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    "argv",
    [
        ["preview", "--client", "klasapp", "--user", "sara.wouters"],
        ["seed", "demo"],
        ["privacy-log", "export"],
    ],
)
def test_missing_database_is_a_hint_and_no_empty_file(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "leerid.db"
    status = main([*argv, "--database-url", f"sqlite:///{missing}"])
    err = capsys.readouterr().err
    assert status == 2
    assert len(err.strip().splitlines()) == 1
    assert f"no database at {missing}" in err
    assert "leerid-sim db upgrade" in err
    assert not missing.exists()


def test_the_default_database_is_the_demo_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``make demo`` seeds the file every command opens when nothing is set."""
    monkeypatch.delenv("LEERID_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    assert "DEMO_DB ?= sqlite:///leerid.db\n" in makefile
    assert main(["purge"]) == 2
    assert "no database at leerid.db" in capsys.readouterr().err
    assert not (tmp_path / "leerid.db").exists()
