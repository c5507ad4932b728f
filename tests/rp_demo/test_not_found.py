"""rp_demo's unknown paths and methods: a Dutch page for a browser, JSON for other clients."""

from __future__ import annotations

import httpx

BROWSER = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}


def test_an_unknown_path_is_a_dutch_page_for_a_browser(browser: httpx.Client) -> None:
    page = browser.get("/bestaat-niet", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Pagina niet gevonden" in page.text
    assert 'href="/"' in page.text


def test_an_unknown_path_stays_json_for_an_api_client(browser: httpx.Client) -> None:
    answer = browser.get("/bestaat-niet", headers={"Accept": "application/json"})
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not Found"}


def test_a_wrong_method_is_a_dutch_405_page_with_allow(browser: httpx.Client) -> None:
    page = browser.delete("/", headers=BROWSER)
    assert page.status_code == 405
    assert "Dat kan hier niet" in page.text
    assert "GET" in page.headers["allow"]
