"""The server starts without building the admin API and the Schoolloket (a fast cold start),
and users see no difference: both answer their first request as if built at start, the OpenAPI
document lists the admin API, and ``leerid-sim`` still offers every sub-command's help."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from datastore import Datastore, PasswordHashing, load_demo
from datastore.db.clock import CACHE_SECONDS
from leerid_sim.server import create_server_app
from tests.admin.conftest import AUTH, CHEAP, ISSUER, admin_settings


@pytest.fixture
def client(store: Datastore, db_url: str) -> Iterator[TestClient]:
    """A fresh server process's app (``leerid-sim serve``'s factory) on the demo world."""
    load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
    app = create_server_app(admin_settings(db_url))
    with TestClient(app, base_url="http://localhost:8000", follow_redirects=False) as test:
        yield test


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("GET", "/admin/api/clock", AUTH, 200),
        ("GET", "/admin/api/clock", {}, 401),
        ("POST", "/admin/api/clock", AUTH, 422),
        ("GET", "/admin/api/no-such-thing", AUTH, 404),
        ("GET", "/admin/api/pupils/", AUTH, 307),
    ],
)
def test_the_admin_api_answers_its_first_request(
    client: TestClient, method: str, path: str, headers: dict[str, str], status: int
) -> None:
    response = client.request(method, path, headers=headers)
    assert response.status_code == status, response.text
    again = client.request(method, path, headers=headers)
    assert again.status_code == status


def test_the_first_admin_request_sees_the_demo_world(client: TestClient) -> None:
    response = client.get("/admin/api/pupils", headers=AUTH)
    assert response.status_code == 200
    assert "jan.peeters" in response.text


def test_concurrent_first_requests_all_get_their_answer(client: TestClient) -> None:
    def clock(_: int) -> int:
        return client.get("/admin/api/clock", headers=AUTH).status_code

    def page(_: int) -> int:
        return client.get("/schoolloket/").status_code

    with ThreadPoolExecutor(8) as pool:
        clocks = list(pool.map(clock, range(8)))
        pages = list(pool.map(page, range(8)))
    assert clocks == [200] * 8
    assert pages == [200] * 8


def test_openapi_lists_the_admin_api_before_any_admin_request(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    assert "/admin/api/pupils" in document["paths"]
    assert "/admin/api/faults" in document["paths"]
    assert "AdminToken" in document["components"]["securitySchemes"]
    assert "/op/v1/token" in document["paths"]
    assert client.get("/docs").status_code == 200
    # The admin routes sit where they always did: after the protocol's and /health.
    assert list(document["paths"]).index("/health") < list(document["paths"]).index(
        "/admin/api/pupils"
    )


def test_the_schoolloket_answers_its_first_request(client: TestClient) -> None:
    page = client.get("/schoolloket/")
    assert page.status_code == 200
    assert "Schoolloket" in page.text
    assert client.get("/schoolloket").status_code == 307
    assert client.get("/schoolloket/bestaat-niet").status_code == 404
    assert client.get("/schoolloket/static/nope.css").status_code == 404


def test_a_bad_schoolloket_setting_stops_the_server_at_start(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LEERID_SCHOOLLOKET_SESSION_TTL_SECONDS", "1")
    with pytest.raises(ValueError, match="session_ttl_seconds"):
        create_server_app(admin_settings(db_url))


def test_a_server_process_starts_without_the_admin_api_and_the_schoolloket(
    sqlite_url: str,
) -> None:
    """What the lazy parts exist for: the factory loads neither (``idp`` still exports both),
    nor, on SQLite, SQLAlchemy's PostgreSQL dialect."""
    code = (
        "import sys\n"
        "from leerid_sim.server import create_server_app\n"
        "from idp import ProviderSettings\n"
        # Not the tests' helpers: they import the migrations, and with them all of alembic.
        f"create_server_app(ProviderSettings(database_url={sqlite_url!r}, admin_token='t'))\n"
        "later = ('idp.admin.routes_world', 'schoolloket.web', 'sqlalchemy.dialects.postgresql')\n"
        "print([m for m in later if m in sys.modules])\n"
        "import idp, schoolloket\n"
        "assert callable(idp.create_app) and callable(schoolloket.create_schoolloket)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_the_datastore_package_imports_its_optional_parts_on_first_use() -> None:
    """``import datastore`` loads no world import, generation, migrations (alembic), upload
    parsing or repository; each exported name still imports its module when first used."""
    code = (
        "import sys\n"
        "import datastore\n"
        "later = ('alembic', 'yaml', 'datastore.worlds.load', 'datastore.worlds.generate',\n"
        "         'datastore.db.migrations', 'datastore.schoolloket.upload',\n"
        "         'datastore.protocol.oidc', 'datastore.records.admin',\n"
        "         'datastore.records.schoolloket')\n"
        "print([m for m in later if m in sys.modules])\n"
        "from datastore import load_world, upgrade\n"
        "assert 'datastore.worlds.load' in sys.modules and 'alembic' in sys.modules\n"
        "missing = [n for n in datastore.__all__ if getattr(datastore, n, None) is None]\n"
        "assert missing == [], missing\n"
        "assert not hasattr(datastore, 'no_such_name')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.slow
def test_two_workers_serve_everything_and_stop(sqlite_url: str, tmp_path: Path) -> None:
    """``serve --workers 2`` on a database without keys: both workers share one key set, one
    simulated clock, and answer the admin API and the Schoolloket; SIGTERM stops them all."""
    store = Datastore.from_url(sqlite_url)
    load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
    store.dispose()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LEERID_DATABASE_URL": sqlite_url,
        "LEERID_ISSUER": f"{base}/op",
        "LEERID_ADMIN_TOKEN": AUTH["Authorization"].removeprefix("Bearer "),
    }
    command = [sys.executable, "-m", "leerid_sim.cli", "serve", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "2"]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180  # a loaded CI machine imports slowly
        while True:
            assert process.poll() is None, log.read_text()[-2000:]
            assert time.monotonic() < deadline, log.read_text()[-2000:]
            try:
                if httpx.get(f"{base}/op/.well-known/openid-configuration").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.05)
        # A new connection per request, so that both workers answer some of them.
        fresh = httpx.Limits(max_keepalive_connections=0)
        with httpx.Client(base_url=base, headers=AUTH, timeout=30, limits=fresh) as client:
            jwks = {client.get("/op/v1/keys").text for _ in range(20)}
            assert len(jwks) == 1
            moved = client.post("/admin/api/clock", json={"now": "2026-03-02T09:00:00Z"})
            assert moved.status_code == 200, moved.text
            # Each worker caches the shared clock for at most CACHE_SECONDS; past that, every
            # worker answers the new day.
            time.sleep(CACHE_SECONDS + 0.2)
            todays = {client.get("/admin/api/clock").json()["today"] for _ in range(20)}
            assert todays == {"2026-03-02"}
            pages = {client.get("/schoolloket/").status_code for _ in range(10)}
            assert pages == {200}
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()[-2000:]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "leerid_sim.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


COMMANDS = (
    "serve",
    "demo",
    "db",
    "seed",
    "generate",
    "keys",
    "preview",
    "privacy-log",
    "purge",
    "staff",
    "register",
)


def test_the_top_level_help_lists_every_sub_command() -> None:
    result = _cli("--help")
    assert result.returncode == 0, result.stderr
    for command in COMMANDS:
        assert command in result.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_every_sub_command_has_help(command: str) -> None:
    result = _cli(command, "--help")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: leerid-sim {command}")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("no-such-command",), "invalid choice"),
        (("serve", "--workers", "x"), "--workers"),
        (("serve", "--no-such-flag"), "unrecognized arguments"),
        ((), "COMMAND"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], expected: str) -> None:
    result = _cli(*args)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]
    assert "Traceback" not in result.stderr
