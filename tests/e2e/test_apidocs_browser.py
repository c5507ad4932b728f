"""``/docs`` in Chromium with every other origin cut off: Swagger UI starts, under the CSP, and
an operation still opens from its address."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.conftest import DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_swagger_ui_works_offline_under_the_csp(page: Any, demo_servers: DemoServers) -> None:
    origin = urlsplit(demo_servers.provider_url).netloc
    elsewhere: list[str] = []

    def offline(route: Any) -> None:
        # As on a machine without internet: only the provider itself answers.
        if urlsplit(route.request.url).netloc == origin:
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    page.route("**/*", offline)
    errors: list[str] = []
    page.on(
        "console", lambda message: errors.append(message.text) if message.type == "error" else None
    )
    page.set_viewport_size({"width": 390, "height": 900})
    page.goto(f"{demo_servers.provider_url}/docs")
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 50  # the protocol and the admin API
    assert page.get_by_text("/admin/api/pupils", exact=True).first.is_visible()
    assert elsewhere == []
    assert errors == []  # a CSP violation is reported on the console
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_an_operation_opens_from_its_address_and_sets_it(
    page: Any, demo_servers: DemoServers
) -> None:
    # The path in an operation's summary is text, not a link; deep linking still works.
    page.goto(f"{demo_servers.provider_url}/docs#/pupils/create_pupil_admin_api_pupils_post")
    opened = page.locator("#operations-pupils-create_pupil_admin_api_pupils_post")
    opened.locator(".opblock-body").wait_for()
    assert opened.locator(".opblock-summary-control a[href]").count() == 0
    other = page.locator("#operations-pupils-list_pupils_admin_api_pupils_get")
    other.locator(".opblock-summary-control").click()
    other.locator(".opblock-body").wait_for()
    assert page.evaluate("location.hash") == "#/pupils/list_pupils_admin_api_pupils_get"
