"""An account disabled (admin API, world file) or deleted stops at once, everywhere.

Its SSO session ends (with a back-channel logout), its access and refresh tokens stop working
at UserInfo (RFC 6750 §3.1), introspection (RFC 7662 §2.2) and refresh (RFC 6749 §5.2), a code
not yet redeemed is ``invalid_grant``, and enabling the account again brings none of it back:
the user logs in afresh. Over HTTP, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jose import jwt as jose_jwt

from datastore import DEMO_WORLD, Datastore, PasswordHashing, load_world, sha256_hex
from tests.idp.conftest import CHEAP
from tests.idp.flows import (
    ISSUER,
    PUPIL_PASSWORD,
    STAFF_PASSWORD,
    admin,
    authorize,
    basic,
    login,
    pkce_pair,
    redeem,
    submit_login,
    tokens_for,
)
from tests.idp.test_logout import Receiver

HASHING = PasswordHashing(CHEAP)
OFFLINE = "openid account offline_access"  # a refresh token, one that outlives a logout


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


def _userinfo(op: TestClient, access_token: str) -> Any:
    return op.get("/op/v1/userinfo", headers={"Authorization": f"Bearer {access_token}"})


def _introspect(op: TestClient, token: str) -> dict[str, Any]:
    response = op.post("/op/v1/introspect", data={"token": token}, auth=basic("ididdit"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _refresh(op: TestClient, token: str) -> Any:
    return op.post(
        "/op/v1/token",
        data={"grant_type": "refresh_token", "refresh_token": token},
        auth=basic("ididdit"),
    )


def _set_status(op: TestClient, username: str, status: str) -> None:
    response = admin(op, "PATCH", f"/accounts/{username}", {"status": status})
    assert response.status_code == 200, response.text


def _assert_stopped(op: TestClient, tokens: dict[str, Any], code: str) -> None:
    """Nothing the account held before works, on either endpoint path or method."""
    for response in (
        _userinfo(op, tokens["access_token"]),
        op.post("/op/v1/userinfo", data={"access_token": tokens["access_token"]}),
    ):
        assert response.status_code == 401
        assert response.json()["error"] == "invalid_token"
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert _introspect(op, tokens["access_token"]) == {"active": False}
    assert _introspect(op, tokens["refresh_token"]) == {"active": False}
    refreshed = _refresh(op, tokens["refresh_token"])
    assert refreshed.status_code == 400
    assert refreshed.json()["error"] == "invalid_grant"
    redeemed = redeem(op, code)
    assert redeemed.status_code == 400
    assert redeemed.json()["error"] == "invalid_grant"
    # No SSO: a new authorization request shows the login page.
    page = authorize(op)
    assert page.status_code == 200
    assert 'data-testid="login-username"' in page.text


def test_a_disabled_pupil_stops_at_once_and_starts_afresh_when_enabled(
    op: TestClient, receiver: Receiver
) -> None:
    patched = admin(op, "PATCH", "/clients/ididdit", {"backchannel_logout_uri": receiver.url})
    assert patched.status_code == 200
    tokens = tokens_for(op, scope=OFFLINE)
    sid = jose_jwt.get_unverified_claims(tokens["id_token"])["sid"]
    _sent, answer = login(op)  # SSO: a code the client has not redeemed yet
    code = answer["code"]
    assert _userinfo(op, tokens["access_token"]).status_code == 200

    _set_status(op, "jan.peeters", "disabled")

    _assert_stopped(op, tokens, code)
    assert receiver.received.wait(5)
    logout = jose_jwt.get_unverified_claims(receiver.tokens[0])
    assert logout["sid"] == sid
    assert logout["aud"] == "ididdit"
    page = authorize(op)
    refused = submit_login(op, page, "jan.peeters", PUPIL_PASSWORD)
    assert refused.status_code == 200
    assert 'data-testid="login-error"' in refused.text

    _set_status(op, "jan.peeters", "active")

    _assert_stopped(op, tokens, code)  # enabling brings back no session, token or code
    fresh = tokens_for(op, scope=OFFLINE)  # the login page again, then new tokens that work
    assert jose_jwt.get_unverified_claims(fresh["id_token"])["sid"] != sid
    assert _userinfo(op, fresh["access_token"]).status_code == 200
    assert _refresh(op, fresh["refresh_token"]).status_code == 200


def test_a_deleted_account_loses_its_session_and_tokens(op: TestClient, receiver: Receiver) -> None:
    patched = admin(op, "PATCH", "/clients/ididdit", {"backchannel_logout_uri": receiver.url})
    assert patched.status_code == 200
    tokens = tokens_for(op, scope=OFFLINE)
    sid = jose_jwt.get_unverified_claims(tokens["id_token"])["sid"]
    assert admin(op, "DELETE", "/accounts/jan.peeters").status_code == 204
    assert _userinfo(op, tokens["access_token"]).status_code == 401
    assert _refresh(op, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    assert receiver.received.wait(5)
    assert jose_jwt.get_unverified_claims(receiver.tokens[0])["sid"] == sid


def test_a_world_file_that_disables_an_account_ends_its_session(
    op: TestClient, demo_store: Datastore, tmp_path: Path
) -> None:
    tokens = tokens_for(op, scope=OFFLINE)
    _sent, answer = login(op)
    world = DEMO_WORLD.read_text(encoding="utf-8")
    line = "      - {username: jan.peeters, account_uuid: a6f98ebd-1280-4294-a90f-a5858c1f6f47}"
    assert line in world
    disabled = tmp_path / "world.yaml"
    disabled.write_text(world.replace(line, line[:-1] + ", status: disabled}"), encoding="utf-8")
    load_world(demo_store, disabled, issuer=ISSUER, hashing=HASHING)

    _assert_stopped(op, tokens, answer["code"])
    load_world(demo_store, DEMO_WORLD, issuer=ISSUER, hashing=HASHING)
    _assert_stopped(op, tokens, answer["code"])
    assert _userinfo(op, tokens_for(op)["access_token"]).status_code == 200


def test_a_login_that_finishes_after_the_disabling_gets_no_session(
    op: TestClient, demo_store: Datastore
) -> None:
    """The password check runs outside the transaction; the session it then starts for an
    account disabled meanwhile is born ended (no SSO, and its code is refused)."""
    _set_status(op, "jan.peeters", "disabled")
    account = demo_store.world.account_by_username("jan.peeters")
    assert account is not None
    now = demo_store.clock.now()
    started = demo_store.oidc.create_session(
        id_hash=sha256_hex("late-login"),
        sid="late-login",
        account_id=account.id,
        now=now,
        expires_at=now + dt.timedelta(hours=1),
    )
    assert started.account_id == account.id
    assert demo_store.oidc.session(sha256_hex("late-login"), now) is None


def test_a_staff_only_clients_token_of_an_inactive_account_is_refused_for_the_account(
    op: TestClient, demo_store: Datastore
) -> None:
    """The Schoolloket (staff only) has no protocol with DOV and needs none: when its token
    stops working because of the account, the event names the account, not the protocol.

    The account is made inactive in the database itself, so its token is not revoked (the
    admin API and world files revoke it, and the reason would be ``revoked``)."""
    verifier, challenge = pkce_pair()
    callback = "http://localhost:8000/schoolloket/callback"
    _sent, answer = login(
        op,
        "dirk.directeur",
        STAFF_PASSWORD,
        client_id="schoolloket",
        redirect_uri=callback,
        code_challenge=challenge,
        code_challenge_method="S256",
        scope="openid",
    )
    redeemed = redeem(
        op, answer["code"], "schoolloket", redirect_uri=callback, code_verifier=verifier
    )
    assert redeemed.status_code == 200, redeemed.text
    access_token = redeemed.json()["access_token"]
    assert _userinfo(op, access_token).status_code == 200

    with demo_store.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE accounts SET status = 'disabled' WHERE username = 'dirk.directeur'"
        )

    refused = _userinfo(op, access_token)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    events = admin(op, "GET", "/events?type=userinfo&outcome=failure").json()["items"]
    assert [e["reason"] for e in events] == ["account not active"]
