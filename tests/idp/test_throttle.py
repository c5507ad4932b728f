"""Too many wrong passwords: per username, per client address and per login form, over HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from datastore import Datastore
from idp import create_app
from idp.login import LOGIN_FAILED
from tests.idp.conftest import provider_settings
from tests.idp.flows import PUPIL_PASSWORD, admin, auth_params, parse_login_form, query

TOO_MANY = "Te veel pogingen, probeer later opnieuw."
SPENT = "te veel pogingen met dit aanmeldformulier"
# The TestClient's requests all come from this client address.
ADDRESS = "testclient"


def login_page(op: TestClient) -> httpx.Response:
    """A fresh login page (a new transaction), even with a live SSO session."""
    page = op.get("/op/v1/auth", params=auth_params(prompt="login"))
    assert page.status_code == 200, page.text
    return page


def post(op: TestClient, page: httpx.Response, username: str, password: str) -> httpx.Response:
    """Submit the form of ``page``, as often as an attacker likes: the same fields each time."""
    form = parse_login_form(str(page.url), page.text)
    return op.post(form.action, data={**form.fields, "username": username, "password": password})


def wrong(op: TestClient, username: str, times: int = 1) -> httpx.Response:
    """``times`` wrong passwords for ``username``, each on a login page of its own."""
    response = None
    for _ in range(times):
        response = post(op, login_page(op), username, "fout")
    assert response is not None
    return response


def logged_in(response: httpx.Response) -> bool:
    return response.status_code == 303 and "code" in query(response.headers["location"])


def refused_as_too_many(response: httpx.Response) -> bool:
    return (
        response.status_code == 429
        and TOO_MANY in response.text
        and 'data-testid="login-error"' in response.text
        and "location" not in response.headers
    )


def test_five_wrong_passwords_lock_the_username_even_for_the_right_password(
    op: TestClient,
) -> None:
    for _ in range(4):
        response = wrong(op, "jan.peeters")
        assert response.status_code == 200
        assert LOGIN_FAILED in response.text
    assert refused_as_too_many(wrong(op, "jan.peeters"))
    assert refused_as_too_many(post(op, login_page(op), "jan.peeters", PUPIL_PASSWORD))
    # Usernames are counted as typed, whatever their case.
    assert refused_as_too_many(post(op, login_page(op), "Jan.Peeters", PUPIL_PASSWORD))
    # Another pupil is not locked out.
    assert logged_in(post(op, login_page(op), "sara.wouters", PUPIL_PASSWORD))


def test_five_wrong_passwords_on_one_form_say_to_try_again_later(op: TestClient) -> None:
    page = login_page(op)
    for _ in range(4):
        page = post(op, page, "jan.peeters", "fout")
        assert LOGIN_FAILED in page.text
    assert refused_as_too_many(post(op, page, "jan.peeters", "fout"))
    # The form itself is spent as well.
    assert SPENT in post(op, page, "jan.peeters", PUPIL_PASSWORD).text


def test_the_lock_ends_when_the_simulated_clock_passes_it(op: TestClient) -> None:
    wrong(op, "jan.peeters", times=5)
    assert admin(op, "PUT", "/clock", {"advance_seconds": 14 * 60}).status_code == 200
    assert refused_as_too_many(post(op, login_page(op), "jan.peeters", PUPIL_PASSWORD))
    assert admin(op, "PUT", "/clock", {"advance_seconds": 61}).status_code == 200
    assert logged_in(post(op, login_page(op), "jan.peeters", PUPIL_PASSWORD))


def test_wrong_passwords_outside_the_window_do_not_add_up(op: TestClient) -> None:
    wrong(op, "jan.peeters", times=4)
    assert admin(op, "PUT", "/clock", {"advance_seconds": 15 * 60}).status_code == 200
    response = wrong(op, "jan.peeters")
    assert response.status_code == 200
    assert LOGIN_FAILED in response.text


def test_a_successful_login_starts_the_count_again(op: TestClient) -> None:
    wrong(op, "jan.peeters", times=4)
    assert logged_in(post(op, login_page(op), "jan.peeters", PUPIL_PASSWORD))
    assert admin(op, "GET", "/throttle?username=jan.peeters").json()["entries"] == []
    assert LOGIN_FAILED in wrong(op, "jan.peeters", times=4).text
    assert refused_as_too_many(wrong(op, "jan.peeters"))


def test_a_username_with_a_nul_is_counted_as_any_other(op: TestClient) -> None:
    for _ in range(4):
        response = wrong(op, "jan\x00peeters")
        assert response.status_code == 200
        assert LOGIN_FAILED in response.text
    assert refused_as_too_many(wrong(op, "jan\x00peeters"))


def _same_page(response: httpx.Response) -> tuple[int, str, dict[str, str]]:
    # Every page has a fresh nonce for its style (Content-Security-Policy); nothing else differs.
    headers = {k: v for k, v in response.headers.items() if k != "content-security-policy"}
    return response.status_code, re.sub(r'nonce="[^"]+"', "", response.text), headers


def test_a_locked_unknown_username_looks_exactly_like_a_locked_pupil(op: TestClient) -> None:
    wrong(op, "jan.peeters", times=5)
    wrong(op, "niemand.bestaat", times=5)
    page = login_page(op)
    known = post(op, page, "jan.peeters", PUPIL_PASSWORD)
    unknown = post(op, page, "niemand.bestaat", PUPIL_PASSWORD)
    assert refused_as_too_many(known)
    assert _same_page(known) == _same_page(unknown)
    assert "jan.peeters" not in known.text


def test_the_address_limit_spans_usernames(op: TestClient) -> None:
    for number in range(19):
        assert LOGIN_FAILED in wrong(op, f"gok{number}").text
    assert refused_as_too_many(wrong(op, "gok19"))
    # Every username from this address is refused now, also one that was never tried.
    assert refused_as_too_many(post(op, login_page(op), "sara.wouters", PUPIL_PASSWORD))
    cleared = admin(op, "DELETE", f"/throttle?address={ADDRESS}")
    assert cleared.json() == {"deleted": 1}
    assert logged_in(post(op, login_page(op), "sara.wouters", PUPIL_PASSWORD))


def test_a_locked_address_adds_no_counters_however_many_forms_it_sends(op: TestClient) -> None:
    for number in range(20):
        wrong(op, f"gok{number}")
    before = len(admin(op, "GET", "/throttle").json()["entries"])
    for number in range(30):
        assert refused_as_too_many(wrong(op, f"ander{number}"))
    # Refused before anything is counted: neither the new usernames nor the new forms.
    assert len(admin(op, "GET", "/throttle").json()["entries"]) == before


def test_one_login_form_takes_five_attempts_then_sends_the_user_back(op: TestClient) -> None:
    page = login_page(op)
    for number in range(4):
        response = post(op, page, f"gok{number}", "fout")
        assert response.status_code == 200
        assert LOGIN_FAILED in response.text
        # The form shown again is the same transaction: starting from it does not help.
        page = response
    spent = post(op, page, "gok4", "fout")
    assert spent.status_code == 400
    assert SPENT in spent.text
    assert 'data-testid="error-message"' in spent.text
    assert "location" not in spent.headers
    # Not even the right password: the form is used up, and the client gets nothing.
    again = post(op, page, "jan.peeters", PUPIL_PASSWORD)
    assert again.status_code == 400
    assert SPENT in again.text
    assert "location" not in again.headers
    # A new authorization request is a new login form.
    assert logged_in(post(op, login_page(op), "jan.peeters", PUPIL_PASSWORD))


def test_admin_reads_and_clears_the_counters(op: TestClient) -> None:
    wrong(op, "jan.peeters", times=2)
    state = admin(op, "GET", "/throttle?username=Jan.Peeters").json()
    assert state["policy"] == {
        "username_limit": 5,
        "address_limit": 20,
        "window_seconds": 900,
        "lock_seconds": 900,
        "transaction_attempts": 5,
    }
    [entry] = state["entries"]
    assert (entry["kind"], entry["key"], entry["failures"]) == ("username", "jan.peeters", 2)
    assert entry["locked"] is False
    wrong(op, "jan.peeters", times=3)
    [entry] = admin(op, "GET", "/throttle?username=jan.peeters").json()["entries"]
    assert entry["locked"] is True
    assert entry["locked_until"] is not None
    kinds = {e["kind"] for e in admin(op, "GET", "/throttle").json()["entries"]}
    assert kinds == {"username", "address", "transaction"}

    assert admin(op, "DELETE", "/throttle?username=jan.peeters").json() == {"deleted": 1}
    assert logged_in(post(op, login_page(op), "jan.peeters", PUPIL_PASSWORD))
    assert admin(op, "DELETE", "/throttle").json()["deleted"] >= 1
    assert admin(op, "GET", "/throttle").json()["entries"] == []


def test_admin_throttle_filters_are_validated(op: TestClient) -> None:
    response = admin(op, "DELETE", "/throttle?username=" + "x" * 201)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "username"]
    assert admin(op, "GET", "/throttle?address=%00").status_code == 422


def test_retention_purge_removes_counters_that_count_for_nothing(op: TestClient) -> None:
    wrong(op, "jan.peeters")
    assert admin(op, "PUT", "/clock", {"advance_seconds": 15 * 60}).status_code == 200
    # The username's and the address's windows have ended; the form's runs on.
    assert admin(op, "POST", "/purge").json()["login_throttle"] == 2
    [entry] = admin(op, "GET", "/throttle").json()["entries"]
    assert entry["kind"] == "transaction"


def test_a_reset_of_the_world_clears_the_counters(op: TestClient) -> None:
    wrong(op, "jan.peeters", times=5)
    assert admin(op, "POST", "/reset").status_code == 200
    assert admin(op, "GET", "/throttle").json()["entries"] == []
    assert logged_in(post(op, login_page(op), "jan.peeters", PUPIL_PASSWORD))


@pytest.fixture
def unthrottled(demo_store: Datastore, demo_url: str) -> Iterator[TestClient]:
    """The provider with every limit at 0 (off)."""
    settings = provider_settings(
        demo_url, login_username_limit=0, login_address_limit=0, login_transaction_attempts=0
    )
    app = create_app(settings, store=demo_store)
    with TestClient(app, base_url="http://localhost:8000", follow_redirects=False) as client:
        yield client


def test_limits_of_zero_never_lock(unthrottled: TestClient) -> None:
    page = login_page(unthrottled)
    for _ in range(25):
        response = post(unthrottled, page, "jan.peeters", "fout")
        assert response.status_code == 200
        assert LOGIN_FAILED in response.text
    assert logged_in(post(unthrottled, page, "jan.peeters", PUPIL_PASSWORD))
    assert admin(unthrottled, "GET", "/throttle").json()["entries"] == []
