"""``/docs`` works without internet and under the provider's Content-Security-Policy."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient


class _References(HTMLParser):
    """Every ``src``/``href`` of the page, with the ``nonce`` of its element."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("src", "href"):
            if values.get(name):
                self.found.append((tag, values[name] or "", values.get("nonce")))


def _csp(header: str) -> dict[str, list[str]]:
    return {
        part.split()[0]: part.split()[1:] for part in (p.strip() for p in header.split(";")) if part
    }


def test_docs_loads_swagger_ui_from_this_origin_only(op: TestClient) -> None:
    page = op.get("/docs")
    assert page.status_code == 200
    parser = _References()
    parser.feed(page.text)
    urls = [url for _, url, _ in parser.found]
    assert any(url.endswith("/swagger-ui-bundle.js") for url in urls)
    assert any(url.endswith("/swagger-ui.css") for url in urls)
    # The contrast repairs come after Swagger UI's styles, so their equal selectors win.
    styles = [url.rsplit("/", 1)[1] for url in urls if url.endswith(".css")]
    assert styles == ["swagger-ui.css", "swagger-fixes.css"]
    # Same origin: absolute paths, no scheme or host, so nothing is fetched from elsewhere.
    assert all(url.startswith("/") and not url.startswith("//") for url in urls), urls
    assert "<script>" not in page.text  # no inline script: the CSP allows none


def test_docs_assets_are_served_with_their_content_type(op: TestClient) -> None:
    page = op.get("/docs")
    parser = _References()
    parser.feed(page.text)
    types = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
    for _, url, _ in parser.found:
        asset = op.get(url)
        assert asset.status_code == 200, url
        expected = types[url[url.rindex(".") :]]
        assert asset.headers["content-type"].split(";")[0] == expected, url
        assert asset.headers["x-content-type-options"] == "nosniff"
    assert b"SwaggerUIBundle" in op.get("/docs/assets/swagger-ui-bundle.js").content


def test_the_csp_of_docs_allows_its_assets_and_nothing_else(op: TestClient) -> None:
    page = op.get("/docs")
    policy = _csp(page.headers["content-security-policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    # Swagger UI fetches the OpenAPI document (and "Try it out" requests) from this origin.
    assert policy["connect-src"] == ["'self'"]
    parser = _References()
    parser.feed(page.text)
    for tag, url, nonce in parser.found:
        if tag == "script":
            assert f"'nonce-{nonce}'" in policy["script-src"], url
        elif url.endswith(".css"):
            assert f"'nonce-{nonce}'" in policy["style-src"], url
        else:
            assert "'self'" in policy["img-src"], url
    assert "'unsafe-inline'" not in page.headers["content-security-policy"]
    openapi = re.search(r'data-openapi-url="([^"]+)"', page.text)
    assert openapi is not None
    assert op.get(openapi.group(1)).json()["info"]["title"] == "LeerID simulator"


def test_only_the_listed_assets_are_served_and_there_is_no_redoc(op: TestClient) -> None:
    assert op.get("/docs/assets/redoc.standalone.js").status_code == 404
    assert op.get("/docs/assets/..%2Fcore.py").status_code == 404
    assert op.get("/redoc").status_code == 404
