"""Logging out of rp_demo: RP-initiated logout ends the provider's SSO session too."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import log_in, start_login
from tests.e2e.conftest import DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_logout_ends_the_sso_session(page: Any, demo_servers: DemoServers) -> None:
    start_login(page, demo_servers.rp_url, "i-learn")
    log_in(page, "jan.peeters")
    page.get_by_test_id("logout").click()
    page.wait_for_load_state()
    assert page.get_by_test_id("logged-out").is_visible()
    assert page.url.startswith(f"{demo_servers.rp_url}/")
    start_login(page, demo_servers.rp_url, "ididdit")
    assert page.get_by_test_id("login-username").is_visible()


def test_logout_at_the_provider_ends_rp_demo_sessions_through_the_back_channel(
    page: Any, demo_servers: DemoServers
) -> None:
    start_login(page, demo_servers.rp_url, "ididdit")
    log_in(page, "jan.peeters")
    start_login(page, demo_servers.rp_url, "i-learn")  # SSO: a second login, same sid
    page.goto(f"{demo_servers.rp_url}/")
    assert page.get_by_test_id("status-i-learn").is_visible()

    # Log out at the provider itself, not through rp_demo: only the back channel tells rp_demo.
    # Without parameters the provider logs out at once and says so, as ACM does.
    page.goto(f"{demo_servers.issuer}/v1/logout")
    assert page.get_by_test_id("logged-out").is_visible()

    # Delivery is best effort, one logout token per client, and may land just after the
    # response: wait until both have arrived (or give up and let the asserts say which did not).
    for _ in range(100):
        page.goto(f"{demo_servers.rp_url}/")
        banner = page.get_by_test_id("backchannel-ended")
        if banner.count() and all(app in banner.inner_text() for app in ("iDiddit", "i-Learn")):
            break
        page.wait_for_timeout(100)
    assert "iDiddit" in page.get_by_test_id("backchannel-ended").inner_text()
    assert "i-Learn" in page.get_by_test_id("backchannel-ended").inner_text()
    assert page.get_by_test_id("status-ididdit").count() == 0
    assert page.get_by_test_id("status-i-learn").count() == 0
