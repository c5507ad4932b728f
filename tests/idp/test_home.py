"""The landing page at ``/`` and Dutch 404/405 pages for browsers; JSON stays for API clients."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from datastore import Datastore
from leerid_sim.server import create_server_app
from tests.idp.conftest import provider_settings

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
API = {"Accept": "application/json"}


@pytest.fixture
def server(demo_store: Datastore, demo_url: str) -> Iterator[TestClient]:
    """The provider with the Schoolloket, as ``leerid-sim serve`` runs it (not in demo mode)."""
    app = create_server_app(provider_settings(demo_url))
    with TestClient(app, base_url="http://localhost:8000", follow_redirects=False) as client:
        yield client


@pytest.fixture
def demo(demo_store: Datastore, demo_url: str) -> Iterator[TestClient]:
    """The same in demo mode (``leerid-sim demo``)."""
    app = create_server_app(provider_settings(demo_url, demo_mode=True))
    with TestClient(app, base_url="http://localhost:8000", follow_redirects=False) as client:
        yield client


def test_the_landing_page_says_what_this_is_and_where_to_go(server: TestClient) -> None:
    page = server.get("/", headers=BROWSER)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert '<html lang="nl">' in page.text
    assert "simulator van ACM met LeerID" in page.text
    for link in (
        'href="/op/.well-known/openid-configuration"',
        'href="/schoolloket/"',
        'href="/docs"',
    ):
        assert link in page.text
    assert server.get("/op/.well-known/openid-configuration").status_code == 200
    # Not in demo mode: no personas, no passwords.
    assert "Leerling123!" not in page.text
    assert 'data-testid="demo-personas"' not in page.text


def test_in_demo_mode_the_landing_page_lists_the_personas(demo: TestClient) -> None:
    page = demo.get("/", headers=BROWSER)
    assert page.status_code == 200
    assert page.text.count('data-testid="demo-personas"') == 2
    for username in ("jan.peeters", "sara.wouters", "dirk.directeur", "ilse.interim"):
        assert f"<code>{username}</code>" in page.text
    assert "<code>Leerling123!</code>" in page.text
    assert "<code>Personeel123!</code>" in page.text


def test_api_clients_keep_json_at_the_root(server: TestClient) -> None:
    for headers in (API, {"Accept": "*/*"}):
        answer = server.get("/", headers=headers)
        assert answer.status_code == 404
        assert answer.json() == {"detail": "Not Found"}


def test_an_unknown_path_is_a_dutch_page_for_a_browser_and_json_for_others(
    server: TestClient,
) -> None:
    page = server.get("/bestaat-niet", headers=BROWSER)
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")
    assert "Pagina niet gevonden" in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    answer = server.get("/bestaat-niet", headers=API)
    assert answer.status_code == 404
    assert answer.json() == {"detail": "Not Found"}


def test_a_get_of_the_login_form_is_a_dutch_405_page_with_allow(server: TestClient) -> None:
    page = server.get("/op/v1/login", headers=BROWSER)
    assert page.status_code == 405
    assert "Dat kan hier niet" in page.text
    assert "POST" in page.headers["allow"]
    answer = server.get("/op/v1/login", headers=API)
    assert answer.status_code == 405
    assert answer.json() == {"detail": "Method Not Allowed"}
    assert "POST" in answer.headers["allow"]


def test_the_admin_apis_own_errors_stay_json_for_a_browser(server: TestClient) -> None:
    answer = server.get("/admin/api/clock", headers=BROWSER)
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith("application/json")
    assert answer.headers["www-authenticate"].startswith("Bearer")


def test_the_schoolloket_answers_an_unknown_method_in_dutch(server: TestClient) -> None:
    page = server.delete("/schoolloket/", headers=BROWSER)
    assert page.status_code == 405
    assert "Method Not Allowed" not in page.text
    assert "Dat kan hier niet" in page.text
