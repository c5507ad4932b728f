"""``leerid-sim serve --access-log`` writes no token, code or secret from a query string."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.idp.flows import ADMIN_TOKEN, ISSUER
from tests.idp.test_processes import _free_port, _wait_healthy

pytestmark = [pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True), pytest.mark.slow]

SECRETS = {
    "id_token_hint": "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LWhpbnQ.c2ln",
    "code": "secret-code-value",
    "client_secret": "secret-client-secret",
    "refresh_token": "secret-refresh-token",
    "token": "secret-plain-token",
    "login_hint": "jan.peeters",
    "password": "Leerling123!",
    "state": "secret-state",
}


def test_access_log_redacts_sensitive_query_values(
    demo_url: str, http_server: str, tmp_path: Path
) -> None:
    port = _free_port()
    log = tmp_path / "serve.log"
    env = {
        **os.environ,
        "LEERID_DATABASE_URL": demo_url,
        "LEERID_ISSUER": ISSUER,
        "LEERID_ADMIN_TOKEN": ADMIN_TOKEN,
    }
    command = [sys.executable, "-m", "leerid_sim.cli", "serve", "--access-log"]
    command += ["--http-server", http_server]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    with log.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(base, process, log)
        # A percent-encoded name is still recognised; an unrelated parameter stays readable.
        query = {**SECRETS, "ui_locales": "nl"}
        httpx.get(f"{base}/op/v1/logout", params=query, timeout=10)
        httpx.get(f"{base}/op/v1/auth?id%5Ftoken%5Fhint=encoded-secret&client_id=ididdit")
    finally:
        process.terminate()
        process.wait(timeout=30)
    text = log.read_text()
    assert "/op/v1/logout?" in text, text[-2000:]
    assert "id_token_hint=[redacted]" in text
    assert "id%5Ftoken%5Fhint=[redacted]" in text
    assert "ui_locales=nl" in text
    assert "client_id=ididdit" in text
    for name, value in SECRETS.items():
        assert f"{name}=[redacted]" in text
        assert value not in text, name
    assert "encoded-secret" not in text
