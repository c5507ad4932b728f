"""What every Schoolloket page shares: the start page, headers, and errors as pages."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from datastore import Datastore, StaffImportRow


def test_the_start_page_offers_to_log_in(client: TestClient) -> None:
    page = client.get("/schoolloket/")
    assert page.status_code == 200
    assert 'data-testid="login-start"' in page.text
    assert '<html lang="nl">' in page.text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
    assert client.get("/schoolloket/scholen/123456/instellingen").headers["location"] == (
        "/schoolloket/"
    )


def test_tabs_of_the_seed(logged_in: Callable[[str], TestClient]) -> None:
    page = logged_in("bert.beheerder").get("/schoolloket/scholen/123456/beheer").text
    tabs = [page.index(f'data-testid="tab-{t}"') for t in ("beheer", "applicaties", "instellingen")]
    assert tabs == sorted(tabs)
    for label in ("LeerID-beheer", "Applicatiebeheer", "Schoolinstellingen"):
        assert f">{label}</a>" in page
    assert 'data-testid="school-name">Sint-Jozefscollege Demo (123456)<' in page


def test_unknown_paths_are_pages_or_json(client: TestClient) -> None:
    page = client.get("/schoolloket/bestaat-niet")
    assert page.status_code == 404
    assert "Pagina niet gevonden" in page.text
    api = client.get("/schoolloket/api/v1/bestaat-niet")
    assert api.status_code == 404
    assert api.json()["error"] == "not_found"


def test_bad_form_input_is_a_page(logged_in: Callable[[str], TestClient]) -> None:
    client = logged_in("bert.beheerder")
    response = client.post(
        "/schoolloket/scholen/123456/applicaties/verbergen",
        data={"csrf_token": client.csrf_token, "visibility_id": "geen-getal"},
    )
    assert response.status_code == 400
    assert "Ongeldige invoer" in response.text


def test_staff_at_two_schools_choose_one(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    demo.schoolloket.import_staff(
        [StaffImportRow(2, "bert.beheerder", "654321", "beheerder")],
        new_account_password_hash="unused",
    )
    page = logged_in("bert.beheerder").get("/schoolloket/")
    assert page.status_code == 200
    assert 'data-testid="school-123456"' in page.text
    assert 'data-testid="school-654321"' in page.text
