"""CRUD of organisations, applications, clients, protocols, visibility, staff and roles."""

from __future__ import annotations

import typing

from starlette.testclient import TestClient

from datastore import ATTRIBUTES
from idp.admin.schemas_providers import Attribute

API = "/admin/api"


def test_the_attribute_vocabulary_is_the_datastores() -> None:
    assert set(typing.get_args(Attribute)) == set(ATTRIBUTES)


def test_organisation_application_protocol_client_lifecycle(admin: TestClient) -> None:
    organisation = admin.post(f"{API}/organisations", json={"name": "Uitgeverij Test"})
    assert organisation.status_code == 201
    assert admin.post(f"{API}/organisations", json={"name": "Uitgeverij Test"}).status_code == 409
    application = admin.post(
        f"{API}/applications",
        json={"key": "rekenapp", "name": "RekenApp", "organisation": "Uitgeverij Test"},
    )
    assert application.status_code == 201
    assert admin.get(f"{API}/applications/rekenapp").json()["organisation"] == "Uitgeverij Test"
    protocol = admin.post(
        f"{API}/protocols",
        json={
            "application": "rekenapp",
            "reference": "PROT-TEST-1",
            "attributes": ["leer_id_uuid", "account_uuid"],
            "purpose": "Aanmelden",
            "disclosure_legal_basis": "AVG art. 6.1.c",
            "processing_legal_basis": "AVG art. 6.1.f",
            "retention_days": 365,
        },
    )
    assert protocol.status_code == 201, protocol.text
    client = admin.post(
        f"{API}/clients",
        json={
            "client_id": "rekenapp",
            "application": "rekenapp",
            "redirect_uris": ["http://localhost:9000/callback"],
        },
    )
    assert client.status_code == 201, client.text
    secret = client.json()["client_secret"]
    assert secret
    assert len(secret) >= 32
    shown = admin.get(f"{API}/clients/rekenapp").json()
    assert shown["client_secret"] is None
    assert shown["has_secret"] is True
    assert secret not in admin.get(f"{API}/clients").text
    ended = admin.patch(f"{API}/protocols/rekenapp", json={"status": "ended"})
    assert ended.json()["status"] == "ended"
    assert ended.json()["status_changed_at"]
    assert admin.patch(f"{API}/protocols/rekenapp", json={"status": "paused"}).status_code == 422
    assert admin.delete(f"{API}/clients/rekenapp").status_code == 204
    assert admin.delete(f"{API}/protocols/rekenapp").status_code == 204
    assert admin.get(f"{API}/protocols/rekenapp").status_code == 404
    assert admin.delete(f"{API}/applications/rekenapp").status_code == 204
    org_id = organisation.json()["id"]
    renamed = admin.patch(f"{API}/organisations/{org_id}", json={"name": "Uitgeverij Nieuw"})
    assert renamed.json()["name"] == "Uitgeverij Nieuw"
    assert admin.delete(f"{API}/organisations/{org_id}").status_code == 204


def test_client_input_is_checked(admin: TestClient) -> None:
    taken = admin.post(
        f"{API}/clients",
        json={"client_id": "ididdit", "application": "ididdit", "redirect_uris": ["http://x/cb"]},
    )
    assert taken.status_code == 409
    no_uri = admin.post(
        f"{API}/clients", json={"client_id": "x", "application": "ididdit", "redirect_uris": []}
    )
    assert no_uri.status_code == 422
    assert "redirect_uris" in str(no_uri.json()["detail"][0]["loc"])
    bad_app = admin.post(
        f"{API}/clients",
        json={"client_id": "x", "application": "nergens", "redirect_uris": ["http://x/cb"]},
    )
    assert bad_app.status_code == 422
    assert bad_app.json()["detail"][0]["loc"] == ["body", "application"]
    public = admin.post(
        f"{API}/clients",
        json={
            "client_id": "spa-2",
            "application": "ididdit",
            "redirect_uris": ["http://localhost:9000/"],
            "token_endpoint_auth_method": "none",
        },
    )
    assert public.status_code == 201
    assert public.json()["client_secret"] is None
    rotated = admin.patch(
        f"{API}/clients/ididdit", json={"client_secret": "a-new-secret-of-length-32-chars!"}
    )
    assert rotated.json()["client_secret"] == "a-new-secret-of-length-32-chars!"
    assert admin.patch(f"{API}/clients/nergens", json={"name": "x"}).status_code == 404


def test_visibility_targets(admin: TestClient) -> None:
    to_pupil = admin.post(
        f"{API}/visibility", json={"application": "klasapp", "username": "sara.wouters"}
    )
    assert to_pupil.status_code == 201
    assert to_pupil.json()["target"] == "pupil"
    again = admin.post(
        f"{API}/visibility", json={"application": "klasapp", "username": "sara.wouters"}
    )
    assert again.status_code == 409
    to_class = admin.post(
        f"{API}/visibility", json={"application": "klasapp", "school": "123456", "klas": "3A"}
    )
    assert (to_class.json()["target"], to_class.json()["klas"]) == ("class", "3A")
    both = admin.post(
        f"{API}/visibility",
        json={"application": "klasapp", "username": "sara.wouters", "school": "123456"},
    )
    assert both.status_code == 422
    listed = admin.get(f"{API}/visibility", params={"application": "klasapp"}).json()
    assert to_pupil.json()["id"] in {v["id"] for v in listed}
    assert admin.delete(f"{API}/visibility/{to_pupil.json()['id']}").status_code == 204
    assert admin.get(f"{API}/visibility/{to_pupil.json()['id']}").status_code == 404


def test_staff_assignments_and_grants(admin: TestClient) -> None:
    staff = admin.post(
        f"{API}/staff",
        json={
            "naam": "Verhoeven",
            "voornaam": "Katrien",
            "account": {"username": "katrien.v", "password": "Personeel123!"},
        },
    )
    assert staff.status_code == 201
    assert staff.json()["accounts"] == ["katrien.v"]
    assignment = admin.post(
        f"{API}/director-assignments",
        json={"username": "katrien.v", "school": "654321", "start_date": "2026-09-01"},
    )
    assert assignment.status_code == 201, assignment.text
    assert assignment.json()["end_date"] is None
    ended = admin.patch(
        f"{API}/director-assignments/{assignment.json()['id']}", json={"end_date": "2027-08-31"}
    )
    assert ended.json()["end_date"] == "2027-08-31"
    backwards = admin.patch(
        f"{API}/director-assignments/{assignment.json()['id']}", json={"end_date": "2020-01-01"}
    )
    assert backwards.status_code == 422
    grant = admin.post(
        f"{API}/beheerder-grants", json={"username": "katrien.v", "school": "654321"}
    )
    assert grant.status_code == 201
    dup = admin.post(f"{API}/beheerder-grants", json={"username": "katrien.v", "school": "654321"})
    assert dup.status_code == 409
    pupil_as_staff = admin.post(
        f"{API}/beheerder-grants", json={"username": "jan.peeters", "school": "654321"}
    )
    assert pupil_as_staff.status_code == 422
    assert len(admin.get(f"{API}/beheerder-grants", params={"school": "654321"}).json()) >= 1
    assert admin.delete(f"{API}/beheerder-grants/{grant.json()['id']}").status_code == 204
    staff_id = staff.json()["id"]
    assert admin.patch(f"{API}/staff/{staff_id}", json={"email": "k@x.test"}).json()["email"]
    assert admin.delete(f"{API}/staff/{staff_id}").status_code == 204
    assert admin.get(f"{API}/director-assignments/{assignment.json()['id']}").status_code == 404
