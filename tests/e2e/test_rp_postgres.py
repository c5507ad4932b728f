"""The DOV demo once more with the provider on PostgreSQL (the path for several workers)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.e2e.browser import log_in
from tests.e2e.conftest import DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.xdist_group("e2e")]


def test_the_dov_demo_on_postgresql(page: Any, postgres_demo_servers: DemoServers) -> None:
    servers = postgres_demo_servers
    page.goto(f"{servers.rp_url}/dov/start")
    log_in(page, "sara.wouters")
    page.wait_for_url(f"{servers.rp_url}/dov")
    assert page.get_by_test_id("cell-i-learn-naam").get_attribute("data-state") == "received"
    assert page.get_by_test_id("cell-klasapp-klas").get_attribute("data-state") == "withheld"
    assert "niet zichtbaar" in page.get_by_test_id("reason-klasapp-klas").inner_text()
    assert page.get_by_test_id("privacy-entry").count() >= 3
