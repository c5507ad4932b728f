"""A staff account disabled through the admin API stops at once in the Schoolloket.

The Schoolloket reads the account again on every request: a disabled LeerID-beheerder's next
request ends the session, sends the browser to log in with a Dutch message, and changes
nothing. Also: LeerID-beheer finds every enrolled pupil of the school, not only the first rows
of a search. On SQLite and PostgreSQL, over HTTP.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from fastapi.testclient import TestClient

from datastore import Datastore, PasswordHashing
from datastore.schoolloket import pupils as schoolloket_pupils
from idp.settings import ProviderSettings
from tests.databases import TemplateDatabases
from tests.idp.flows import PUPIL_PASSWORD, STAFF_PASSWORD, submit_login
from tests.schoolloket.conftest import CHEAP, ISSUER, csrf

ADMIN = {"Authorization": "Bearer test-admin-token-for-the-schoolloket"}
BEHEER = "/schoolloket/scholen/123456/beheer"
HASHING = PasswordHashing(CHEAP)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, templates: TemplateDatabases) -> Iterator[str]:
    with templates.fresh(request.param) as url:
        yield url


@pytest.fixture
def settings(demo: Datastore) -> ProviderSettings:
    """The Schoolloket's settings with the admin API switched on."""
    return ProviderSettings(
        issuer=ISSUER,
        database_url=demo.engine.url.render_as_string(hide_password=False),
        admin_token=ADMIN["Authorization"].removeprefix("Bearer "),
        argon2_memory_kib=CHEAP.memory_cost,
        argon2_time_cost=CHEAP.time_cost,
        argon2_parallelism=CHEAP.parallelism,
    )


def _query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _provider_page(client: TestClient) -> Any:
    """Start the Schoolloket's login: what the provider shows (a login page, or SSO)."""
    start = client.get("/schoolloket/login")
    assert start.status_code == 303
    return client.get(start.headers["location"])


def _log_in(client: TestClient, username: str) -> None:
    page = _provider_page(client)
    assert page.status_code == 200, "expected the provider's login page, not SSO"
    back = submit_login(client, page, username, STAFF_PASSWORD)
    assert back.status_code in (302, 303), back.text
    done = client.get(back.headers["location"])
    assert done.status_code == 303, done.text


