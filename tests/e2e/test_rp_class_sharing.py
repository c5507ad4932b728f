"""Class sharing end to end: the databeheerder stops class sharing in the Schoolloket, and KlasApp
(through rp_demo) no longer receives the pupil's class."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.e2e.browser import log_in, start_login
from tests.e2e.conftest import STAFF_PASSWORD, DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

# A school day on which dirk.directeur's assignment (2025-09-01 to 2027-08-31) runs and
# jan.peeters is enrolled in 3B: set on the simulated clock, so the test never depends on today.
SCHOOL_DAY = "2027-03-01T10:00:00+01:00"


def klas_at_klasapp(chromium: Any, servers: DemoServers) -> str | None:
    """Log jan.peeters in at KlasApp in a fresh browser; his class, or None when absent."""
    context = chromium.new_context()
    try:
        page = context.new_page()
        start_login(page, servers.rp_url, "klasapp")
        log_in(page, "jan.peeters")
        assert page.get_by_test_id("welcome").inner_text() == "Welkom bij KlasApp"
        if page.get_by_test_id("absent-klas").count():
            return None
        text: str = page.get_by_test_id("attr-klas").inner_text()
        return text.strip()
    finally:
        context.close()


def test_stopping_class_sharing_removes_the_class_from_klasapp(
    chromium: Any, fresh_demo_servers: DemoServers
) -> None:
    servers = fresh_demo_servers
    response = httpx.put(
        f"{servers.provider_url}/admin/api/clock",
        json={"now": SCHOOL_DAY},
        headers={"Authorization": f"Bearer {servers.admin_token}"},
        # The first admin call builds the admin API: seconds on a busy machine, not a fault.
        timeout=60,
    )
    assert response.status_code == 200, response.text
    assert klas_at_klasapp(chromium, servers) == "3B"

    context = chromium.new_context()
    page = context.new_page()
    page.goto(servers.schoolloket_url)
    page.get_by_test_id("login-start").click()
    log_in(page, "dirk.directeur", STAFF_PASSWORD)
    if page.get_by_test_id("school-123456").count():
        page.get_by_test_id("school-123456").click()
    page.get_by_test_id("tab-instellingen").click()
    assert page.get_by_test_id("sharing-status").get_attribute("data-state") == "active"
    page.get_by_test_id("sharing-stop").click()
    page.get_by_test_id("stop-confirm").click()
    page.wait_for_load_state()
    page.goto(f"{servers.provider_url}/schoolloket/scholen/123456/instellingen")
    assert page.get_by_test_id("sharing-status").get_attribute("data-state") == "inactive"
    context.close()

    assert klas_at_klasapp(chromium, servers) is None
