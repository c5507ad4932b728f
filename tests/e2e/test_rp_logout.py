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
