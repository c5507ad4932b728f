"""rp_demo's callback: error responses, the checks on the response, and the enrolment refusal."""

from __future__ import annotations

import httpx

from tests.rp_demo.fake_provider import FakeProvider

JAN = {
    "leer_id_uuid": "814f2e42-3f55-43e0-bc62-bba3ef1d008a",
    "account_uuid": "a6f98ebd-1280-4294-a90f-a5858c1f6f47",
    "naam": "Peeters",
    "voornaam": "Jan",
    "instellingsnummer": "123456",
    "historiek_account_uuid": [],
}


def test_a_login_shows_the_released_attributes(fake: FakeProvider, browser: httpx.Client) -> None:
    fake.claims = dict(JAN)
    page = browser.get("/login/i-learn")
    assert page.status_code == 200
    assert page.url.path == "/app/i-learn"
    assert "Welkom bij i-Learn" in page.text
    assert JAN["leer_id_uuid"] in page.text
    assert 'data-testid="absent-klas"' in page.text


def test_the_authorization_request_uses_pkce_state_and_nonce(browser: httpx.Client) -> None:
    start = browser.get("/login/ididdit", follow_redirects=False)
    assert start.status_code == 302
    query = httpx.URL(start.headers["location"]).params
    assert query["code_challenge_method"] == "S256"
    assert len(query["code_challenge"]) == 43
    assert query["state"]
    assert query["nonce"]
    assert query["client_id"] == "ididdit"
    assert query["scope"] == "openid profile vo ov_leerling offline_access"
    assert query["redirect_uri"].endswith("/callback")


def test_an_error_response_is_a_clear_dutch_page(fake: FakeProvider, browser: httpx.Client) -> None:
    fake.error = "unauthorized_client"
    page = browser.get("/login/stopgezet")
    assert page.status_code == 400
    assert 'data-testid="error-code">unauthorized_client' in page.text
    assert "protocol beëindigd" in page.text


def test_a_response_without_iss_is_not_used(fake: FakeProvider, browser: httpx.Client) -> None:
    fake.omit_iss = True
    fake.claims = dict(JAN)
    page = browser.get("/login/ididdit")
    assert page.status_code == 400
    assert "rp_iss_mismatch" in page.text


def test_a_callback_with_an_unknown_state_is_refused(browser: httpx.Client) -> None:
    page = browser.get("/callback", params={"code": "abc", "state": "forged"})
    assert page.status_code == 400
    assert "rp_state_mismatch" in page.text


def test_an_id_token_for_another_audience_is_refused(
    fake: FakeProvider, browser: httpx.Client
) -> None:
    fake.wrong_audience = True
    page = browser.get("/login/ididdit")
    assert page.status_code == 400
    assert "rp_id_token_invalid" in page.text
    assert "Welkom" not in page.text


def test_an_id_token_with_another_nonce_is_refused(
    fake: FakeProvider, browser: httpx.Client
) -> None:
    fake.wrong_nonce = True
    page = browser.get("/login/ididdit")
    assert page.status_code == 400
    assert "nonce" in page.text


def test_an_id_token_signed_by_a_foreign_key_is_refused(
    fake: FakeProvider, browser: httpx.Client
) -> None:
    fake.foreign_key = True
    page = browser.get("/login/ididdit")
    assert page.status_code == 400
    assert "handtekening" in page.text


def test_an_expired_id_token_is_refused(fake: FakeProvider, browser: httpx.Client) -> None:
    fake.lifetime_seconds = -3600
    page = browser.get("/login/ididdit")
    assert page.status_code == 400
    assert "verlopen" in page.text


def test_a_pupil_without_enrolment_is_refused_by_i_learn(
    fake: FakeProvider, browser: httpx.Client
) -> None:
    fake.claims = {k: v for k, v in JAN.items() if k != "instellingsnummer"}
    page = browser.get("/login/i-learn")
    assert page.status_code == 403
    assert 'data-testid="refused"' in page.text
    assert "geen lopende inschrijving" in page.text
    assert browser.get("/app/i-learn").text.count("Welkom") == 0


def test_the_acm_dialect_uses_ov_orgcode_for_the_enrolment(
    fake: FakeProvider, browser: httpx.Client
) -> None:
    fake.claims = {"ov_account_uuid": JAN["account_uuid"], "ov_leerid_uuid": []}
    assert browser.get("/login/i-learn-acm").status_code == 403
    fake.claims = {**fake.claims, "ov_orgcode": "123456", "family_name": "Peeters"}
    page = browser.get("/login/i-learn-acm")
    assert page.status_code == 200
    assert 'data-testid="attr-instellingsnummer"><code>123456' in page.text
    assert 'data-testid="absent-leer_id_uuid"' in page.text


def test_ididdit_does_not_refuse_without_enrolment(
    fake: FakeProvider, browser: httpx.Client
) -> None:
    # DECISIONS 21: iDiddit does not receive instellingsnummer, so it cannot see enrolment.
    fake.claims = {"account_uuid": JAN["account_uuid"], "leer_id_uuid": JAN["leer_id_uuid"]}
    page = browser.get("/login/ididdit")
    assert page.status_code == 200
    assert "Welkom bij iDiddit" in page.text


def test_the_inspector_shows_the_verified_token(fake: FakeProvider, browser: httpx.Client) -> None:
    fake.claims = dict(JAN)
    browser.get("/login/i-learn")
    page = browser.get("/inspector/i-learn")
    assert "geldig: RS256, sleutel fake-1" in page.text
    assert "at_hash" in page.text


def test_the_dov_demo_logs_in_with_each_application_in_turn(
    fake: FakeProvider, browser: httpx.Client
) -> None:
    fake.claims = dict(JAN)
    page = browser.get("/dov/start")
    assert page.url.path == "/dov"
    for client_id in ("ididdit", "i-learn", "klasapp"):
        assert f'data-testid="dov-column-{client_id}"' in page.text
    assert 'data-testid="cell-ididdit-leer_id_uuid" data-state="received"' in page.text
    # Without LEERID_RP_ADMIN_TOKEN there is no privacy-log panel (DECISIONS 21).
    assert 'data-testid="privacy-log"' not in page.text
    assert "LEERID_RP_ADMIN_TOKEN" in page.text


def test_the_dov_demo_shows_an_error_of_one_application_in_its_column(
    fake: FakeProvider, browser: httpx.Client
) -> None:
    fake.error = "access_denied"
    page = browser.get("/dov/start")
    assert page.url.path == "/dov"
    assert 'data-testid="dov-error-i-learn"' in page.text
