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
