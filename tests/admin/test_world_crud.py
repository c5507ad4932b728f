"""CRUD of schools, classes, pupils, accounts and enrolments through the admin API."""

from __future__ import annotations

from starlette.testclient import TestClient

API = "/admin/api"
OLD_UUID = "00000000-0000-4000-8000-000000000001"


def field_of(response: object) -> list[str]:
    """The field names a 422 answer points at."""
    detail = response.json()["detail"]  # type: ignore[attr-defined]
    return [str(part) for item in detail for part in item["loc"][1:]]


def test_schools_crud_by_instellingsnummer(admin: TestClient) -> None:
    numbers = [s["instellingsnummer"] for s in admin.get(f"{API}/schools").json()]
    assert {"123456", "654321"} <= set(numbers)
    created = admin.post(
        f"{API}/schools",
        json={"instellingsnummer": "111111", "name": "Atheneum Test", "admin_package": "broekx"},
    )
    assert created.status_code == 201
    assert created.json()["class_sharing_active"] is False
    assert admin.get(f"{API}/schools/111111").json()["name"] == "Atheneum Test"
    changed = admin.patch(f"{API}/schools/111111", json={"name": "Atheneum Nieuw"})
    assert changed.json()["name"] == "Atheneum Nieuw"
    assert admin.delete(f"{API}/schools/111111").status_code == 204
    assert admin.get(f"{API}/schools/111111").status_code == 404


def test_school_bad_input_names_the_field(admin: TestClient) -> None:
    response = admin.post(f"{API}/schools", json={"instellingsnummer": "12345", "name": "X"})
    assert response.status_code == 422
    assert "instellingsnummer" in field_of(response)
    typo = admin.post(f"{API}/schools", json={"instellingsnummer": "222222", "nmae": "X"})
    assert typo.status_code == 422
    assert "nmae" in field_of(typo)


def test_duplicate_instellingsnummer_is_409(admin: TestClient) -> None:
    response = admin.post(f"{API}/schools", json={"instellingsnummer": "123456", "name": "Dup"})
    assert response.status_code == 409
    assert "123456" in response.json()["detail"]


def test_class_sharing_needs_broekx_or_informat(admin: TestClient) -> None:
    admin.post(
        f"{API}/schools",
        json={"instellingsnummer": "333333", "name": "Andere", "admin_package": "smartschool"},
    )
    refused = admin.put(f"{API}/schools/333333/class-sharing", json={"active": True})
    assert refused.status_code == 409
    assert "broekx" in refused.json()["detail"]
    on = admin.put(
        f"{API}/schools/654321/class-sharing",
        json={"active": True, "username": "ilse.interim"},
    )
    assert on.status_code == 200
    assert on.json()["active"] is True
    assert on.json()["acceptances"][-1]["stopped_at"] is None
    off = admin.put(f"{API}/schools/654321/class-sharing", json={"active": False})
    assert off.json()["active"] is False
    assert off.json()["acceptances"][-1]["stopped_at"] is not None
    unknown = admin.put(
        f"{API}/schools/654321/class-sharing", json={"active": True, "username": "niemand"}
    )
    assert unknown.status_code == 422
    assert "username" in field_of(unknown)


def test_classes_and_subclasses(admin: TestClient) -> None:
    sub = admin.post(f"{API}/classes", json={"school": "123456", "name": "3B1", "parent": "3B"})
    assert sub.status_code == 201
    assert sub.json()["parent"] == "3B"
    names = {c["name"] for c in admin.get(f"{API}/classes", params={"school": "123456"}).json()}
    assert {"3A", "3B", "3B1"} <= names
    renamed = admin.patch(f"{API}/classes/{sub.json()['id']}", json={"name": "3B-a"})
    assert renamed.json()["name"] == "3B-a"
    bad_parent = admin.post(
        f"{API}/classes", json={"school": "123456", "name": "X", "parent": "9Z"}
    )
    assert bad_parent.status_code == 422
    assert "parent" in field_of(bad_parent)
    unknown_school = admin.post(f"{API}/classes", json={"school": "999999", "name": "1A"})
    assert unknown_school.status_code == 422
    assert "school" in field_of(unknown_school)
    assert admin.post(f"{API}/classes", json={"school": "123456", "name": "3A"}).status_code == 409
    assert admin.delete(f"{API}/classes/{sub.json()['id']}").status_code == 204
    assert admin.get(f"{API}/classes/{sub.json()['id']}").status_code == 404


