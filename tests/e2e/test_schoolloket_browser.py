"""The Schoolloket in Debian's Chromium, logging in on the real provider's login page.

- dirk.directeur (LeerID-databeheerder) stops class sharing and activates it again, accepting
  the school-to-DOV protocol, and reads the accepted protocol back;
- bert.beheerder (LeerID-beheerder) makes KlasApp visible to class 3A and hides it again.

Each changes the world, so each gets servers of its own. The next login's ``klas`` claim is
checked with the release preview, which asks the same code as the token endpoint. The
Schoolinstellingen screenshot is always taken; it is written to docs/schoolloket.png only with
``LEERID_UPDATE_SCREENSHOTS=1``, so a normal run leaves the work tree alone.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from pathlib import Path
from typing import Any

import pytest

from datastore.db.clock import CACHE_SECONDS
from idp.preview import preview
from tests.e2e.browser import log_in
from tests.e2e.conftest import STAFF_PASSWORD, DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _klas(servers: DemoServers, username: str) -> str | None:
    claims = preview(servers.store, "klasapp", username, "openid klas").as_dict()["claims"]
    klas: str | None = claims["leerid"].get("klas")
    return klas


# A school day inside the demo world's director and beheerder periods: the roles are decided on
# the simulated clock's date, so on the real clock this test would stop working once they end.
SCHOOL_DAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def _log_in_to_schoolloket(page: Any, servers: DemoServers, username: str) -> None:
    servers.store.clock.set(SCHOOL_DAY)
    time.sleep(CACHE_SECONDS + 0.2)  # every server process has seen the new time
    page.goto(servers.schoolloket_url)
    page.get_by_test_id("login-start").click()
    page.get_by_test_id("login-username").wait_for()
    assert page.url.startswith(f"{servers.issuer}/")  # the provider's own login page
    log_in(page, username, STAFF_PASSWORD)
    page.get_by_test_id("staff-name").wait_for()


def test_director_stops_and_activates_class_sharing(
    page: Any, fresh_demo_servers: DemoServers, tmp_path: Path
) -> None:
    servers = fresh_demo_servers
    _log_in_to_schoolloket(page, servers, "dirk.directeur")
    status = page.get_by_test_id("sharing-status")
    assert status.get_attribute("data-state") == "active"
    assert "Klasinformatie wordt gedeeld met LeerID" in status.inner_text()
    update = os.environ.get("LEERID_UPDATE_SCREENSHOTS") == "1"
    screenshot = (DOCS if update else tmp_path) / "schoolloket.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 10_000
    assert _klas(servers, "jan.peeters") == "3B"

    page.get_by_test_id("sharing-stop").click()
    page.get_by_test_id("stop-confirm").click()
    status = page.get_by_test_id("sharing-status")
    assert status.get_attribute("data-state") == "inactive"
    assert "Momenteel deelt je school geen klasinformatie met LeerID" in status.inner_text()
    assert _klas(servers, "jan.peeters") is None

    page.get_by_test_id("sharing-activate").click()
    protocol = page.get_by_test_id("protocol-text")
    assert "klasinformatie" in protocol.inner_text()
    assert page.get_by_test_id("protocol-version").inner_text() == "2024-1"
    page.get_by_test_id("protocol-accept").click()
    assert page.get_by_test_id("sharing-status").get_attribute("data-state") == "active"
    assert _klas(servers, "jan.peeters") == "3B"

    page.get_by_test_id("protocol-link").click()
    assert page.get_by_test_id("accepted-by").inner_text() == "Dirk Directeur"
    assert page.get_by_test_id("accepted-version").inner_text() == "2024-1"

    # dirk is databeheerder only: LeerID-beheer is refused with a 403 page.
    page.get_by_test_id("tab-beheer").click()
    assert "LeerID-beheerder" in page.get_by_test_id("forbidden").inner_text()


def test_beheerder_assigns_an_application_to_a_class(
    page: Any, fresh_demo_servers: DemoServers
) -> None:
    servers = fresh_demo_servers
    _log_in_to_schoolloket(page, servers, "bert.beheerder")
    assert _klas(servers, "sara.wouters") is None
    page.get_by_test_id("tab-applicaties").click()
    klasapp = page.get_by_test_id("app-klasapp")
    klasapp.get_by_test_id("assign-class-radio-klasapp").check()
    klasapp.get_by_test_id("assign-klas-klasapp").select_option(label="3A")
    klasapp.get_by_test_id("assign-submit-klasapp").click()
    rows = page.get_by_test_id("app-klasapp").get_by_test_id("visibility-row")
    row = rows.filter(has_text="klas 3A")
    assert row.count() == 1
    assert _klas(servers, "sara.wouters") == "3A"

    row.get_by_test_id("hide-visibility").click()
    rows = page.get_by_test_id("app-klasapp").get_by_test_id("visibility-row")
    assert rows.filter(has_text="klas 3A").count() == 0
    assert _klas(servers, "sara.wouters") is None

    # bert is no databeheerder: the settings tab shows the state but no button.
    page.get_by_test_id("tab-instellingen").click()
    assert page.get_by_test_id("databeheerder-only").is_visible()
    assert page.get_by_test_id("sharing-stop").count() == 0
