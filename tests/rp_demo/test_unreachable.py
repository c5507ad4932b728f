"""rp_demo without a reachable provider, and with a client it does not know: clear pages."""

from __future__ import annotations

from starlette.testclient import TestClient

from rp_demo import RPSettings, create_app
from tests.e2e.servers import bound_socket


def _client_without_provider() -> TestClient:
    sock = bound_socket()  # bound but never listening: connections are refused
    issuer = f"http://127.0.0.1:{sock.getsockname()[1]}/op"
    sock.close()
    return TestClient(create_app(RPSettings(issuer=issuer, http_timeout_seconds=2)))


def test_the_start_page_works_without_the_provider() -> None:
    with _client_without_provider() as client:
        page = client.get("/")
    assert page.status_code == 200
    assert 'data-testid="login-i-learn"' in page.text


def test_a_login_without_the_provider_is_a_clear_page() -> None:
    with _client_without_provider() as client:
        page = client.get("/login/i-learn", follow_redirects=False)
    assert page.status_code == 400
    assert "rp_provider_unreachable" in page.text
    assert "niet bereikbaar" in page.text


def test_an_unknown_client_is_a_clear_page() -> None:
    with _client_without_provider() as client:
        page = client.get("/login/not-a-client", follow_redirects=False)
    assert page.status_code == 404
    assert "Deze toepassing bestaat niet" in page.text
    assert "not-a-client" in page.text


def test_the_dov_page_before_any_login_invites_to_start() -> None:
    with _client_without_provider() as client:
        page = client.get("/dov")
    assert page.status_code == 200
    assert 'data-testid="dov-start"' in page.text


def test_the_spa_session_refuses_tokens_without_a_login_in_this_browser() -> None:
    with _client_without_provider() as client:
        answer = client.post("/spa/session", json={"id_token": "x", "access_token": "y"})
    assert answer.status_code == 400
    assert answer.json()["error"] == "rp_state_mismatch"
