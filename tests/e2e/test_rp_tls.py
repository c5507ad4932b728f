"""A browser login over https, as ``leerid-sim demo --tls`` serves it, certificates verified.

Chromium trusts the simulator's local CA through an NSS database in its HOME, the way a
developer's browser would after trusting it; nothing is relaxed (no ``ignore_https_errors``).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import log_in, start_login
from tests.e2e.conftest import DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def test_a_pupil_logs_in_through_rp_demo_over_https(
    tls_page: Any, tls_demo_servers: DemoServers
) -> None:
    servers = tls_demo_servers
    assert servers.provider_url.startswith("https://")
    assert servers.rp_url.startswith("https://")
    start_login(tls_page, servers.rp_url, "i-learn")
    assert tls_page.url.startswith(f"{servers.issuer}/")  # the provider's login page, https
    log_in(tls_page, "jan.peeters")
    assert tls_page.url == f"{servers.rp_url}/app/i-learn"
    assert tls_page.get_by_test_id("welcome").is_visible()
    assert tls_page.get_by_test_id("attr-leer_id_uuid").inner_text() == (
        "814f2e42-3f55-43e0-bc62-bba3ef1d008a"
    )
    # Every cookie of the provider and of rp_demo is Secure over https.
    cookies = tls_page.context.cookies()
    assert cookies
    assert all(cookie["secure"] for cookie in cookies), cookies


def test_the_logout_returns_to_rp_demo_over_https(
    tls_page: Any, tls_demo_servers: DemoServers
) -> None:
    start_login(tls_page, tls_demo_servers.rp_url, "ididdit")
    log_in(tls_page, "sara.wouters")
    tls_page.get_by_test_id("logout").click()
    tls_page.wait_for_load_state()
    assert tls_page.get_by_test_id("logged-out").is_visible()
    assert tls_page.url.startswith(f"{tls_demo_servers.rp_url}/")


def test_a_browser_that_does_not_trust_the_local_ca_refuses_the_provider(
    page: Any, tls_demo_servers: DemoServers
) -> None:
    from playwright.sync_api import Error

    with pytest.raises(Error, match="ERR_CERT_AUTHORITY_INVALID"):
        page.goto(f"{tls_demo_servers.issuer}/.well-known/openid-configuration")
