"""CSRF tokens of the login and logout forms are the provider's own, bound to the browser.

A plain double-submit check (the form's token is an HMAC keyed by the cookie) accepts any pair
a client makes up: the transaction id is readable in the signed ``tx``, so whoever can set a
cookie for the provider's host could compute a matching token. Both the cookie and the token
carry the server's HMAC instead.
"""

from __future__ import annotations

import hashlib
import hmac
import re

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer

from tests.idp.flows import PUPIL_PASSWORD, authorize, parse_login_form, query, tokens_for

COOKIE = "leerid_op_csrf"
CHOSEN = "A" * 43  # well-formed: what secrets.token_urlsafe(32) looks like


def _tx_id(signed: str) -> str:
    # The transaction is signed, not encrypted: anyone can read its id.
    _, payload = URLSafeSerializer("not-the-key").loads_unsafe(signed)
    assert isinstance(payload, dict)
    return str(payload["tx_id"])


def _choose_cookie(op: TestClient) -> None:
    """Put the made-up value in the provider's CSRF cookie, as another site could."""
    for cookie in list(op.cookies.jar):
        if cookie.name == COOKIE:
            op.cookies.delete(COOKIE, domain=cookie.domain, path=cookie.path)
    op.cookies.set(COOKIE, CHOSEN, domain="localhost.local", path="/op")


def _csrf_cookie(op: TestClient) -> str | None:
    values = [cookie.value for cookie in op.cookies.jar if cookie.name == COOKIE]
    assert len(values) <= 1, values
    return values[0] if values else None


def _made_up_token(tx_id: str) -> str:
    return hmac.new(CHOSEN.encode(), tx_id.encode(), hashlib.sha256).hexdigest()


def test_login_refuses_a_cookie_and_token_the_client_made_up(op: TestClient) -> None:
    page = authorize(op)
    form = parse_login_form(str(page.url), page.text)
    _choose_cookie(op)
    response = op.post(
        form.action,
        data={
            **form.fields,
            "csrf_token": _made_up_token(_tx_id(form.fields["tx"])),
            "username": "jan.peeters",
            "password": PUPIL_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert "location" not in response.headers
    assert 'data-testid="login-error"' in response.text
    assert "verlopen" in response.text
    # The page that answers sets a cookie of the provider's own making, not the chosen one.
    assert _csrf_cookie(op) not in (None, CHOSEN)


def test_login_page_does_not_adopt_a_chosen_cookie(op: TestClient) -> None:
    _choose_cookie(op)
    page = authorize(op)
    assert page.status_code == 200
    assert _csrf_cookie(op) not in (None, CHOSEN)
    # The provider's own cookie is kept across pages, so two tabs can log in.
    first = _csrf_cookie(op)
    authorize(op)
    assert _csrf_cookie(op) == first


@pytest.mark.parametrize("token", ["\u00e9" * 64, "x", ""])
def test_login_with_an_odd_token_is_the_form_again(op: TestClient, token: str) -> None:
    page = authorize(op)
    form = parse_login_form(str(page.url), page.text)
    response = op.post(
        form.action,
        data={
            **form.fields,
            "csrf_token": token,
            "username": "jan.peeters",
            "password": PUPIL_PASSWORD,
        },
    )
    assert response.status_code == 200
    assert 'data-testid="login-error"' in response.text


def test_login_with_the_provider_s_own_pair_works(op: TestClient) -> None:
    page = authorize(op)
    form = parse_login_form(str(page.url), page.text)
    response = op.post(
        form.action, data={**form.fields, "username": "jan.peeters", "password": PUPIL_PASSWORD}
    )
    assert response.status_code == 303
    assert "code" in query(response.headers["location"])


def _confirmation(op: TestClient) -> dict[str, str]:
    tokens_for(op)
    page = op.get("/op/v1/logout", headers={"Sec-Fetch-Dest": "iframe"})
    assert 'data-testid="logout-confirm"' in page.text
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))


def test_logout_confirmation_refuses_a_made_up_pair(op: TestClient) -> None:
    fields = _confirmation(op)
    _choose_cookie(op)
    fields["csrf_token"] = _made_up_token(_tx_id(fields["logout_tx"]))
    refused = op.post("/op/v1/logout", data=fields)
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")
    assert 'data-testid="logged-out"' not in refused.text
    assert authorize(op, prompt="none").status_code == 303  # still logged in


def test_logout_confirmation_with_an_odd_token_is_an_error_page(op: TestClient) -> None:
    fields = _confirmation(op)
    refused = op.post("/op/v1/logout", data={**fields, "csrf_token": "\u00e9" * 64})
    assert refused.status_code == 400
    assert refused.headers["content-type"].startswith("text/html")
    assert authorize(op, prompt="none").status_code == 303
