"""``leerid-sim demo``: the provider and rp_demo together, with the URLs and personas printed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from datastore import Argon2Parameters, Datastore, PasswordHashing, load_demo, upgrade
from leerid_sim.commands.demo import banner
from tests.e2e.servers import bound_socket

CHEAP = Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1)


def test_the_banner_names_the_urls_and_every_persona_with_its_password() -> None:
    text = banner("http://localhost:8000", "http://localhost:8000/op", "http://localhost:8001", "t")
    assert "http://localhost:8001/dov" in text
    assert "http://localhost:8000/schoolloket/" in text
    assert "Leerling123!" in text
    assert "Personeel123!" in text
    for username in ("jan.peeters", "lotte.janssens", "noah.tijdelijk", "sara.wouters"):
        assert username in text
    for username in ("ex.leerling", "emma.maes", "emma.maes2", "dirk.directeur"):
        assert username in text


def _free_port() -> int:
    sock = bound_socket()
    port: int = sock.getsockname()[1]
    sock.close()
    return port


@pytest.mark.slow
def test_demo_serves_the_provider_and_rp_demo_until_interrupted(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    upgrade(database_url)
    port, rp_port = _free_port(), _free_port()
    store = Datastore.from_url(database_url)
    load_demo(store, issuer=f"http://127.0.0.1:{port}/op", hashing=PasswordHashing(CHEAP))
    store.dispose()
    env = {
        **os.environ,
        "LEERID_DATABASE_URL": database_url,
        "LEERID_HOST": "127.0.0.1",
        "LEERID_PORT": str(port),
        "LEERID_ISSUER": f"http://127.0.0.1:{port}/op",
        "LEERID_RP_HOST": "127.0.0.1",
        "LEERID_RP_PORT": str(rp_port),
    }
    env.pop("LEERID_ADMIN_TOKEN", None)
    env.pop("LEERID_RP_ADMIN_TOKEN", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "leerid_sim.cli", "demo"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 90  # generous: CI machines may be busy
        while True:
            try:
                rp = httpx.get(f"http://127.0.0.1:{rp_port}/", timeout=10)
                discovery = httpx.get(
                    f"http://127.0.0.1:{port}/op/.well-known/openid-configuration", timeout=10
                )
                break
            except httpx.TransportError:
                assert process.poll() is None, process.communicate()[0]
                assert time.monotonic() < deadline, "leerid-sim demo did not start"
                time.sleep(0.2)
        assert rp.status_code == 200
        assert "Aanmelden met LeerID" in rp.text
        assert discovery.json()["issuer"] == f"http://127.0.0.1:{port}/op"
        # Demo mode, and only demo mode: the admin token defaults to leerid-admin-demo.
        clock = httpx.get(
            f"http://127.0.0.1:{port}/admin/api/clock",
            headers={"Authorization": "Bearer leerid-admin-demo"},
            timeout=30,
        )
        assert clock.status_code == 200
        # Seeded for rp_demo on 8001, the demo registers rp_demo where it runs now, and an
        # admin reset reloads the demo world at that address too.
        for reset in (False, True):
            if reset:
                httpx.post(
                    f"http://127.0.0.1:{port}/admin/api/reset",
                    headers={"Authorization": "Bearer leerid-admin-demo"},
                    timeout=60,
                ).raise_for_status()
            client = httpx.get(
                f"http://127.0.0.1:{port}/admin/api/clients/ididdit",
                headers={"Authorization": "Bearer leerid-admin-demo"},
                timeout=30,
            ).json()
            assert f"http://127.0.0.1:{rp_port}/callback" in client["redirect_uris"]
            assert f"http://127.0.0.1:{rp_port}/" in client["post_logout_redirect_uris"]
            assert client["backchannel_logout_uri"] == (
                f"http://127.0.0.1:{rp_port}/backchannel-logout"
            )
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert f"rp_demo (demo applications):   http://127.0.0.1:{rp_port}/" in output
    assert "jan.peeters" in output
    assert "Leerling123!" in output
