"""Every page of the provider, rp_demo and the Schoolloket fits a phone (390 px) and a desktop
(1280 px) without horizontal scrolling, and axe-core finds nothing serious or critical on it.

Logging in is done once per persona (a browser context each, kept for the module); each case
only resizes that context's page, opens one URL (and, on Swagger UI at ``/docs``, opens
operations the way a reader does) and runs axe (WCAG 2.1 A/AA rules and axe's best practices,
as axe-core runs by default). The provider runs in demo mode, so its landing page lists the
personas.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe

from tests.e2e.browser import log_in, start_login
from tests.e2e.conftest import STAFF_PASSWORD, DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

WIDTHS = (390, 1280)


def _school(servers: DemoServers, path: str) -> str:
    """A page of school 123456 in the Schoolloket."""
    return f"{servers.schoolloket_url}scholen/123456{path}"


@dataclass(frozen=True)
class Visit:
    """One page: who looks at it, and how to get there from the running servers."""

    who: str  # a key of ``_LOGINS`` ("anonymous" for no login)
    url: Callable[[DemoServers], str]
    # What a reader does on the loaded page before it is measured.
    then: Callable[[Any], None] = lambda page: None


def _swagger_ui(page: Any) -> None:
    """Swagger UI shows the operations once it has fetched the OpenAPI document."""
    page.locator(".opblock").first.wait_for()


def _operation(page: Any, method: str, path: str) -> Any:
    """One operation of Swagger UI, opened."""
    operation = page.locator(f".opblock-{method}").filter(has=page.locator(f'[data-path="{path}"]'))
    operation.locator(".opblock-summary-control").click()
    operation.locator(".opblock-body").wait_for()
    return operation


def _swagger_ui_opened(page: Any) -> None:
    """The first operation and one with query parameters (one a list of values) opened."""
    _swagger_ui(page)
    page.locator(".opblock-summary-control").first.click()
    page.locator(".opblock-body").first.wait_for()
    _operation(page, "get", "/admin/api/access-log")


def _swagger_ui_tried(page: Any) -> None:
    """A request body edited with "Try it out" and sent: the curl command and the answer
    (401 without the admin token, so the world does not change)."""
    _swagger_ui(page)
    operation = _operation(page, "post", "/admin/api/pupils")
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    operation.locator(".live-responses-table .response-col_status").first.wait_for()


PAGES: dict[str, Visit] = {
    # The provider
    "provider-home": Visit("anonymous", lambda s: f"{s.provider_url}/"),
    "provider-login": Visit("anonymous", lambda s: f"{s.rp_url}/login/i-learn"),
    "provider-error": Visit(
        "anonymous", lambda s: f"{s.issuer}/v1/auth?client_id=onbekend&response_type=code"
    ),
    "provider-404": Visit("anonymous", lambda s: f"{s.provider_url}/bestaat-niet"),
    "provider-logged-out": Visit("anonymous", lambda s: f"{s.issuer}/v1/logout"),
    "provider-logout-confirm": Visit(
        "pupil", lambda s: f"{s.issuer}/v1/logout?id_token_hint=niet-van-deze-sessie"
    ),
    "provider-docs": Visit("anonymous", lambda s: f"{s.provider_url}/docs", _swagger_ui),
    "provider-docs-opened": Visit(
        "anonymous", lambda s: f"{s.provider_url}/docs", _swagger_ui_opened
    ),
    "provider-docs-tried": Visit(
        "anonymous", lambda s: f"{s.provider_url}/docs", _swagger_ui_tried
    ),
    # rp_demo
    "rp-start": Visit("anonymous", lambda s: f"{s.rp_url}/"),
    "rp-app": Visit("pupil", lambda s: f"{s.rp_url}/app/i-learn"),
    "rp-app-klasapp": Visit("pupil", lambda s: f"{s.rp_url}/app/klasapp"),
    "rp-inspector": Visit("pupil", lambda s: f"{s.rp_url}/inspector/i-learn"),
    "rp-protocol": Visit("anonymous", lambda s: f"{s.rp_url}/protocol/i-learn"),
    "rp-dov": Visit("pupil", lambda s: f"{s.rp_url}/dov"),
    "rp-spa": Visit("anonymous", lambda s: f"{s.rp_url}/spa"),
    "rp-error": Visit("pupil", lambda s: f"{s.rp_url}/login/stopgezet"),
    "rp-refused": Visit("ex-pupil", lambda s: f"{s.rp_url}/app/i-learn"),
    "rp-404": Visit("anonymous", lambda s: f"{s.rp_url}/bestaat-niet"),
    # The Schoolloket
    "schoolloket-start": Visit("anonymous", lambda s: s.schoolloket_url),
    "schoolloket-404": Visit("anonymous", lambda s: f"{s.schoolloket_url}bestaat-niet"),
    "schoolloket-afgemeld": Visit("anonymous", lambda s: f"{s.schoolloket_url}?state=afgemeld"),
    "schoolloket-instellingen": Visit("director", lambda s: _school(s, "/instellingen")),
    "schoolloket-protocol": Visit("director", lambda s: _school(s, "/instellingen/protocol")),
    "schoolloket-stopzetten": Visit("director", lambda s: _school(s, "/instellingen/stopzetten")),
    "schoolloket-activeren": Visit("director", lambda s: _school(s, "/instellingen/activeren")),
    "schoolloket-geen-toegang": Visit("director", lambda s: _school(s, "/beheer")),
    "schoolloket-beheer": Visit("beheerder", lambda s: _school(s, "/beheer")),
    "schoolloket-verdeling": Visit("beheerder", lambda s: _school(s, "/beheer/verdeling")),
    "schoolloket-applicaties": Visit("beheerder", lambda s: _school(s, "/applicaties")),
}


def _pupil(page: Any, servers: DemoServers, username: str) -> None:
    start_login(page, servers.rp_url, "i-learn")
    log_in(page, username)
    page.goto(f"{servers.rp_url}/login/klasapp")
    page.wait_for_url(f"{servers.rp_url}/app/klasapp")
    page.goto(f"{servers.rp_url}/dov/start")
    page.wait_for_url(f"{servers.rp_url}/dov")


def _staff(page: Any, servers: DemoServers, username: str) -> None:
    page.goto(servers.schoolloket_url)
    page.get_by_test_id("login-start").click()
    log_in(page, username, STAFF_PASSWORD)
    page.get_by_test_id("staff-name").wait_for()


_LOGINS: dict[str, Callable[[Any, DemoServers], None]] = {
    "anonymous": lambda page, servers: None,
    "pupil": lambda page, servers: _pupil(page, servers, "jan.peeters"),
    "ex-pupil": lambda page, servers: _ex_pupil(page, servers),
    "director": lambda page, servers: _staff(page, servers, "dirk.directeur"),
    "beheerder": lambda page, servers: _staff(page, servers, "bert.beheerder"),
}


def _ex_pupil(page: Any, servers: DemoServers) -> None:
    start_login(page, servers.rp_url, "i-learn")
    log_in(page, "ex.leerling")


class _LoggedInPages(dict[str, Any]):
    """A page per persona, logged in on first use (one browser context each)."""

    def __init__(self, chromium: Any, servers: DemoServers) -> None:
        super().__init__()
        self.chromium = chromium
        self.servers = servers
        self.contexts: list[Any] = []

    def __missing__(self, who: str) -> Any:
        context = self.chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-BE")
        context.set_default_timeout(30_000)
        self.contexts.append(context)
        page = context.new_page()
        _LOGINS[who](page, self.servers)
        self[who] = page
        return page


@pytest.fixture(scope="module")
def pages(chromium: Any, demo_servers: DemoServers) -> Iterator[_LoggedInPages]:
    """The personas' pages, kept for the module: each case only resizes and navigates."""
    logged_in = _LoggedInPages(chromium, demo_servers)
    yield logged_in
    for context in logged_in.contexts:
        context.close()


def _serious(page: Any) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each."""
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}; "
        + "; ".join(node["target"][0] if node["target"] else "?" for node in violation["nodes"][:5])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", sorted(PAGES))
def test_the_page_fits_and_has_no_serious_accessibility_finding(
    pages: _LoggedInPages, demo_servers: DemoServers, name: str, width: int
) -> None:
    visit = PAGES[name]
    page = pages[visit.who]
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(visit.url(demo_servers))
    page.wait_for_load_state()
    visit.then(page)
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    problems = []
    if scroll_width > width:
        wide = page.evaluate(
            """(width) => [...document.querySelectorAll('body *')]
                .filter(e => e.getBoundingClientRect().right > width + 1
                             || e.scrollWidth > e.clientWidth + 1)
                .slice(0, 5).map(e => e.tagName.toLowerCase() + '.' + e.className)""",
            width,
        )
        problems.append(f"{scroll_width} px wide at {width} px: {wide}")
    problems.extend(_serious(page))
    assert problems == [], f"{page.url}\n" + "\n".join(problems)
