"""Staff log in through the provider like any client (code flow + PKCE, no side door)."""

from __future__ import annotations

import base64
import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.routing import Mount

import schoolloket.oidc
from datastore import Datastore
from schoolloket.oidc import Login, OidcClient
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
    assert params["scope"] == schoolloket.oidc.SCOPE
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
    # The account's own identifier names the staff member; no name, username or role.
    dirk = demo.world.account_by_username("dirk.directeur")
    assert dirk is not None
    assert claims["account_uuid"] == dirk.account_uuid
    assert "dirk" not in json.dumps(claims).lower()
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


def _loket_oidc(server: FastAPI) -> OidcClient:
    """The Schoolloket's own OIDC client, in the composed app."""
    mount = next(r for r in server.routes if isinstance(r, Mount) and r.path == "/schoolloket")
    oidc: OidcClient = mount.app.state.schoolloket.oidc  # type: ignore[attr-defined]
    return oidc


def test_the_login_names_the_staff_member_without_the_providers_token_records(
    client: TestClient, server: FastAPI, demo: Datastore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Who logged in comes from the Schoolloket's own validated login, not the provider's tables:
    with every token record gone after the exchange, the login still names the right person."""
    oidc = _loket_oidc(server)
    exchange = oidc.exchange

    async def exchange_then_forget(code: str, code_verifier: str, nonce: str) -> Login:
        login = await exchange(code, code_verifier, nonce)
        with demo.write() as session:
            session.connection().exec_driver_sql("DELETE FROM tokens")
        return login

    monkeypatch.setattr(oidc, "exchange", exchange_then_forget)
    done = _login(client, "bert.beheerder", STAFF_PASSWORD)
    assert done.status_code == 303, done.text
    home = client.get("/schoolloket/", follow_redirects=True)
    assert 'data-testid="staff-name">Bert Beheerder<' in home.text


class _OtherAccountInTheIdToken(httpx.AsyncBaseTransport):
    """The provider's answers, with another account's ``account_uuid`` put in the ID token."""

    def __init__(self, inner: httpx.AsyncBaseTransport, account_uuid: str) -> None:
        self.inner = inner
        self.account_uuid = account_uuid

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if not request.url.path.endswith("/v1/token"):
            return response
        await response.aread()
        body = response.json()
        header, payload, signature = body["id_token"].split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims["account_uuid"] = self.account_uuid
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        body["id_token"] = f"{header}.{forged}.{signature}"
        return httpx.Response(response.status_code, json=body)


def test_an_id_token_naming_another_account_is_refused(
    client: TestClient, server: FastAPI, demo: Datastore
) -> None:
    """The claim counts only in an ID token whose signature holds (OIDC Core §3.1.3.7)."""
    oidc = _loket_oidc(server)
    bert = demo.world.account_by_username("bert.beheerder")
    assert bert is not None
    assert oidc.transport is not None
    oidc.transport = _OtherAccountInTheIdToken(oidc.transport, bert.account_uuid)
    done = _login(client, "dirk.directeur", STAFF_PASSWORD)
    assert done.status_code == 502
    assert "foutcode invalid_token" in done.text
    start = client.get("/schoolloket/", follow_redirects=True)
    assert 'data-testid="login-start"' in start.text
    assert "Bert" not in start.text


def test_a_login_that_names_no_account_is_refused(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the account scope neither the ID token nor UserInfo names the account: refused."""
    monkeypatch.setattr(schoolloket.oidc, "SCOPE", "openid")
    done = _login(client, "dirk.directeur", STAFF_PASSWORD)
    assert done.status_code == 502
    assert "foutcode invalid_token" in done.text
    assert 'data-testid="login-start"' in client.get("/schoolloket/").text


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
