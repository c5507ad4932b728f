"""``private_key_jwt`` with the client's keys at a ``jwks_uri`` (OIDC Registration §2).

The key set is served over real HTTP by a small server of the test's own; the client rotates its
key by publishing a new set, and the provider, meeting the unknown ``kid``, fetches it again.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from joserfc import jwt as joserfc_jwt
from joserfc.jwk import RSAKey

from idp import client_keys
from tests.idp.flows import ISSUER, REDIRECT_URI, admin


class KeyServer:
    """Serves ``document`` as JSON at ``/jwks`` and counts the requests."""

    def __init__(self) -> None:
        self.document: Any = {"keys": []}
        self.status = 200
        self.requests = 0
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.requests += 1
                body = json.dumps(server.document).encode()
                self.send_response(server.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self._http.server_address[1]}/jwks"
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)
        self._thread.start()

    def publish(self, *keys: RSAKey) -> None:
        self.document = {"keys": [key.as_dict(private=False) for key in keys]}

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def key_server() -> Iterator[KeyServer]:
    server = KeyServer()
    yield server
    server.close()


def _register(op: TestClient, uri: str) -> None:
    created = admin(
        op,
        "POST",
        "/clients",
        {
            "client_id": "uri-client",
            "application": "ididdit",
            "redirect_uris": [REDIRECT_URI],
            "token_endpoint_auth_method": "private_key_jwt",
            "jwks_uri": uri,
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["jwks_uri"] == uri


def _present(op: TestClient, key: RSAKey) -> httpx.Response:
    """An assertion with a made-up code: 401 means refused, 400 (invalid_grant) accepted."""
    now = int(time.time())
    assertion = joserfc_jwt.encode(
        {"alg": "RS256", "kid": key.kid},
        {
            "iss": "uri-client",
            "sub": "uri-client",
            "aud": ISSUER,
            "iat": now,
            "exp": now + 180,
            "jti": str(uuid.uuid4()),
        },
        key,
    )
    return op.post(
        "/op/v1/token",
        data={
            "grant_type": "authorization_code",
            "code": "not-a-code",
            "redirect_uri": REDIRECT_URI,
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": assertion,
        },
    )


def test_keys_are_fetched_once_and_again_for_a_new_kid(
    op: TestClient, key_server: KeyServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(client_keys, "REFETCH_SECONDS", 0.0)
    first, second = (RSAKey.generate_key(2048, auto_kid=True) for _ in range(2))
    key_server.publish(first)
    _register(op, key_server.uri)
    assert _present(op, first).json()["error"] == "invalid_grant"
    assert _present(op, first).json()["error"] == "invalid_grant"
    assert key_server.requests == 1  # kept between assertions
    key_server.publish(second)  # the client rotates its key
    assert _present(op, second).json()["error"] == "invalid_grant"
    assert key_server.requests == 2


def test_an_unknown_key_stays_refused(op: TestClient, key_server: KeyServer) -> None:
    key_server.publish(RSAKey.generate_key(2048, auto_kid=True))
    _register(op, key_server.uri)
    stranger = RSAKey.generate_key(2048, auto_kid=True)
    refused = _present(op, stranger)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    # A second made-up kid right after does not make the provider fetch again.
    assert _present(op, RSAKey.generate_key(2048, auto_kid=True)).status_code == 401
    assert key_server.requests == 1


@pytest.mark.parametrize("problem", ["status", "not a key set", "down"])
def test_a_broken_jwks_uri_is_invalid_client(
    op: TestClient, key_server: KeyServer, problem: str
) -> None:
    key = RSAKey.generate_key(2048, auto_kid=True)
    key_server.publish(key)
    if problem == "status":
        key_server.status = 500
    elif problem == "not a key set":
        key_server.document = {"keys": "none"}
    else:
        key_server.close()
    _register(op, key_server.uri)
    refused = _present(op, key)
    assert refused.status_code == 401
    assert refused.json() == {
        "error": "invalid_client",
        "error_description": "the client's jwks_uri gave no usable keys",
    }


def test_a_failed_fetch_is_not_repeated_for_every_assertion(
    op: TestClient, key_server: KeyServer
) -> None:
    # Anyone who knows the client_id can send assertions: an unreachable or broken jwks_uri
    # must not turn each of them into a request of the provider's own.
    key = RSAKey.generate_key(2048, auto_kid=True)
    key_server.publish(key)
    key_server.status = 500
    _register(op, key_server.uri)
    for _ in range(5):
        refused = _present(op, key)
        assert refused.status_code == 401
        assert refused.json()["error"] == "invalid_client"
    assert key_server.requests == 1


class StallingServer:
    """Answers ``200`` at once, then one byte of the body every 0.5 s for 15 s."""

    def __init__(self) -> None:
        self.connected = threading.Event()
        self.sent_everything = False
        self.stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.flush()
                server.connected.set()
                try:
                    for _ in range(30):
                        if server.stop.wait(0.5):
                            return
                        self.wfile.write(b" ")
                        self.wfile.flush()
                except OSError:  # the provider gave up and closed the connection
                    return
                server.sent_everything = True

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.uri = f"http://127.0.0.1:{self._http.server_address[1]}/jwks"
        threading.Thread(target=self._http.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.stop.set()
        self._http.shutdown()
        self._http.server_close()


def test_a_stalling_jwks_uri_holds_neither_the_provider_nor_the_token_request(
    op: TestClient,
) -> None:
    stalling = StallingServer()
    try:
        _register(op, stalling.uri)
        answers: list[httpx.Response] = []
        waiting = threading.Thread(
            target=lambda: answers.append(_present(op, RSAKey.generate_key(2048, auto_kid=True)))
        )
        waiting.start()
        assert stalling.connected.wait(30)
        # While the provider waits for that key set, everyone else is still served.
        assert op.get("/op/.well-known/openid-configuration").status_code == 200
        assert waiting.is_alive()
        waiting.join(60)
        assert answers[0].status_code == 401
        assert answers[0].json()["error"] == "invalid_client"
        # It gave up on the trickle instead of waiting for its end.
        assert not stalling.sent_everything
    finally:
        stalling.close()