def test_pupil_with_account_and_enrolment(admin: TestClient) -> None:
    created = admin.post(
        f"{API}/pupils",
        json={
            "naam": "Claes",
            "voornaam": "Mila",
            "insz": "12010112345",
            "account": {"username": "mila.claes", "password": "Leerling123!"},
            "enrolment": {"school": "123456", "klas": "3B", "start_date": "2025-09-01"},
        },
    )
    assert created.status_code == 201, created.text
    pupil = created.json()
    assert pupil["leer_id_uuid"]
    assert pupil["accounts"] == ["mila.claes"]
    account = admin.get(f"{API}/accounts/mila.claes").json()
    assert "password" not in str(account)
    assert account["is_temporary"] is False
    assert admin.get(f"{API}/accounts/{account['account_uuid']}").json()["username"] == (
        "mila.claes"
    )
    enrolments = admin.get(f"{API}/enrolments", params={"pupil_id": pupil["id"]}).json()
    assert [(e["school"], e["klas"]) for e in enrolments] == [("123456", "3B")]
    changed = admin.patch(
        f"{API}/pupils/{pupil['id']}",
        json={
            "voornaam": "Milan",
            "historiek_account_uuids": ["00000000-0000-4000-8000-000000000001"],
        },
    )
    assert changed.json()["voornaam"] == "Milan"
    assert changed.json()["historiek_account_uuids"] == [OLD_UUID]
    assert admin.delete(f"{API}/pupils/{pupil['id']}").status_code == 204
    assert admin.get(f"{API}/accounts/mila.claes").status_code == 404


def test_pupil_without_insz_gets_a_temporary_account(admin: TestClient) -> None:
    created = admin.post(
        f"{API}/pupils",
        json={
            "naam": "Nieuw",
            "voornaam": "Tijdelijk",
            "account": {"username": "t.nieuw", "password": "x"},
        },
    )
    assert created.json()["leer_id_uuid"] is None
    assert admin.get(f"{API}/accounts/t.nieuw").json()["is_temporary"] is True
    refused = admin.post(
        f"{API}/pupils",
        json={"naam": "A", "voornaam": "B", "leer_id_uuid": "00000000-0000-4000-8000-00000000000a"},
    )
    assert refused.status_code == 422
    assert "leer_id_uuid" in field_of(refused)


def test_duplicate_username_is_409(admin: TestClient) -> None:
    response = admin.post(
        f"{API}/accounts", json={"pupil_id": 1, "username": "jan.peeters", "password": "x"}
    )
    assert response.status_code == 409
    assert "jan.peeters" in response.json()["detail"]


def test_accounts_crud_never_shows_a_hash(admin: TestClient) -> None:
    jan = admin.get(f"{API}/accounts/jan.peeters").json()
    created = admin.post(
        f"{API}/accounts",
        json={"pupil_id": jan["pupil_id"], "username": "jan.peeters3", "password": "Geheim1!"},
    )
    assert created.status_code == 201
    assert "argon2" not in created.text
    listing = admin.get(f"{API}/accounts", params={"kind": "pupil", "limit": 1000})
    assert "argon2" not in listing.text
    assert "jan.peeters3" in {a["username"] for a in listing.json()}
    disabled = admin.patch(f"{API}/accounts/jan.peeters3", json={"status": "disabled"})
    assert disabled.json()["status"] == "disabled"
    assert admin.patch(f"{API}/accounts/jan.peeters3", json={"status": "gone"}).status_code == 422
    assert admin.delete(f"{API}/accounts/jan.peeters3").status_code == 204
    assert admin.delete(f"{API}/accounts/jan.peeters3").status_code == 404
    orphan = admin.post(
        f"{API}/accounts", json={"pupil_id": 99999, "username": "x", "password": "x"}
    )
    assert orphan.status_code == 422
    assert "pupil_id" in field_of(orphan)


def test_enrolments_crud(admin: TestClient) -> None:
    created = admin.post(
        f"{API}/enrolments",
        json={"username": "lotte.janssens", "school": "123456", "start_date": "2026-09-01"},
    )
    assert created.status_code == 201, created.text
    enrolment_id = created.json()["id"]
    moved = admin.patch(f"{API}/enrolments/{enrolment_id}", json={"klas": "3A"})
    assert moved.json()["klas"] == "3A"
    backwards = admin.patch(f"{API}/enrolments/{enrolment_id}", json={"end_date": "2020-01-01"})
    assert backwards.status_code == 422
    assert "end_date" in field_of(backwards)
    bad_date = admin.post(
        f"{API}/enrolments",
        json={"username": "lotte.janssens", "school": "123456", "start_date": "gisteren"},
    )
    assert bad_date.status_code == 422
    assert "start_date" in field_of(bad_date)
    assert admin.get(f"{API}/enrolments/{enrolment_id}").json()["school"] == "123456"
    assert admin.delete(f"{API}/enrolments/{enrolment_id}").status_code == 204
    assert admin.get(f"{API}/enrolments/{enrolment_id}").status_code == 404


def test_unknown_ids_are_404(admin: TestClient) -> None:
    for path in ("pupils/99999", "classes/99999", "enrolments/99999", "schools/999999"):
        assert admin.get(f"{API}/{path}").status_code == 404, path
    assert admin.get(f"{API}/accounts/niemand").status_code == 404
