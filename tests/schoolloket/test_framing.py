"""No Schoolloket response may be framed: CSP ``frame-ancestors`` and ``X-Frame-Options``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_pages_redirects_and_files_refuse_framing(
    client: TestClient, logged_in: Callable[[str], TestClient]
) -> None:
    responses = {
        "start page": client.get("/schoolloket/"),
        "redirect": client.get("/schoolloket/scholen/123456/instellingen"),
        "not found page": client.get("/schoolloket/bestaat-niet"),
        "stylesheet": client.get("/schoolloket/static/schoolloket.css"),
        "package API": client.get("/schoolloket/api/v1/niets"),
    }
    staff = logged_in("bert.beheerder")
    responses["staff page"] = staff.get("/schoolloket/scholen/123456/beheer")
    for what, response in responses.items():
        assert response.status_code < 500, what
        assert response.headers.get("x-frame-options") == "DENY", what
        assert response.headers.get("x-content-type-options") == "nosniff", what
    for what in ("start page", "not found page", "staff page"):
        csp = responses[what].headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in csp, (what, responses[what].status_code)
