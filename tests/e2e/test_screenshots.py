"""The DOV demo page and the login page in Chromium, as screenshots for docs/.

The screenshots are always taken (so the pages must render); they are written to docs/ only
with ``LEERID_UPDATE_SCREENSHOTS=1``, so a normal test run leaves the work tree alone.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import log_in
from tests.e2e.conftest import DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _save(page: Any, name: str, tmp_path: Path) -> Path:
    update = os.environ.get("LEERID_UPDATE_SCREENSHOTS") == "1"
    target = (DOCS if update else tmp_path) / name
    page.screenshot(path=str(target), full_page=True)
    assert target.stat().st_size > 10_000
    return target


def test_the_dov_demo_page(page: Any, demo_servers: DemoServers, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1360, "height": 900})
    page.goto(f"{demo_servers.rp_url}/dov/start")
    log_in(page, os.environ.get("LEERID_SCREENSHOT_PUPIL", "noah.tijdelijk"))
    page.wait_for_url(f"{demo_servers.rp_url}/dov")
    assert page.get_by_test_id("dov-column-klasapp").is_visible()
    _save(page, "dov-demo.png", tmp_path)


def test_the_login_page(page: Any, demo_servers: DemoServers, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1100, "height": 760})
    page.goto(f"{demo_servers.rp_url}/login/i-learn")
    page.get_by_test_id("login-username").fill("jan.peeters")
    _save(page, "login.png", tmp_path)
