"""The DOV demo page and the login page in Chromium, as screenshots for docs/.

Each test checks what the page shows, then takes its screenshot and checks that it is a PNG of
the page's width that is not blank. The screenshots are written to docs/ only with
``LEERID_UPDATE_SCREENSHOTS=1``, so a normal test run leaves the work tree alone.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.browser import log_in
from tests.e2e.conftest import DemoServers

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _png_size_and_pixels(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed scanlines of a PNG (PNG §11.2.2 IHDR, §11.2.4 IDAT)."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    chunks, offset = [], 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        if data[offset + 4 : offset + 8] == b"IDAT":
            chunks.append(data[offset + 8 : offset + 8 + length])
        offset += 12 + length
    return width, height, zlib.decompress(b"".join(chunks))


def _save(page: Any, name: str, tmp_path: Path) -> Path:
    """The full-page screenshot: as wide as the viewport, at least as high, and not blank."""
    update = os.environ.get("LEERID_UPDATE_SCREENSHOTS") == "1"
    target = (DOCS if update else tmp_path) / name
    page.screenshot(path=str(target), full_page=True)
    viewport = page.viewport_size
    width, height, pixels = _png_size_and_pixels(target.read_bytes())
    assert width == viewport["width"]
    assert height >= viewport["height"]
    # A blank page is a few values repeated; text, borders and buttons bring many more.
    assert len(set(pixels)) > 32
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
    assert page.url.startswith(f"{demo_servers.issuer}/")  # the provider's own login page
    assert page.get_by_role("heading", name="Aanmelden met LeerID").is_visible()
    assert "Je meldt je aan bij i-Learn." in page.locator("p.uitleg").inner_text()
    username = page.get_by_test_id("login-username")
    username.fill("jan.peeters")
    assert username.input_value() == "jan.peeters"
    assert page.get_by_label("Wachtwoord").is_visible()
    assert page.get_by_test_id("login-submit").inner_text() == "Aanmelden"
    assert page.get_by_test_id("login-error").count() == 0
    _save(page, "login.png", tmp_path)
