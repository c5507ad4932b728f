"""rp_demo against a misbehaving provider over real HTTP: it refuses every scenario a careful
application refuses, with a Dutch page and never a 500, and the evidence shows it stopped.

The "browser" is an httpx client with a cookie jar that fills in the login form, so the tests
run without Chromium.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import unescape
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import PUPIL_PASSWORD, DemoServers, running_demo
from tests.idp.flows import parse_login_form

CLIENT = "ididdit"
# scenario -> the error code of rp_demo's page
REFUSED = {
    "id_token-kid-unknown": "rp_id_token_invalid",
    "id_token-kid-absent-multiple-jwks": "rp_id_token_invalid",
    "id_token-bad-sig": "rp_id_token_invalid",
    "id_token-sig-none": "rp_id_token_invalid",
    "id_token-iss-mismatch": "rp_id_token_invalid",
    "id_token-aud-mismatch": "rp_id_token_invalid",
    "id_token-aud-extra-without-azp": "rp_id_token_invalid",
    "id_token-exp-expired": "rp_id_token_invalid",
    "id_token-iat-future": "rp_id_token_invalid",
    "nonce-invalid": "rp_id_token_invalid",
    "nonce-missing": "rp_id_token_invalid",
    "id_token-at_hash-wrong": "rp_id_token_invalid",
    "token-type-missing": "rp_token_response_invalid",
    "userinfo-bad-sub": "rp_userinfo_sub_mismatch",
    "authorization-iss-mismatch": "rp_iss_mismatch",
    "authorization-state-missing": "rp_state_mismatch",
}


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServers]:
    with running_demo(tmp_path_factory.mktemp("rp-misbehave")) as running:
        yield running


def admin(servers: DemoServers, method: str, path: str, **kwargs: Any) -> httpx.Response:
    return httpx.request(
        method,
        f"{servers.provider_url}/admin/api{path}",
        headers={"Authorization": f"Bearer {servers.admin_token}"},
        **kwargs,
    )


def rp_login(servers: DemoServers, client_id: str = CLIENT) -> httpx.Response:
    """Start at rp_demo, log in at the provider, and land on rp_demo's answer page."""
    with httpx.Client(follow_redirects=True) as browser:
        page = browser.get(f"{servers.rp_url}/login/{client_id}")
        assert page.status_code == 200, page.text
        form = parse_login_form(str(page.url), page.text)
        landed = browser.post(
            form.action, data={**form.fields, "username": "jan.peeters", "password": PUPIL_PASSWORD}
        )
        if 'method="post"' in landed.text and "/callback" in landed.text:  # form_post
            action = unescape(re.search(r'action="([^"]*)"', landed.text).group(1))  # type: ignore[union-attr]
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', landed.text))
            landed = browser.post(action, data={k: unescape(v) for k, v in fields.items()})
        return landed


def error_code(page: httpx.Response) -> str | None:
    found = re.search(r'data-testid="error-code">([^<]*)<', page.text)
    return found.group(1) if found else None


@pytest.mark.parametrize("scenario", sorted(REFUSED))
def test_rp_demo_refuses_the_scenario_with_a_dutch_page(
    servers: DemoServers, scenario: str
) -> None:
    rule = admin(servers, "POST", "/misbehave", json={"scenario": scenario, "client_id": CLIENT})
    assert rule.status_code == 201, rule.text
    page = rp_login(servers)
    assert page.status_code == 400, page.text
    assert error_code(page) == REFUSED[scenario]
    assert 'lang="nl"' in page.text
    evidence = admin(servers, "GET", "/misbehave/evidence", params={"client_id": CLIENT}).json()
    last = evidence[0]["plays"][-1]
    assert last["scenario"] == scenario
    assert not last["went_on"]  # rp_demo stopped: no code redeemed, no UserInfo, no refresh
    assert rp_login(servers).status_code == 200  # played out: the next login is as always


def test_rp_demo_follows_a_key_rotation(servers: DemoServers) -> None:
    admin(servers, "POST", "/misbehave", json={"scenario": "key-rotation", "client_id": CLIENT})
    page = rp_login(servers)
    assert page.status_code == 200, page.text
    evidence = admin(servers, "GET", "/misbehave/evidence", params={"client_id": CLIENT}).json()
    last = evidence[0]["plays"][-1]
    assert last["scenario"] == "key-rotation"
    assert last["expect"] == "accept"
    assert last["went_on"]  # a valid token: going on (UserInfo) is right here
    assert not last["careless"]
