"""rp_demo in Chromium against the real provider: personas, SSO, logout and refusals."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import log_in, start_login
from tests.e2e.conftest import STAFF_PASSWORD, DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

JAN = {
    "leer_id_uuid": "814f2e42-3f55-43e0-bc62-bba3ef1d008a",
    "account_uuid": "a6f98ebd-1280-4294-a90f-a5858c1f6f47",
}


def attribute(page: Any, name: str) -> str:
    text: str = page.get_by_test_id(f"attr-{name}").inner_text()
    return text.strip()


def absent(page: Any, name: str) -> bool:
    return bool(page.get_by_test_id(f"absent-{name}").count() == 1)


def login_as(page: Any, servers: DemoServers, client_id: str, username: str) -> None:
    start_login(page, servers.rp_url, client_id)
    assert page.get_by_test_id("login-username").is_visible()
    log_in(page, username)


def test_jan_at_i_learn_gets_every_attribute_of_the_protocol(
    page: Any, demo_servers: DemoServers
) -> None:
    login_as(page, demo_servers, "i-learn", "jan.peeters")
    assert page.get_by_test_id("welcome").inner_text() == "Welkom bij i-Learn"
    assert attribute(page, "leer_id_uuid") == JAN["leer_id_uuid"]
    assert attribute(page, "account_uuid") == JAN["account_uuid"]
    assert attribute(page, "naam") == "Peeters"
    assert attribute(page, "voornaam") == "Jan"
    assert attribute(page, "instellingsnummer") == "123456"
    assert "59a78937-fb37-4754-bd0a-f96d4e42927e" in attribute(page, "historiek_account_uuid")
    assert absent(page, "klas")


def test_jan_at_klasapp_gets_his_class(page: Any, demo_servers: DemoServers) -> None:
    login_as(page, demo_servers, "klasapp", "jan.peeters")
    assert attribute(page, "klas") == "3B"
    assert absent(page, "naam")


def test_jan_at_ididdit_gets_only_the_uuids(page: Any, demo_servers: DemoServers) -> None:
    login_as(page, demo_servers, "ididdit", "jan.peeters")
    assert attribute(page, "leer_id_uuid") == JAN["leer_id_uuid"]
    for name in ("naam", "voornaam", "instellingsnummer", "klas", "historiek_account_uuid"):
        assert absent(page, name)


def test_the_acm_dialect_client_shows_the_same_pupil(page: Any, demo_servers: DemoServers) -> None:
    login_as(page, demo_servers, "i-learn-acm", "jan.peeters")
    assert attribute(page, "leer_id_uuid") == JAN["leer_id_uuid"]
    assert attribute(page, "naam") == "Peeters"
    assert attribute(page, "instellingsnummer") == "123456"
    page.get_by_test_id("open-inspector").click()
    claims = page.get_by_test_id("id-token-claims").inner_text()
    assert '"ov_orgcode": "123456"' in claims
    assert '"family_name": "Peeters"' in claims


def test_lotte_gets_no_class_without_class_sharing(page: Any, demo_servers: DemoServers) -> None:
    login_as(page, demo_servers, "klasapp", "lotte.janssens")
    assert attribute(page, "instellingsnummer") == "654321"
    assert absent(page, "klas")


def test_noah_has_a_temporary_account_without_leer_id_uuid(
    page: Any, demo_servers: DemoServers
) -> None:
    login_as(page, demo_servers, "klasapp", "noah.tijdelijk")
    assert attribute(page, "account_uuid") == "4532ebe1-1814-422a-b28e-ce05ede78b10"
    assert absent(page, "leer_id_uuid")
    assert attribute(page, "klas") == "3A"


def test_sara_gets_no_class_from_an_application_not_visible_to_her(
    page: Any, demo_servers: DemoServers
) -> None:
    login_as(page, demo_servers, "klasapp", "sara.wouters")
    assert attribute(page, "instellingsnummer") == "123456"
    assert absent(page, "klas")


def test_emma_has_two_accounts_of_one_pupil(page: Any, demo_servers: DemoServers) -> None:
    login_as(page, demo_servers, "ididdit", "emma.maes")
    first = attribute(page, "account_uuid")
    leer_id = attribute(page, "leer_id_uuid")
    page.context.clear_cookies()
    login_as(page, demo_servers, "ididdit", "emma.maes2")
    assert attribute(page, "leer_id_uuid") == leer_id == "5bf03c41-2cd0-467f-92c4-d50226aee17c"
    assert {first, attribute(page, "account_uuid")} == {
        "e798885b-0cd0-48ba-af84-9687fd3dcbc0",
        "4488c66c-3e02-42ef-bde3-410d00613287",
    }


def test_a_pupil_without_enrolment_is_refused_by_i_learn(
    page: Any, demo_servers: DemoServers
) -> None:
    login_as(page, demo_servers, "i-learn", "ex.leerling")
    refused = page.get_by_test_id("refused")
    assert refused.is_visible()
    assert "geen lopende inschrijving" in refused.inner_text()


def test_ididdit_lets_a_pupil_without_enrolment_in(page: Any, demo_servers: DemoServers) -> None:
    # DECISIONS 21: only a client that receives instellingsnummer can see the enrolment.
    login_as(page, demo_servers, "ididdit", "ex.leerling")
    assert attribute(page, "leer_id_uuid") == "51f66a13-60de-48e4-9f30-69c2e37f4d81"


def test_an_ended_protocol_gets_no_login_page_but_a_clear_error(
    page: Any, demo_servers: DemoServers
) -> None:
    start_login(page, demo_servers.rp_url, "stopgezet")
    assert page.get_by_test_id("error-code").inner_text() == "unauthorized_client"
    assert "beëindigd" in page.get_by_test_id("error-explanation").inner_text()
    assert page.get_by_test_id("login-username").count() == 0


def test_a_staff_member_is_refused_at_a_pupil_application(
    page: Any, demo_servers: DemoServers
) -> None:
    start_login(page, demo_servers.rp_url, "ididdit")
    log_in(page, "dirk.directeur", STAFF_PASSWORD)
    assert page.get_by_test_id("error-code").inner_text() == "access_denied"


def test_one_login_opens_every_application(page: Any, demo_servers: DemoServers) -> None:
    login_as(page, demo_servers, "ididdit", "jan.peeters")
    sub_ididdit = page.get_by_test_id("sub").inner_text()
    start_login(page, demo_servers.rp_url, "i-learn")
    # SSO: no login page, straight into i-Learn.
    assert page.get_by_test_id("welcome").inner_text() == "Welkom bij i-Learn"
    assert page.get_by_test_id("sub").inner_text() != sub_ididdit  # pairwise sub
    page.goto(f"{demo_servers.rp_url}/")
    assert page.get_by_test_id("status-ididdit").is_visible()
    assert page.get_by_test_id("status-i-learn").is_visible()


def test_the_single_page_client_logs_in_with_browser_javascript(
    page: Any, demo_servers: DemoServers
) -> None:
    start_login(page, demo_servers.rp_url, "spa-demo")
    page.get_by_test_id("spa-login").click()
    page.get_by_test_id("login-username").wait_for()
    log_in(page, "jan.peeters")
    page.wait_for_url(f"{demo_servers.rp_url}/app/spa-demo")
    assert attribute(page, "account_uuid") == JAN["account_uuid"]
    assert absent(page, "leer_id_uuid")
    page.get_by_test_id("open-inspector").click()
    assert "WebCrypto): geldig" in page.get_by_test_id("signature-check").inner_text()


def test_the_dov_page_shows_one_pupil_as_each_application_sees_it(
    page: Any, demo_servers: DemoServers
) -> None:
    page.goto(f"{demo_servers.rp_url}/dov/start")
    log_in(page, "jan.peeters")  # once: the other applications get their code through SSO
    page.wait_for_url(f"{demo_servers.rp_url}/dov")

    def state(client_id: str, name: str) -> str | None:
        value: str | None = page.get_by_test_id(f"cell-{client_id}-{name}").get_attribute(
            "data-state"
        )
        return value

    assert state("i-learn", "naam") == "received"
    assert state("ididdit", "naam") == "withheld"
    assert state("klasapp", "klas") == "received"
    assert "3B" in page.get_by_test_id("cell-klasapp-klas").inner_text()
    # Withheld reasons come from the provider's admin API (LEERID_RP_ADMIN_TOKEN is set).
    assert "protocol" in page.get_by_test_id("reason-ididdit-naam").inner_text()
    assert "seed 000" in page.get_by_test_id("protocol-link-ididdit").inner_text()
    assert "seed 001" in page.get_by_test_id("protocol-link-i-learn").inner_text()
    assert "3 jaar" in page.get_by_test_id("periods-ididdit").inner_text()
    entries = page.get_by_test_id("privacy-entry")
    assert entries.count() >= 3
    ididdit_entry = entries.filter(has_text="iDiddit").first.inner_text()
    assert "account_uuid" in ididdit_entry
    assert "naam" not in ididdit_entry  # names of attributes released, never more
    # The school's name comes with instellingsnummer; the vo scope brings ACM's identity claims.
    assert state("i-learn", "instellingsnaam") == "received"
    assert (
        "Sint-Jozefscollege Demo"
        in page.get_by_test_id("cell-i-learn-instellingsnaam").inner_text()
    )
    assert state("i-learn", "vo_orgcode") == "received"
    assert state("ididdit", "vo_id") == "received"
    assert page.get_by_test_id("cell-ididdit-vo_orgcode").count() == 0
    ilearn_entry = entries.filter(has_text="i-Learn").first.inner_text()
    assert "instellingsnaam" in ilearn_entry
    assert "vo_id" in ilearn_entry
    assert "Sint-Jozefscollege" not in ilearn_entry
    # The protocol panel shows each application's integratiedossier.
    dossier = page.get_by_test_id("dossier-ididdit").text_content() or ""
    assert "pairwise" in dossier
    assert "opaque" in dossier
    assert "ov_leerling" in dossier
    assert "client_secret_basic" in dossier


def test_the_dov_page_shows_the_refusal_of_a_pupil_without_enrolment(
    page: Any, demo_servers: DemoServers
) -> None:
    page.goto(f"{demo_servers.rp_url}/dov/start")
    log_in(page, "ex.leerling")
    page.wait_for_url(f"{demo_servers.rp_url}/dov")
    assert page.get_by_test_id("dov-refused-i-learn").is_visible()
    assert page.get_by_test_id("dov-refused-klasapp").is_visible()
    reason = page.get_by_test_id("reason-i-learn-instellingsnummer").inner_text()
    assert "inschrijving" in reason


def test_the_inspector_refreshes_the_tokens_and_shows_the_rotation(
    page: Any, demo_servers: DemoServers
) -> None:
    login_as(page, demo_servers, "klasapp", "jan.peeters")
    page.get_by_test_id("open-inspector").click()
    assert "opaque" in page.get_by_test_id("access-token-check").inner_text().lower()
    before = page.get_by_test_id("access-token").inner_text()
    page.get_by_test_id("refresh").click()
    page.wait_for_load_state()
    assert "geroteerd (een nieuw token" in page.get_by_test_id("refresh-result").inner_text()
    assert page.get_by_test_id("access-token").inner_text() != before
    assert "geldig" in page.get_by_test_id("signature-check").inner_text()


def test_the_protocol_page_shows_the_protocol_as_registered(
    page: Any, demo_servers: DemoServers
) -> None:
    page.goto(f"{demo_servers.rp_url}/protocol/stopgezet")
    registered = page.get_by_test_id("registered-protocol")
    assert "DEMO-OudeApp-2022" in registered.inner_text()
    assert "beëindigd door DOV" in page.get_by_test_id("protocol-status").inner_text()
    page.goto(f"{demo_servers.rp_url}/protocol/i-learn")
    assert "seeds/001" in page.get_by_test_id("registered-protocol").inner_text()


def test_the_dov_page_shows_another_pupil_without_logging_out(
    page: Any, demo_servers: DemoServers
) -> None:
    page.goto(f"{demo_servers.rp_url}/dov/start")
    log_in(page, "jan.peeters")
    page.wait_for_url(f"{demo_servers.rp_url}/dov")
    page.get_by_test_id("dov-other-pupil").click()
    log_in(page, "lotte.janssens")  # prompt=login: the login page again, then SSO
    page.wait_for_url(f"{demo_servers.rp_url}/dov")
    assert "Lotte" in page.get_by_test_id("dov-pupil").inner_text()
    assert "654321" in page.get_by_test_id("cell-klasapp-instellingsnummer").inner_text()
    assert page.get_by_test_id("cell-klasapp-klas").get_attribute("data-state") == "withheld"
    assert "klasinformatie" in page.get_by_test_id("reason-klasapp-klas").inner_text()
