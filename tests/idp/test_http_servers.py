"""``leerid-sim serve --http-server`` (uvicorn, granian): the same provider over real HTTP.

Each server is started as a user starts it, with two workers, and must answer discovery, a
whole login with its token request, pages with their security headers, https with the local CA
(TLS 1.2 as well as 1.3), and stop cleanly on SIGTERM.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from leerid_sim.tls import LocalCA
from tests.idp.conftest import CHEAP
from tests.idp.flows import ADMIN_TOKEN, OFFLINE, login, redeem
from tests.idp.test_processes import _free_port, _wait_healthy

pytestmark = [pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True), pytest.mark.slow]

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def _serve(
    demo_url: str, http_server: str, tmp_path: Path, *, tls: bool = False
) -> Iterator[tuple[str, subprocess.Popen[bytes], Path]]:
    port = _free_port()
    base = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    env = {
        **os.environ,
        "LEERID_DATABASE_URL": demo_url,
        "LEERID_ISSUER": f"{base}/op",
        "LEERID_ADMIN_TOKEN": ADMIN_TOKEN,
        "LEERID_TLS_DIR": str(tmp_path / "tls"),
        "LEERID_ARGON2_MEMORY_KIB": str(CHEAP.memory_cost),
        "LEERID_ARGON2_TIME_COST": str(CHEAP.time_cost),
    }
    command = [sys.executable, "-m", "leerid_sim.cli", "serve", "--http-server", http_server]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    command += ["--tls"] if tls else []
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield base, process, log
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        with contextlib.suppress(ProcessLookupError):  # workers a failed test left behind
            os.killpg(process.pid, signal.SIGKILL)


def test_the_server_answers_a_login_with_its_headers_and_stops_on_sigterm(
    demo_url: str, http_server: str, tmp_path: Path
) -> None:
    for base, process, log in _serve(demo_url, http_server, tmp_path):
        _wait_healthy(base, process, log)
        discovery = httpx.get(f"{base}/op/.well-known/openid-configuration", timeout=10)
        assert discovery.status_code == 200
        assert discovery.json()["issuer"] == f"{base}/op"
        assert discovery.headers["content-type"] == "application/json"
        page = httpx.get(f"{base}/", headers=BROWSER, timeout=10)
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
        assert page.headers["x-frame-options"] == "DENY"
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["referrer-policy"] == "no-referrer"
        assert page.headers["cache-control"] == "no-store"
        with httpx.Client(base_url=base, timeout=30) as browser:
            _, answer = login(browser, scope=OFFLINE)
            tokens = redeem(browser, answer["code"])
            assert tokens.status_code == 200, tokens.text
            assert tokens.headers["cache-control"] == "no-store"
            assert {"access_token", "id_token", "refresh_token"} <= tokens.json().keys()
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()[-2000:]


@pytest.mark.parametrize("version", [ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3])
def test_the_server_serves_https_with_the_local_ca(
    demo_url: str, http_server: str, tmp_path: Path, version: ssl.TLSVersion
) -> None:
    context = ssl.create_default_context(cafile=LocalCA(tmp_path / "tls").ensure())
    context.minimum_version = context.maximum_version = version
    for base, process, log in _serve(demo_url, http_server, tmp_path, tls=True):
        _wait_healthy(base, process, log, verify=context)
        answer = httpx.get(f"{base}/op/.well-known/openid-configuration", verify=context)
        assert answer.status_code == 200
        assert answer.json()["issuer"] == f"{base}/op"
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()[-2000:]


def _sockets(pid: int) -> set[int]:
    """The inodes of the sockets process ``pid`` holds open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(int(target[8:-1]))
    return inodes


def _tcp(port: int, state: str) -> set[int]:
    """The inodes of IPv4 TCP sockets on local ``port`` in ``state`` (0A listen, 01 established)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == state:
            inodes.add(int(fields[9]))
    return inodes


def _children(pid: int) -> list[int]:
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                children.append(int(stat.parent.name))
    return children


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc")
@pytest.mark.parametrize("http_server", ["uvicorn"])
def test_connections_opened_at_once_are_spread_over_the_workers(
    demo_url: str, http_server: str, tmp_path: Path
) -> None:
    """Every worker listens on a socket of its own (SO_REUSEPORT), so a burst of keep-alive
    connections, as a connection pool opens them, lands on both workers instead of on the
    one whose event loop woke first."""
    for base, process, log in _serve(demo_url, http_server, tmp_path):
        _wait_healthy(base, process, log)
        port = int(base.rsplit(":", 1)[1])
        deadline = time.monotonic() + 20  # the first worker answered; the other may still start
        while True:
            workers = _children(process.pid)
            listening = _tcp(port, "0A")
            own = [_sockets(pid) & listening for pid in workers]
            if (len(workers) == 2 and all(own)) or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert len(workers) == 2, workers
        assert all(len(sockets) == 1 for sockets in own), own
        assert own[0] != own[1]  # not one socket shared by both
        assert not _sockets(process.pid) & listening  # the supervisor takes no connection
        connections = [socket.create_connection(("127.0.0.1", port)) for _ in range(16)]
        try:
            for connection in connections:
                connection.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            for connection in connections:
                assert connection.recv(64).startswith(b"HTTP/1.1 200")
            established = _tcp(port, "01")
            served = [len(_sockets(pid) & established) for pid in workers]
        finally:
            for connection in connections:
                connection.close()
        # Each connection goes to a socket chosen by a hash of its ports: all 16 on one worker
        # has a chance of 2 in 65,536.
        assert sum(served) == 16
        assert min(served) >= 1, served
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0, log.read_text()[-2000:]
