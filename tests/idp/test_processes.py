"""Stateless processes: two providers on one PostgreSQL act as one."""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from datastore import Datastore, PasswordHashing, load_demo
from tests.databases import TemplateDatabases
from tests.idp.conftest import CHEAP
from tests.idp.flows import ADMIN_TOKEN, ISSUER, OFFLINE, login, redeem

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_healthy(
    base: str, process: subprocess.Popen[bytes], log: Path, *, verify: ssl.SSLContext | bool = True
) -> None:
    deadline = time.monotonic() + 180  # a loaded CI machine imports slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"provider exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{base}/health", timeout=1, verify=verify).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"provider at {base} did not start: {log.read_text()[-2000:]}")


@pytest.fixture
def two_providers(templates: TemplateDatabases, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two ``leerid-sim serve`` processes on one fresh PostgreSQL database with the demo world."""
    with templates.fresh("postgresql") as url:
        store = Datastore.from_url(url)
        load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
        store.dispose()
        env = {
            **os.environ,
            "LEERID_DATABASE_URL": url,
            "LEERID_ISSUER": ISSUER,
            "LEERID_ADMIN_TOKEN": ADMIN_TOKEN,
            "LEERID_ARGON2_MEMORY_KIB": str(CHEAP.memory_cost),
            "LEERID_ARGON2_TIME_COST": str(CHEAP.time_cost),
        }
        processes: list[subprocess.Popen[bytes]] = []
        bases = []
        try:
            for index in range(2):
                port = _free_port()
                log = tmp_path / f"provider{index}.log"
                command = [sys.executable, "-m", "leerid_sim.cli", "serve", "--host"]
                command += ["127.0.0.1", "--port", str(port)]
                with log.open("wb") as out:  # the child keeps its own copy of the descriptor
                    processes.append(
                        subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
                    )
                bases.append((f"http://127.0.0.1:{port}", processes[-1], log))
            for base, process, log in bases:
                _wait_healthy(base, process, log)
            yield bases[0][0], bases[1][0]
        finally:
            for process in processes:
                process.terminate()
            for process in processes:
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()


def test_authorize_on_one_process_redeem_on_the_other(two_providers: tuple[str, str]) -> None:
    first, second = two_providers
    with httpx.Client(base_url=first) as one, httpx.Client(base_url=second) as two:
        # Both started at once on an empty key table: one key per algorithm, the same JWKS.
        jwks = one.get("/op/v1/keys").json()
        assert jwks == two.get("/op/v1/keys").json()
        assert sorted(k["alg"] for k in jwks["keys"]) == ["ES256", "RS256"]
        _, answer = login(one)
        tokens = redeem(two, answer["code"])
        assert tokens.status_code == 200, tokens.text
        body = tokens.json()
        assert redeem(one, answer["code"]).json()["error"] == "invalid_grant"
        info = one.get(
            "/op/v1/userinfo", headers={"Authorization": f"Bearer {body['access_token']}"}
        )
        assert info.status_code == 401  # the reuse above revoked what the code produced
        _, again = login(one, scope=OFFLINE)  # SSO: the session lives in the database
        fresh = redeem(two, again["code"]).json()
        refreshed = one.post(
            "/op/v1/token",
            data={"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]},
            auth=("ididdit", "ididdit-demo-secret"),
        )
        assert refreshed.status_code == 200
        reused = two.post(
            "/op/v1/token",
            data={"grant_type": "refresh_token", "refresh_token": fresh["refresh_token"]},
            auth=("ididdit", "ididdit-demo-secret"),
        )
        assert reused.json()["error"] == "invalid_grant"
