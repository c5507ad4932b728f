"""``leerid-sim`` itself: ``--version``, and an unknown flag named in its one-line error."""

from __future__ import annotations

import importlib.metadata

import pytest

from leerid_sim.cli import main


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    version = importlib.metadata.version("leerid-sim")
    assert capsys.readouterr().out.strip() == f"leerid-sim {version}"


@pytest.mark.parametrize("flag", ["--bogus", "-x", "--bogus=1"])
def test_an_unknown_flag_is_named(flag: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([flag])
    assert exit_.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert flag in err
    assert "COMMAND" not in err


def test_a_missing_command_still_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([])
    assert exit_.value.code == 2
    assert "COMMAND" in capsys.readouterr().err
