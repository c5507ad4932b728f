"""``leerid_misbehave``, used as a service provider's test suite would: the scenario reaches
the application, and the evidence tells an application that stopped from one that went on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from leerid_sim.testing import LeerIDAdminError
from leerid_sim.testing_misbehave import LeerIDMisbehave
from leerid_sim.testing_server import LeerIDProvider

Login = Callable[..., Any]


def careless_app(provider: LeerIDProvider, login: Login) -> None:
    """Takes the ID token on trust and asks UserInfo, as a careless application does."""
    tokens = login("ididdit", "jan.peeters")
    answer = httpx.get(
        f"{provider.issuer}/v1/userinfo",
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        verify=provider.verify,
    )
    assert answer.status_code == 200


def careful_app(provider: LeerIDProvider, login: Login) -> bool:
    """Verifies the signature against the JWKS before it uses anything; True if it went on."""
    tokens = login("ididdit", "jan.peeters")
    keys = httpx.get(f"{provider.issuer}/v1/keys", verify=provider.verify).json()
    try:
        jwt.decode(tokens.id_token, KeySet.import_key_set(keys), algorithms=["RS256"])
    except JoseError:
        return False
    careless_use = httpx.get(
        f"{provider.issuer}/v1/userinfo",
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        verify=provider.verify,
    )
    return careless_use.status_code == 200


def test_a_careless_application_is_caught(
    leerid_provider: LeerIDProvider, leerid_login: Login, leerid_misbehave: LeerIDMisbehave
) -> None:
    leerid_misbehave("id_token-bad-sig", client_id="ididdit")
    careless_app(leerid_provider, leerid_login)
    [play] = leerid_misbehave.plays("ididdit")
    assert play["scenario"] == "id_token-bad-sig"
    assert play["careless"]
    with pytest.raises(AssertionError, match="id_token-bad-sig"):
        leerid_misbehave.assert_stopped("ididdit")


def test_a_careful_application_passes(
    leerid_provider: LeerIDProvider, leerid_login: Login, leerid_misbehave: LeerIDMisbehave
) -> None:
    leerid_misbehave("id_token-bad-sig", client_id="ididdit", count=2)
    assert careful_app(leerid_provider, leerid_login) is False
    assert careful_app(leerid_provider, leerid_login) is False
    assert careful_app(leerid_provider, leerid_login) is True  # played out: as always again
    leerid_misbehave.assert_stopped("ididdit")
    assert [p["went_on"] for p in leerid_misbehave.plays("ididdit")] == [False, False]
    assert leerid_misbehave.rules() == []


def test_rules_are_gone_in_the_next_test(leerid_misbehave: LeerIDMisbehave) -> None:
    assert leerid_misbehave.rules() == []
    assert leerid_misbehave.plays("ididdit") == []
    names = {s["name"] for s in leerid_misbehave.scenarios()}
    assert {"id_token-sig-none", "authorization-iss-mismatch", "key-rotation"} <= names


def test_an_unknown_scenario_or_client_is_refused(leerid_misbehave: LeerIDMisbehave) -> None:
    with pytest.raises(LeerIDAdminError) as unknown:
        leerid_misbehave("id_token-nonsense", client_id="ididdit")
    assert unknown.value.status == 422
    with pytest.raises(LeerIDAdminError) as nobody:
        leerid_misbehave("id_token-bad-sig", client_id="nobody")
    assert nobody.value.status == 404
