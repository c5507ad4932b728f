"""``leerid-sim serve`` refuses to start without an admin token (outside demo mode)."""

from __future__ import annotations

from pathlib import Path

import pytest

from leerid_sim.cli import main


def test_serve_needs_an_admin_token(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("LEERID_ADMIN_TOKEN", raising=False)
    monkeypatch.delenv("LEERID_DEMO_MODE", raising=False)
    # serve passes its options to the workers through os.environ; monkeypatch restores it.
    monkeypatch.setenv("LEERID_DATABASE_URL", "sqlite:///unused.db")
    assert main(["serve", "--database-url", "sqlite:///unused.db"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "LEERID_ADMIN_TOKEN" in err


@pytest.mark.parametrize(
    ("argv", "env", "message"),
    [
        (["serve", "--workers", "0"], {}, "--workers"),
        (["serve"], {"LEERID_PORT": "abc"}, "LEERID_PORT"),
        (["serve"], {"LEERID_ISSUER": "ftp://x"}, "LEERID_ISSUER"),
    ],
)
def test_serve_bad_settings_are_one_line(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    monkeypatch.setenv("LEERID_ADMIN_TOKEN", "t")
    monkeypatch.setenv("LEERID_DATABASE_URL", "sqlite:///unused.db")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert message in err


@pytest.mark.parametrize(("flags", "expected"), [([], False), (["--access-log"], True)])
def test_serve_access_log_only_on_request(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], expected: bool, tmp_path: Path
) -> None:
    """uvicorn's access log costs CPU on every request: off unless ``--access-log``."""
    import uvicorn

    seen: dict[str, object] = {}
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: seen.update(kwargs))
    monkeypatch.setenv("LEERID_ADMIN_TOKEN", "t")
    database = tmp_path / "leerid.db"
    database.touch()
    monkeypatch.setenv("LEERID_DATABASE_URL", f"sqlite:///{database}")
    assert main(["serve", *flags]) == 0
    assert seen["access_log"] is expected
