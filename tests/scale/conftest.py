"""Two provider processes (uvicorn, free ports) on one fresh PostgreSQL database.

This is the scale-out shape of docs/performance.md: stateless provider processes that share
nothing but the database (keys, server secrets, sessions, codes and tokens all live there), as
behind a load balancer. Both are started with the same issuer, the URL a balancer would serve.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from datastore import Argon2Parameters, Datastore, PasswordHashing, load_demo
from tests.databases import TemplateDatabases, require_postgres

# Password hashing is not what these tests measure: cheap argon2id, the same in the seed and
# the servers, so no login re-hashes.
CHEAP_ARGON2 = Argon2Parameters(memory_cost=1024, time_cost=1, parallelism=1)
STARTUP_LIMIT_S = 60.0  # generous: the machine may be shared with other test runs


@dataclass(frozen=True)
class Providers:
    """The two processes' base URLs, and the issuer both were started with."""

    urls: tuple[str, str]
    issuer: str


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_healthy(proc: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"provider at {url} exited with {proc.returncode}:\n{log.read_text()}")
        try:
            reply = httpx.get(f"{url}/op/.well-known/openid-configuration", timeout=1)
            if reply.status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    pytest.fail(f"provider at {url} not ready within {STARTUP_LIMIT_S} s:\n{log.read_text()}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def providers(
    templates: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Providers]:
    """Two provider processes on one fresh PostgreSQL database seeded with the demo world."""
    require_postgres()
    ports = (_free_port(), _free_port())
    issuer = f"http://127.0.0.1:{ports[0]}/op"
    workdir = tmp_path_factory.mktemp("scale")
    with templates.fresh("postgresql") as url:
        env = dict(
            os.environ,
            LEERID_DATABASE_URL=url,
            LEERID_ISSUER=issuer,
            LEERID_ADMIN_TOKEN="scale-test-admin",
            LEERID_ARGON2_MEMORY_KIB=str(CHEAP_ARGON2.memory_cost),
            LEERID_ARGON2_TIME_COST=str(CHEAP_ARGON2.time_cost),
            LEERID_ARGON2_PARALLELISM=str(CHEAP_ARGON2.parallelism),
            LEERID_DB_POOL_SIZE="5",
        )
        procs: list[subprocess.Popen[bytes]] = []
        try:
            for port in ports:
                cmd = [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    "leerid_sim.server:create_server_app",
                    "--factory",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--log-level",
                    "warning",
                    "--no-access-log",
                ]
                with (workdir / f"provider-{port}.log").open("wb") as out:
                    procs.append(
                        subprocess.Popen(cmd, env=env, stdout=out, stderr=subprocess.STDOUT)
                    )
            # Seeded while the processes import: they see the world through the datastore (the
            # seed bumps the generation that their caches check), as with any admin change.
            store = Datastore.from_url(url)
            try:
                load_demo(store, issuer=issuer, hashing=PasswordHashing(CHEAP_ARGON2))
            finally:
                store.dispose()
            urls = (f"http://127.0.0.1:{ports[0]}", f"http://127.0.0.1:{ports[1]}")
            for proc, base, port in zip(procs, urls, ports, strict=True):
                _wait_healthy(proc, base, workdir / f"provider-{port}.log")
            yield Providers(urls, issuer)
        finally:
            for proc in procs:
                _stop(proc)
