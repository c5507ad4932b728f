"""``leerid-sim serve``: what it refuses, and how it configures its HTTP server."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import ClassVar

import pytest

from leerid_sim.cli import main
from leerid_sim.commands import serve


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


class _FakeGranian:
    """Stands in for ``granian.server.Server``: records how serve configured it."""

    seen: ClassVar[dict[str, object]] = {}

    def __init__(self, target: str, **kwargs: object) -> None:
        _FakeGranian.seen.update(kwargs, target=target)

    def serve(self) -> None:
        _FakeGranian.seen["served"] = True


@pytest.mark.parametrize(("flags", "expected"), [([], False), (["--access-log"], True)])
def test_serve_with_granian_configures_what_uvicorn_gets(
    monkeypatch: pytest.MonkeyPatch, flags: list[str], expected: bool, tmp_path: Path
) -> None:
    """The same factory (behind the proxy headers), workers, HTTP/1.1 and the access log
    only on request; TLS from 1.2 up, as uvicorn's default context allows."""
    server = pytest.importorskip("granian.server")
    monkeypatch.setattr(server, "Server", _FakeGranian)
    # Not in the test process: loading the modules ends in gc.freeze().
    monkeypatch.setattr(serve, "_load_modules_before_forking", lambda: None)
    _FakeGranian.seen.clear()
    monkeypatch.setenv("LEERID_ADMIN_TOKEN", "t")
    database = tmp_path / "leerid.db"
    database.touch()
    monkeypatch.setenv("LEERID_DATABASE_URL", f"sqlite:///{database}")
    argv = ["serve", "--http-server", "granian", "--workers", "2", "--port", "8123", *flags]
    assert main(argv) == 0
    seen = _FakeGranian.seen
    assert seen["target"] == "leerid_sim.server:serve_granian_app"
    assert seen["factory"] is True
    assert (seen["port"], seen["workers"]) == (8123, 2)
    assert str(seen["http"]) == "1"
    assert str(seen["ssl_protocol_min"]) == "tls1.2"
    assert seen["log_access"] is expected
    assert seen["served"] is True


def test_serve_with_granian_missing_says_how_to_install_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # Importing granian, or any of its modules an earlier test loaded, raises ImportError.
    for name in [m for m in sys.modules if m == "granian" or m.startswith("granian.")]:
        monkeypatch.setitem(sys.modules, name, None)
    monkeypatch.setitem(sys.modules, "granian", None)
    monkeypatch.setenv("LEERID_ADMIN_TOKEN", "t")
    database = tmp_path / "leerid.db"
    database.touch()
    monkeypatch.setenv("LEERID_DATABASE_URL", f"sqlite:///{database}")
    assert main(["serve", "--http-server", "granian"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "leerid-sim[granian]" in err
