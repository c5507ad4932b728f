"""Back-channel logout (OIDC Back-Channel Logout 1.0 §2.6-§2.8) at rp_demo."""

from __future__ import annotations

import time

import httpx
import pytest
from joserfc.jwk import RSAKey

from tests.rp_demo.conftest import RPWorld
from tests.rp_demo.fake_provider import FakeProvider

CLAIMS = {"account_uuid": "a6f98ebd-1280-4294-a90f-a5858c1f6f47", "leer_id_uuid": "x"}
EVENT = "http://schemas.openid.net/event/backchannel-logout"


def _post(rp_world: RPWorld, token: str) -> httpx.Response:
    return httpx.post(f"{rp_world.rp_url}/backchannel-logout", data={"logout_token": token})


def test_a_valid_logout_token_ends_the_session_with_that_sid(
    fake: FakeProvider, browser: httpx.Client, rp_world: RPWorld
) -> None:
    fake.claims = dict(CLAIMS)
    fake.sid = "sid-backchannel"
    assert "Welkom bij iDiddit" in browser.get("/login/ididdit").text

    response = _post(rp_world, fake.logout_token("ididdit"))

    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    page = browser.get("/app/ididdit")
    assert "Welkom" not in page.text
    assert 'data-testid="backchannel-ended"' in browser.get("/").text


def test_a_logout_token_for_another_sid_leaves_the_session(
    fake: FakeProvider, browser: httpx.Client, rp_world: RPWorld
) -> None:
    fake.claims = dict(CLAIMS)
    fake.sid = "sid-kept"
    browser.get("/login/ididdit")
    assert _post(rp_world, fake.logout_token("ididdit", sid="other-sid")).status_code == 200
    assert "Welkom bij iDiddit" in browser.get("/app/ididdit").text


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"events": None}, "backchannel-logout event"),
        ({"events": {EVENT: "not-an-object"}}, "backchannel-logout event"),
        ({"sid": None}, "geen sub en geen sid"),
        ({"nonce": "n"}, "nonce"),
        ({"jti": None}, "jti"),
        ({"iss": "http://evil.example/op"}, "claim"),
        ({"exp": int(time.time()) - 3600}, "verlopen"),
    ],
)
def test_an_invalid_logout_token_is_refused(
    fake: FakeProvider, rp_world: RPWorld, overrides: dict[str, object], message: str
) -> None:
    response = _post(rp_world, fake.logout_token("ididdit", **overrides))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert message in response.json()["error_description"]


def test_a_logout_token_for_another_client_is_refused(
    fake: FakeProvider, rp_world: RPWorld
) -> None:
    response = _post(rp_world, fake.logout_token("unknown-client"))
    assert response.status_code == 400
    assert "aud" in response.json()["error_description"]


def test_a_logout_token_signed_by_another_key_is_refused(
    fake: FakeProvider, rp_world: RPWorld
) -> None:
    foreign = RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
    claims = {
        "iss": fake.issuer,
        "aud": "ididdit",
        "iat": int(time.time()),
        "exp": int(time.time()) + 60,
        "jti": "j-foreign",
        "sid": "s",
        "events": {EVENT: {}},
    }
    response = _post(rp_world, fake.sign(claims, typ="logout+jwt", key=foreign))
    assert response.status_code == 400


def test_a_replayed_logout_token_is_refused(fake: FakeProvider, rp_world: RPWorld) -> None:
    token = fake.logout_token("i-learn")
    assert _post(rp_world, token).status_code == 200
    assert _post(rp_world, token).status_code == 400


def test_a_request_without_logout_token_is_refused(rp_world: RPWorld) -> None:
    response = httpx.post(f"{rp_world.rp_url}/backchannel-logout", data={})
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
