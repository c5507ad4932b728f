"""rp_demo's pages of an application answer 404 for a client_id it is not configured with."""

from __future__ import annotations

import httpx
import pytest

from tests.rp_demo.conftest import RPWorld


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/protocol/onbestaand"),
        ("GET", "/inspector/onbestaand"),
        ("GET", "/app/onbestaand"),
        ("GET", "/login/onbestaand"),
        ("POST", "/inspector/onbestaand/refresh"),
    ],
)
def test_an_unknown_client_id_is_a_404_page(rp_world: RPWorld, method: str, path: str) -> None:
    response = httpx.request(method, f"{rp_world.rp_url}{path}", timeout=10)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Deze toepassing bestaat niet" in response.text
    assert "onbestaand" in response.text


def test_a_known_client_id_still_has_its_pages(rp_world: RPWorld) -> None:
    for path in ("/protocol/ididdit", "/inspector/ididdit", "/app/ididdit"):
        response = httpx.get(f"{rp_world.rp_url}{path}", timeout=10)
        assert response.status_code == 200, path
        assert "iDiddit" in response.text
