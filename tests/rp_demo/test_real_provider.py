"""rp_demo's happy path against the real provider, over HTTP and without a browser.

The browser tests (tests/e2e) walk the same pages in Chromium; this one needs nothing but
httpx, so the login, the released attributes, single sign-on and logout of rp_demo are
checked against the real provider wherever the suite runs.
"""

from __future__ import annotations

from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest

from tests.e2e.browser import PUPIL_PASSWORD
from tests.e2e.conftest import DemoServers, running_demo

JAN_LEER_ID_UUID = "814f2e42-3f55-43e0-bc62-bba3ef1d008a"


class _LoginForm(HTMLParser):
    """The action and hidden fields of the provider's login form (``method="post"``)."""

    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "form" and attributes.get("method", "").lower() == "post" and not self.action:
            self.action, self._inside = attributes.get("action", ""), True
        elif tag == "input" and self._inside and attributes.get("type") == "hidden":
            self.fields[attributes.get("name", "")] = attributes.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._inside = False


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServers]:
    with running_demo(Path(tmp_path_factory.mktemp("rp-real"))) as running:
        yield running


@pytest.fixture
def browser(servers: DemoServers) -> Iterator[httpx.Client]:
    """A cookie-keeping client that follows redirects, like a browser without JavaScript."""
    with httpx.Client(follow_redirects=True, timeout=30) as client:
        yield client


def _log_in(
    browser: httpx.Client, servers: DemoServers, client_id: str, username: str
) -> httpx.Response:
    page = browser.get(f"{servers.rp_url}/login/{client_id}")
    assert page.status_code == 200
    assert page.url.path.endswith("/v1/auth"), page.url  # the provider's login page
    form = _LoginForm()
    form.feed(page.text)
    assert form.action, "the login page has a form"
    answer = browser.post(
        str(page.url.join(form.action)),
        data={**form.fields, "username": username, "password": PUPIL_PASSWORD},
    )
    assert answer.status_code == 200
    return answer


def test_jan_logs_in_at_i_learn_and_sees_his_attributes(
    browser: httpx.Client, servers: DemoServers
) -> None:
    page = _log_in(browser, servers, "i-learn", "jan.peeters")
    assert str(page.url) == f"{servers.rp_url}/app/i-learn"
    assert "Welkom bij i-Learn" in page.text
    assert JAN_LEER_ID_UUID in page.text
    assert 'data-testid="absent-klas"' in page.text  # i-Learn's protocol lists no class


def test_one_login_opens_the_next_application_without_a_form(
    browser: httpx.Client, servers: DemoServers
) -> None:
    _log_in(browser, servers, "i-learn", "jan.peeters")
    second = browser.get(f"{servers.rp_url}/login/klasapp")
    assert str(second.url) == f"{servers.rp_url}/app/klasapp"
    assert JAN_LEER_ID_UUID in second.text
    assert 'data-testid="attr-klas"' in second.text  # klasapp may see Jan's class


def test_logging_out_ends_the_session_at_the_provider(
    browser: httpx.Client, servers: DemoServers
) -> None:
    _log_in(browser, servers, "i-learn", "jan.peeters")
    out = browser.post(f"{servers.rp_url}/logout")
    assert out.status_code == 200
    assert str(out.url).startswith(servers.rp_url)  # back at rp_demo after the provider
    again = browser.get(f"{servers.rp_url}/login/i-learn")
    assert again.url.path.endswith("/v1/auth")  # the login form again: no session left
    assert 'name="username"' in again.text


def test_refreshing_from_the_inspector_rotates_and_asks_userinfo_again(
    browser: httpx.Client, servers: DemoServers
) -> None:
    # As on ACM, the refresh answer has no ID token: the inspector keeps the login's and shows
    # what UserInfo says with the new access token.
    _log_in(browser, servers, "i-learn", "jan.peeters")
    before = browser.get(f"{servers.rp_url}/inspector/i-learn")
    assert 'data-testid="refresh"' in before.text
    refreshed = browser.post(f"{servers.rp_url}/inspector/i-learn/refresh")
    assert refreshed.status_code == 200, refreshed.text
    assert str(refreshed.url) == f"{servers.rp_url}/inspector/i-learn"
    assert "1× vernieuwd met het refresh token" in refreshed.text
    assert "geroteerd (een nieuw token" in refreshed.text
    assert "(HTTP 200)" in refreshed.text
    assert JAN_LEER_ID_UUID in refreshed.text
    again = browser.post(f"{servers.rp_url}/inspector/i-learn/refresh")
    assert "2× vernieuwd met het refresh token" in again.text
