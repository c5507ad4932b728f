"""Staff log in through the provider like any client (code flow + PKCE, no side door)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

from fastapi.testclient import TestClient

from datastore import Datastore
from tests.idp.flows import PUPIL_PASSWORD, STAFF_PASSWORD, submit_login
from tests.schoolloket.conftest import csrf

KLASAPP = "klasapp-demo-secret"


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _login(client: TestClient, username: str, password: str) -> Any:
    start = client.get("/schoolloket/login")
    assert start.status_code == 303
    authorize = start.headers["location"]
    params = _query(authorize)
    assert authorize.startswith("http://testserver/op/v1/auth?")
    assert params["client_id"] == "schoolloket"
    assert params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://testserver/schoolloket/callback"
    assert {"state", "nonce", "code_challenge"} <= set(params)
    page = client.get(authorize, follow_redirects=True)
    assert page.status_code == 200
    assert 'data-testid="login-username"' in page.text
    back = submit_login(client, page, username, password)
    assert back.status_code in (302, 303)
    callback = back.headers["location"]
    assert callback.startswith("http://testserver/schoolloket/callback?")
    return client.get(callback)


def test_a_director_logs_in_through_the_provider(client: TestClient, demo: Datastore) -> None:
    done = _login(client, "dirk.directeur", STAFF_PASSWORD)
    assert done.status_code == 303, done.text
    cookie = done.headers["set-cookie"]
    assert "leerid_schoolloket=" in cookie
    assert "HttpOnly" in cookie
    assert "samesite=lax" in cookie.lower()
    assert "Path=/schoolloket" in cookie
    home = client.get("/schoolloket/", follow_redirects=True)
    assert 'data-testid="staff-name">Dirk Directeur<' in home.text
    assert 'data-testid="sharing-status"' in home.text  # the databeheerder lands on settings

    # RP-initiated logout with the ID token as hint, back to the Schoolloket's start page.
    logout = client.post("/schoolloket/logout", data={"csrf_token": csrf(home.text)})
    assert logout.status_code == 303
    target = logout.headers["location"]
    assert target.startswith("http://testserver/op/v1/logout?")
    hint = _query(target)["id_token_hint"]
    claims = json.loads(base64.urlsafe_b64decode(hint.split(".")[1] + "=="))
    assert claims["aud"] in ("schoolloket", ["schoolloket"])
    assert "dirk" not in json.dumps(claims)  # pairwise sub, no identity in claims
    assert _query(target)["post_logout_redirect_uri"] == "http://testserver/schoolloket/"
    assert 'data-testid="login-start"' in client.get("/schoolloket/").text


def test_after_logging_out_the_start_page_says_so(client: TestClient, demo: Datastore) -> None:
    _login(client, "bert.beheerder", STAFF_PASSWORD)
    home = client.get("/schoolloket/", follow_redirects=True)
    logout = client.post("/schoolloket/logout", data={"csrf_token": csrf(home.text)})
    assert _query(logout.headers["location"])["state"] == "afgemeld"
    back = client.get(logout.headers["location"], follow_redirects=True)
    assert back.url.path == "/schoolloket/"
    assert 'data-testid="logged-out"' in back.text
    assert "Je bent afgemeld" in back.text
    assert 'data-testid="login-start"' in back.text
    # Only on the way back from logging out: a plain visit shows no such message.
    assert "Je bent afgemeld" not in client.get("/schoolloket/").text


def test_a_pupil_is_refused_with_a_clear_page(client: TestClient) -> None:
    done = _login(client, "jan.peeters", PUPIL_PASSWORD)
    assert done.status_code == 403
    assert "enkel voor schoolpersoneel" in done.text
    assert 'data-testid="login-again"' in done.text
    assert client.get("/schoolloket/").text.count('data-testid="login-start"') == 1

    # The provider's SSO session is the pupil's; "another account" forces a new login.
    again = client.get("/schoolloket/login", params={"opnieuw": "1"})
    authorize = again.headers["location"]
    assert _query(authorize)["prompt"] == "login"
    page = client.get(authorize, follow_redirects=True)
    assert 'data-testid="login-username"' in page.text
    back = submit_login(client, page, "dirk.directeur", STAFF_PASSWORD)
    assert client.get(back.headers["location"]).status_code == 303
    assert "Dirk Directeur" in client.get("/schoolloket/", follow_redirects=True).text


def test_a_callback_with_another_state_or_issuer_is_refused(client: TestClient) -> None:
    state = _query(client.get("/schoolloket/login").headers["location"])["state"]
    iss = "http://testserver/op"
    for params in (
        {"code": "x", "state": "forged", "iss": iss},
        {"code": "x", "state": state, "iss": "http://evil.example/op"},
        {"code": "x", "state": state},
    ):
        refused = client.get("/schoolloket/callback", params=params)
        assert refused.status_code == 400
        assert 'data-testid="error-message"' in refused.text


def _klas_at_klasapp(client: TestClient, username: str) -> str | None:
    """A real login of a pupil at KlasApp (scope klas); the ID token's ``klas`` claim."""
    other = TestClient(client.app, base_url="http://testserver", follow_redirects=False)
    params = {
        "client_id": "klasapp",
        "redirect_uri": "http://localhost:8001/callback",
        "response_type": "code",
        "scope": "openid klas",
        "state": "s",
        "nonce": "n",
    }
    page = other.get("/op/v1/auth", params=params, follow_redirects=True)
    done = submit_login(other, page, username, PUPIL_PASSWORD)
    code = _query(done.headers["location"])["code"]
    tokens = other.post(
        "/op/v1/token",
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": "http://localhost:8001/callback",
        },
        auth=("klasapp", KLASAPP),
    ).json()
    payload = tokens["id_token"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    klas: str | None = claims.get("klas")
    return klas


def test_the_beheerder_makes_klasapp_visible_and_the_next_login_gets_klas(
    client: TestClient, demo: Datastore
) -> None:
    assert _klas_at_klasapp(client, "sara.wouters") is None
    assert _login(client, "bert.beheerder", STAFF_PASSWORD).status_code == 303
    page = client.get("/schoolloket/scholen/123456/applicaties")
    klasapp = next(a.id for a in demo.schoolloket.applications() if a.key == "klasapp")
    class_3a = next(c.id for c in demo.schoolloket.classes("123456") if c.name == "3A")
    made = client.post(
        "/schoolloket/scholen/123456/applicaties/zichtbaar",
        data={
            "csrf_token": csrf(page.text),
            "application_id": klasapp,
            "doel": "klas",
            "klas": class_3a,
        },
    )
    assert made.status_code == 303
    assert _klas_at_klasapp(client, "sara.wouters") == "3A"


def test_the_director_stops_class_sharing_and_the_next_login_has_no_klas(
    client: TestClient, demo: Datastore
) -> None:
    assert _klas_at_klasapp(client, "jan.peeters") == "3B"
    assert _login(client, "dirk.directeur", STAFF_PASSWORD).status_code == 303
    page = client.get("/schoolloket/scholen/123456/instellingen/stopzetten")
    stopped = client.post(
        "/schoolloket/scholen/123456/instellingen/stopzetten",
        data={"csrf_token": csrf(page.text)},
    )
    assert stopped.status_code == 303
    assert _klas_at_klasapp(client, "jan.peeters") is None