def _set_status(client: TestClient, username: str, status: str) -> None:
    response = client.patch(
        f"/admin/api/accounts/{username}", json={"status": status}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == status


def _password_works(store: Datastore, username: str, password: str) -> bool:
    account = store.world.account_by_username(username)
    assert account is not None
    return HASHING.verify(account.password_hash, password)


def _reset(client: TestClient, token: str, account_uuid: str) -> Any:
    return client.post(
        f"{BEHEER}/wachtwoord", data={"csrf_token": token, "account_uuid": account_uuid}
    )


def test_a_disabled_beheerder_is_refused_at_the_next_request(
    client: TestClient, demo: Datastore
) -> None:
    jan = demo.world.account_by_username("jan.peeters")
    assert jan is not None
    _log_in(client, "bert.beheerder")
    page = client.get(BEHEER)
    assert page.status_code == 200
    token = csrf(page.text)

    _set_status(client, "bert.beheerder", "disabled")

    # The password reset the page offers is refused, and nothing changed.
    refused = _reset(client, token, jan.account_uuid)
    assert refused.status_code == 401
    assert "Meld je opnieuw aan. Er werd niets gewijzigd." in refused.text
    assert 'data-testid="new-password"' not in refused.text
    assert 'data-testid="login-start"' in refused.text
    assert _password_works(demo, "jan.peeters", PUPIL_PASSWORD)
    assert demo.schoolloket.access_log(action="wachtwoord_herstellen").total == 0

    # The session is over: every page sends the browser to the start page to log in.
    assert "leerid_schoolloket" not in client.cookies
    gone = client.get(BEHEER)
    assert gone.status_code == 303
    assert gone.headers["location"] == "/schoolloket/"
    assert 'data-testid="login-start"' in client.get("/schoolloket/").text

    # The provider's SSO session ended too: logging in again asks for the password, and a
    # disabled account cannot log in.
    page = _provider_page(client)
    assert page.status_code == 200
    assert 'data-testid="login-username"' in page.text
    refused_login = submit_login(client, page, "bert.beheerder", STAFF_PASSWORD)
    assert refused_login.status_code == 200
    assert 'data-testid="login-error"' in refused_login.text

    # Enabled again, the old SSO session stays ended: the beheerder logs in afresh (the
    # provider asks for the password) and may reset a password.
    _set_status(client, "bert.beheerder", "active")
    _log_in(client, "bert.beheerder")
    page = client.get(BEHEER)
    assert page.status_code == 200
    assert _reset(client, csrf(page.text), jan.account_uuid).status_code == 200
    assert not _password_works(demo, "jan.peeters", PUPIL_PASSWORD)


def test_a_session_left_over_for_a_disabled_account_ends_at_its_next_request(
    client: TestClient, demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    """Whatever made the session, the account is read again on every request."""
    jan = demo.world.account_by_username("jan.peeters")
    assert jan is not None
    _set_status(client, "bert.beheerder", "disabled")
    browser = logged_in("bert.beheerder")  # a Schoolloket session made after the disabling
    refused = _reset(browser, browser.csrf_token, jan.account_uuid)  # type: ignore[attr-defined]
    assert refused.status_code == 401
    assert _password_works(demo, "jan.peeters", PUPIL_PASSWORD)

    browser = logged_in("bert.beheerder")
    gone = browser.get(BEHEER)
    assert gone.status_code == 303
    assert gone.headers["location"] == "/schoolloket/"
    start = browser.get("/schoolloket/")
    assert 'data-testid="session-ended"' in start.text
    assert "Meld je opnieuw aan" in start.text
    assert 'data-testid="login-start"' in start.text


def test_a_deleted_staff_account_loses_its_schoolloket_session(
    client: TestClient, demo: Datastore
) -> None:
    _log_in(client, "bert.beheerder")
    assert client.get(BEHEER).status_code == 200
    assert client.delete("/admin/api/accounts/bert.beheerder", headers=ADMIN).status_code == 204
    assert client.get(BEHEER).status_code == 303
    assert 'data-testid="session-ended"' in client.get("/schoolloket/").text
    assert 'data-testid="session-ended"' not in client.get("/schoolloket/").text  # said once


def test_every_enrolled_pupil_of_a_large_school_can_get_a_new_password(
    demo: Datastore, logged_in: Callable[[str], TestClient], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A school with more pupils than a search shows (the limit lowered from 500 to 2, so the
    demo school is "large"): a change names its pupils and finds each of them."""
    monkeypatch.setattr(schoolloket_pupils, "SEARCH_LIMIT", 2)
    browser = logged_in("bert.beheerder")
    listed = browser.get(BEHEER).text
    assert listed.count('data-testid="pupil-row-') == 2
    assert 'data-testid="pupil-row-jan.peeters"' not in listed
    jan = demo.world.account_by_username("jan.peeters")
    lotte = demo.world.account_by_username("lotte.janssens")  # another school's pupil
    assert jan is not None
    assert lotte is not None
    token = browser.csrf_token  # type: ignore[attr-defined]

    reset = _reset(browser, token, jan.account_uuid)
    assert reset.status_code == 200
    assert 'data-testid="new-password"' in reset.text
    assert not _password_works(demo, "jan.peeters", PUPIL_PASSWORD)
    assert _reset(browser, token, lotte.account_uuid).status_code == 404
    assert _password_works(demo, "lotte.janssens", PUPIL_PASSWORD)

    # A distribution sheet of every pupil of class 3A finds them all, beyond the first rows.
    klas = next(c.id for c in demo.schoolloket.classes("123456") if c.name == "3A")
    sheet = browser.post(
        f"{BEHEER}/verdeling",
        data={"csrf_token": token, "klas": klas, "alle": "1", "formaat": "csv"},
    )
    assert sheet.status_code == 200, sheet.text
    assert {"noah.tijdelijk", "sara.wouters"} <= set(sheet.text.replace(";", "\n").split())
