"""The login page: Dutch form, generic error, CSRF, staff vs pupils, disabled accounts, rehash."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from datastore import Argon2Parameters, Datastore, PasswordHashing
from idp import create_app
from idp.login import LOGIN_FAILED
from tests.idp.conftest import provider_settings
from tests.idp.flows import (
    ISSUER,
    PUPIL_PASSWORD,
    REDIRECT_URI,
    STAFF_PASSWORD,
    admin,
    auth_params,
    authorize,
    login,
    parse_login_form,
    query,
    submit_login,
)

# Request validation and pages do not depend on the database; the protocol state that does
# (codes, tokens, sessions) is tested on SQLite and PostgreSQL in test_token, test_resource,
# test_logout and test_keys. This keeps the suite within its time budget on 2 cores.
pytestmark = pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)


def test_login_page_is_accessible_dutch_and_protected(op: TestClient) -> None:
    page = authorize(op)
    assert page.status_code == 200
    html = page.text
    assert '<html lang="nl">' in html
    assert html.count('<form method="post"') == 1
    for testid in ("login-username", "login-password", "login-submit"):
        assert f'data-testid="{testid}"' in html
    assert '<label for="username">' in html
    assert '<label for="password">' in html
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert ":focus-visible" in html
    headers = page.headers
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert headers["cache-control"] == "no-store"


def test_login_redirects_with_code_state_and_iss(op: TestClient) -> None:
    sent, answer = login(op)
    assert answer["state"] == sent["state"]
    assert answer["iss"] == ISSUER
    assert len(answer["code"]) >= 40
    cookie = next(c for c in op.cookies.jar if c.name == "leerid_op_session")
    assert cookie.path == "/op"
    assert cookie.has_nonstandard_attr("HttpOnly")


@pytest.mark.parametrize(
    ("username", "password"),
    [("jan.peeters", "fout"), ("niemand.bestaat", PUPIL_PASSWORD), ("", "")],
)
def test_wrong_password_and_unknown_user_look_the_same(
    op: TestClient, username: str, password: str
) -> None:
    page = authorize(op)
    response = submit_login(op, page, username, password)
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.text
    assert LOGIN_FAILED in response.text
    assert "location" not in response.headers


def test_failed_login_is_logged_with_its_reason(op: TestClient, demo_store: Datastore) -> None:
    submit_login(op, authorize(op), "jan.peeters", "fout")
    submit_login(op, authorize(op), "niemand", "x")
    events = demo_store.logs.events(type_="login", outcome="failure").items
    assert {e.reason for e in events} == {"wrong_password", "unknown_user"}


def test_csrf_token_must_match_the_browser_cookie(op: TestClient) -> None:
    page = authorize(op)
    form = parse_login_form(str(page.url), page.text)
    op.cookies.clear()
    response = op.post(
        form.action,
        data={**form.fields, "username": "jan.peeters", "password": PUPIL_PASSWORD},
    )
    assert response.status_code == 200
    assert "location" not in response.headers
    assert 'data-testid="login-error"' in response.text


def test_tampered_transaction_is_refused(op: TestClient) -> None:
    page = authorize(op)
    form = parse_login_form(str(page.url), page.text)
    fields = {**form.fields, "tx": form.fields["tx"][:-3] + "abc"}
    response = op.post(
        form.action, data={**fields, "username": "jan.peeters", "password": PUPIL_PASSWORD}
    )
    assert response.status_code == 400
    assert "location" not in response.headers


def test_pupil_at_the_schoolloket_is_access_denied(op: TestClient) -> None:
    sent = auth_params(
        "schoolloket",
        redirect_uri="http://localhost:8000/schoolloket/callback",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method="S256",
        scope="openid",
    )
    page = op.get("/op/v1/auth", params=sent)
    assert page.status_code == 200, page.text
    response = submit_login(op, page, "jan.peeters", PUPIL_PASSWORD)
    assert response.status_code == 303
    answer = query(response.headers["location"])
    assert answer["error"] == "access_denied"
    assert answer["iss"] == ISSUER


def test_staff_at_a_pupil_application_is_access_denied(op: TestClient) -> None:
    response = submit_login(op, authorize(op), "dirk.directeur", STAFF_PASSWORD)
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI)
    assert query(location)["error"] == "access_denied"


def test_staff_logs_in_at_the_schoolloket(op: TestClient) -> None:
    _, answer = login(
        op,
        "dirk.directeur",
        STAFF_PASSWORD,
        client_id="schoolloket",
        redirect_uri="http://localhost:8000/schoolloket/callback",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        code_challenge_method="S256",
        scope="openid",
    )
    assert "code" in answer


def test_disabled_account_cannot_log_in(op: TestClient) -> None:
    changed = admin(op, "PATCH", "/accounts/lotte.janssens", {"status": "disabled"})
    assert changed.status_code == 200, changed.text
    response = submit_login(op, authorize(op), "lotte.janssens", PUPIL_PASSWORD)
    assert LOGIN_FAILED in response.text
    assert "location" not in response.headers


def test_password_is_rehashed_when_parameters_change(op: TestClient, demo_store: Datastore) -> None:
    before = demo_store.world.account_by_username("sara.wouters")
    assert before is not None
    provider = op.app.state.provider  # type: ignore[attr-defined]
    provider.hashing = PasswordHashing(Argon2Parameters(memory_cost=16, time_cost=1))
    login(op, "sara.wouters")
    after = demo_store.world.account_by_username("sara.wouters")
    assert after is not None
    assert after.password_hash != before.password_hash
    assert "m=16" in after.password_hash


def test_cookies_are_secure_under_https(demo_store: Datastore, demo_url: str) -> None:
    settings = provider_settings(demo_url, issuer="https://localhost:8443/op")
    app = create_app(settings, store=demo_store)
    with TestClient(app, base_url="https://localhost:8443", follow_redirects=False) as client:
        login(client)
        cookie = next(c for c in client.cookies.jar if c.name == "leerid_op_session")
        assert cookie.secure
        events = demo_store.logs.events(type_="login", outcome="success").items
        assert events[0].account_uuid == "a6f98ebd-1280-4294-a90f-a5858c1f6f47"
