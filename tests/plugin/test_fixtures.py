"""The pytest plugin's fixtures, used directly as a service provider's test suite would."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from leerid_sim.testing import LeerIDAdmin, LeerIDAdminError
from leerid_sim.testing_login import LeerIDLoginError
from leerid_sim.testing_server import LeerIDProvider

Login = Callable[..., Any]


def test_provider_serves_discovery_on_a_free_port(leerid_provider: LeerIDProvider) -> None:
    metadata = httpx.get(leerid_provider.discovery_url).json()
    assert metadata["issuer"] == leerid_provider.issuer
    assert leerid_provider.base_url.startswith("http://127.0.0.1:")


def test_login_returns_tokens_with_the_protocols_claims(leerid_login: Login) -> None:
    tokens = leerid_login("i-learn", "jan.peeters", scope="openid account profile inschrijving")
    assert tokens.access_token
    assert tokens.claims["naam"] == "Peeters"
    assert tokens.claims["instellingsnummer"] == "123456"
    assert tokens.refresh_token is None  # only offline_access gets one, as on ACM
    offline = leerid_login("i-learn", "jan.peeters", scope="openid account offline_access")
    assert offline.refresh_token
    assert offline.expires_in == 3600


def test_a_wrong_password_is_a_login_error(leerid_login: Login) -> None:
    with pytest.raises(LeerIDLoginError) as failure:
        leerid_login("ididdit", "jan.peeters", "verkeerd")
    assert failure.value.error == "login_failed"


def test_clock_past_the_enrolment_end_removes_instellingsnummer_from_the_login(
    leerid_admin: LeerIDAdmin, leerid_login: Login
) -> None:
    leerid_admin.set_clock("2026-06-30T10:00:00+02:00")
    before = leerid_login("i-learn", "ex.leerling", scope="openid inschrijving")
    assert before.claims["instellingsnummer"] == "123456"
    leerid_admin.advance_clock(2 * 86400)
    after = leerid_login("i-learn", "ex.leerling", scope="openid inschrijving")
    assert "instellingsnummer" not in after.claims


def test_a_discovery_fault_is_left_for_the_client_under_test(
    leerid_admin: LeerIDAdmin, leerid_login: Login, leerid_provider: LeerIDProvider
) -> None:
    """The login helper asks no discovery document: a test's discovery fault stays armed for
    the relying party it tests."""
    leerid_admin.add_fault("discovery", status_code=503, count=1)
    assert leerid_login("ididdit", "jan.peeters").access_token
    assert httpx.get(leerid_provider.discovery_url).status_code == 503
    assert httpx.get(leerid_provider.discovery_url).status_code == 200


def test_fault_makes_the_token_endpoint_temporarily_unavailable(
    leerid_admin: LeerIDAdmin, leerid_login: Login
) -> None:
    leerid_admin.add_fault("token", error="temporarily_unavailable", count=1)
    with pytest.raises(LeerIDLoginError) as failure:
        leerid_login("ididdit", "jan.peeters")
    assert failure.value.error == "temporarily_unavailable"
    assert leerid_login("ididdit", "jan.peeters").access_token  # the rule fired once
    assert leerid_admin.events(outcome="fault")[0]["error"] == "temporarily_unavailable"


def test_ending_a_protocol_refuses_the_next_login(
    leerid_admin: LeerIDAdmin, leerid_login: Login
) -> None:
    leerid_admin.end_protocol("ididdit")
    with pytest.raises(LeerIDLoginError) as failure:
        leerid_login("ididdit", "jan.peeters")
    assert failure.value.error == "unauthorized_client"


def test_too_many_wrong_passwords_lock_until_cleared(
    leerid_admin: LeerIDAdmin, leerid_login: Login
) -> None:
    errors = []
    for _ in range(5):
        with pytest.raises(LeerIDLoginError) as failure:
            leerid_login("ididdit", "jan.peeters", "verkeerd")
        errors.append(failure.value.error)
    assert errors == ["login_failed"] * 4 + ["too_many_attempts"]
    with pytest.raises(LeerIDLoginError) as failure:
        leerid_login("ididdit", "jan.peeters")
    assert failure.value.error == "too_many_attempts"
    assert failure.value.description == "Te veel pogingen, probeer later opnieuw."
    assert leerid_admin.throttle(username="jan.peeters")["entries"][0]["locked"] is True
    assert leerid_admin.clear_throttle(username="jan.peeters") == 1
    assert leerid_login("ididdit", "jan.peeters").access_token


def test_each_test_starts_from_the_seeded_world(
    leerid_admin: LeerIDAdmin, leerid_login: Login
) -> None:
    # The previous tests ended a protocol, added a fault and moved the clock: all undone.
    assert leerid_admin.faults() == []
    assert leerid_admin.clock()["simulated"] is False
    assert leerid_admin.throttle()["entries"] == []
    assert leerid_login("ididdit", "jan.peeters").access_token


def test_a_new_pupil_logs_in_at_once(leerid_admin: LeerIDAdmin, leerid_login: Login) -> None:
    leerid_admin.create_pupil(
        "Claes", "Mila", username="mila.claes", insz="12010112345", school="654321", klas="5A"
    )
    tokens = leerid_login("i-learn", "mila.claes", scope="openid profile inschrijving")
    assert (tokens.claims["voornaam"], tokens.claims["instellingsnummer"]) == ("Mila", "654321")
    assert leerid_admin.preview("i-learn", "mila.claes", "openid profile")["released"]


def test_admin_errors_say_why(leerid_admin: LeerIDAdmin) -> None:
    with pytest.raises(LeerIDAdminError) as failure:
        leerid_admin.account("niemand")
    assert failure.value.status == 404


def test_the_plugins_provider_posts_back_channel_logouts_nowhere_it_did_not_start(
    leerid_admin: LeerIDAdmin, leerid_login: Login
) -> None:
    # The demo world's back-channel URIs are rp_demo's (port 8001), which no plugin run
    # starts: another program may listen there. No client keeps one, also after a reset.
    for _ in range(2):
        clients = leerid_admin.call("GET", "/clients")
        assert clients, "the demo world has clients"
        for client in clients:
            uri = client["backchannel_logout_uri"]
            assert uri is None, f"{client['client_id']}: {uri}"
        leerid_admin.reset()
    assert leerid_login("ididdit", "jan.peeters", scope="openid ov_leerling").access_token


def test_login_without_a_scope_releases_the_clients_protocol(leerid_login: Login) -> None:
    # A test that leaves the scope out sees what a real LeerID client gets, not just ``sub``.
    learn = leerid_login("i-learn", "jan.peeters")
    assert learn.scope is not None
    assert set(learn.scope.split()) == {"openid", "ov_leerling"}
    assert learn.claims["account_uuid"] == "a6f98ebd-1280-4294-a90f-a5858c1f6f47"
    assert learn.claims["naam"] == "Peeters"
    assert learn.claims["instellingsnummer"] == "123456"
    assert len(learn.claims["historiek_account_uuid"]) == 2
    ididdit = leerid_login("ididdit", "jan.peeters")
    assert {"leer_id_uuid", "account_uuid"} <= set(ididdit.claims)
    assert "naam" not in ididdit.claims  # not in iDiddit's protocol


def test_login_without_a_scope_at_a_staff_only_client_asks_openid(leerid_login: Login) -> None:
    tokens = leerid_login("schoolloket", "dirk.directeur", "Personeel123!")
    assert tokens.scope == "openid"
    assert tokens.claims["sub"]


def test_events_returns_the_items_of_the_api_page(
    leerid_admin: LeerIDAdmin, leerid_login: Login
) -> None:
    leerid_login("ididdit", "jan.peeters")
    events = leerid_admin.events(client_id="ididdit")
    page = leerid_admin.call("GET", "/events", params={"client_id": "ididdit"})
    assert isinstance(events, list)
    assert events
    assert events == page["items"]
    assert all(event["client_id"] == "ididdit" for event in events)
