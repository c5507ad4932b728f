"""The Schoolloket's records through the admin API: the access log and the weekly staff upload."""

from __future__ import annotations

from fastapi.testclient import TestClient

from datastore import Datastore
from schoolloket import create_schoolloket

API = "/admin/api"
PACKAGE_KEY = {"Authorization": "Bearer informat-123456-demo-key"}
UPLOAD = (
    "username;instellingsnummer;rol;begindatum;einddatum;verstuurd;naam;voornaam;email\n"
    "ilse.interim;654321;directeur;2026-09-01;2027-08-31;ja;;;\n"
)


def _store(admin: TestClient) -> Datastore:
    store: Datastore = admin.app.state.store
    return store


def _databeheerder(store: Datastore, username: str, school: str = "654321") -> bool:
    account = store.world.account_by_username(username)
    assert account is not None
    roles = store.schoolloket.staff_roles(account.id).at(school)
    return roles is not None and roles.databeheerder


def _set_clock(admin: TestClient, now: str) -> None:
    response = admin.put(f"{API}/clock", json={"now": now, "frozen": True})
    assert response.status_code == 200, response.text


def _search_as_bert(store: Datastore, query: str = "") -> None:
    bert = store.world.account_by_username("bert.beheerder")
    assert bert is not None
    store.schoolloket.find_pupils("123456", bert.id, query=query)


def test_both_routes_need_the_admin_token(admin: TestClient) -> None:
    bare = {"Authorization": ""}
    for response in (
        admin.get(f"{API}/access-log", headers=bare),
        admin.post(
            f"{API}/staff/import", content=UPLOAD, headers={**bare, "Content-Type": "text/csv"}
        ),
    ):
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
    wrong = admin.get(f"{API}/access-log", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401


def test_a_package_call_and_a_staff_search_appear_in_the_access_log(admin: TestClient) -> None:
    store = _store(admin)
    _set_clock(admin, "2026-08-24T12:00:00+02:00")
    assert admin.get(f"{API}/access-log").json()["total"] == 0
    package_link = create_schoolloket(admin.app.state.settings, store)
    with TestClient(package_link) as schoolloket:
        pupils = schoolloket.get("/api/v1/scholen/123456/leerlingen", headers=PACKAGE_KEY)
    assert pupils.status_code == 200, pupils.text
    _set_clock(admin, "2026-08-24T12:05:00+02:00")
    _search_as_bert(store, "peeters")

    page = admin.get(f"{API}/access-log").json()
    assert page["total"] == 2
    search, package = page["items"]  # newest first
    assert search["actor_kind"] == "staff"
    assert search["actor"] == "bert.beheerder"
    assert search["action"] == "leerlingen_zoeken"
    assert search["school"] == "123456"
    assert "peeters" in search["subject"]
    assert search["at"].startswith("2026-08-24T10:05:00")
    assert "accountbeheer" in search["purpose"]
    assert package["actor_kind"] == "package"
    assert package["actor"] == "informat@123456"
    assert package["action"] == "leerlingen_opvragen"
    assert "klasinformatie" in package["purpose"]


def test_access_log_filters_and_paging(admin: TestClient) -> None:
    store = _store(admin)
    for minute in range(5):
        _set_clock(admin, f"2026-08-24T10:0{minute}:00Z")
        _search_as_bert(store, f"zoek{minute}")
    all_entries = admin.get(f"{API}/access-log").json()
    assert all_entries["total"] == 5
    assert [e["subject"].split("'")[1] for e in all_entries["items"]] == [
        "zoek4",
        "zoek3",
        "zoek2",
        "zoek1",
        "zoek0",
    ]
    window = admin.get(
        f"{API}/access-log",
        params={"since": "2026-08-24T12:01:00+02:00", "until": "2026-08-24T10:03:00Z"},
    ).json()
    assert [e["subject"].split("'")[1] for e in window["items"]] == ["zoek2", "zoek1"]
    paged = admin.get(f"{API}/access-log", params={"offset": 1, "limit": 2}).json()
    assert paged["total"] == 5
    assert (paged["offset"], paged["limit"]) == (1, 2)
    assert [e["subject"].split("'")[1] for e in paged["items"]] == ["zoek3", "zoek2"]
    for params, total in (
        ({"school": "123456"}, 5),
        ({"school": "654321"}, 0),
        ({"actor": "bert.beheerder"}, 5),
        ({"actor": "dirk.directeur"}, 0),
        ({"actor_kind": "staff"}, 5),
        ({"actor_kind": "package"}, 0),
        ({"action": "leerlingen_zoeken"}, 5),
        ({"action": "wachtwoord_herstellen"}, 0),
    ):
        assert admin.get(f"{API}/access-log", params=params).json()["total"] == total, params
    for params in (
        {"since": "2026-08-24T10:00:00"},  # no time zone
        {"school": "12345"},
        {"actor_kind": "robot"},
        {"limit": 0},
        {"offset": -1},
    ):
        bad = admin.get(f"{API}/access-log", params=params)
        assert bad.status_code == 422, params
        assert bad.json()["detail"][0]["loc"] == ["query", next(iter(params))]


def test_the_weekly_upload_restores_ilse_after_31_august(admin: TestClient) -> None:
    store = _store(admin)
    _set_clock(admin, "2026-08-31T20:00:00+02:00")
    assert _databeheerder(store, "ilse.interim")
    _set_clock(admin, "2026-09-02T09:00:00+02:00")
    assert not _databeheerder(store, "ilse.interim")

    imported = admin.post(
        f"{API}/staff/import", content=UPLOAD, headers={"Content-Type": "text/csv; charset=utf-8"}
    )
    assert imported.status_code == 200, imported.text
    assert imported.json() == {
        "staff_created": 0,
        "assignments_added": 1,
        "assignments_updated": 0,
        "grants_added": 0,
        "unchanged": 0,
    }
    assert _databeheerder(store, "ilse.interim")
    listed = admin.get(f"{API}/director-assignments", params={"school": "654321"}).json()
    assert any(a["start_date"] == "2026-09-01" and a["end_date"] == "2027-08-31" for a in listed)
    # The same upload again (here as YAML) changes nothing.
    again = admin.post(
        f"{API}/staff/import",
        content=(
            "staff:\n  - {username: ilse.interim, instellingsnummer: '654321', rol: directeur,\n"
            "     begindatum: 2026-09-01, einddatum: 31/08/2027}\n"
        ),
        headers={"Content-Type": "application/yaml"},
    )
    assert again.status_code == 200, again.text
    assert again.json()["unchanged"] == 1
    _set_clock(admin, "2027-09-01T09:00:00+02:00")
    assert not _databeheerder(store, "ilse.interim")


def test_json_rows_make_a_new_staff_member_with_the_staff_password(admin: TestClient) -> None:
    store = _store(admin)
    imported = admin.post(
        f"{API}/staff/import",
        json={
            "rows": [
                {
                    "username": "nieuwe.beheerder",
                    "instellingsnummer": "654321",
                    "rol": "beheerder",
                    "naam": "Nieuw",
                    "voornaam": "Beheerder",
                },
                {"username": "bert.beheerder", "instellingsnummer": 654321, "rol": "beheerder"},
            ]
        },
    )
    assert imported.status_code == 200, imported.text
    assert imported.json()["staff_created"] == 1
    assert imported.json()["grants_added"] == 2
    new = store.world.account_by_username("nieuwe.beheerder")
    assert new is not None
    assert new.is_staff
    hashing = admin.app.state.provider.hashing
    assert hashing.verify(new.password_hash, "Personeel123!")
    roles = store.schoolloket.staff_roles(new.id).at("654321")
    assert roles is not None
    assert roles.beheerder


def test_a_bad_upload_is_422_with_every_line_and_changes_nothing(admin: TestClient) -> None:
    before = admin.get(f"{API}/director-assignments").json()
    staff_before = admin.get(f"{API}/staff").json()
    bad = (
        "username;instellingsnummer;rol;begindatum;einddatum\n"
        "ilse.interim;654321;directeur;2026-09-01;2027-08-31\n"  # good, but not applied
        "ilse.interim;999999;directeur;2026-09-01;\n"
        "nieuw.iemand;654321;directeur;2026-09-01;\n"
        "ilse.interim;654321;directeur;morgen;\n"
        "jan.peeters;654321;beheerder;;\n"
    )
    response = admin.post(f"{API}/staff/import", content=bad, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    rejected = response.json()["rejected"]
    assert [r["line"] for r in rejected] == [5]  # unreadable lines first, then the world
    assert "not a date" in rejected[0]["reason"]
    assert response.json()["detail"][0]["loc"] == ["body", "line", 5]

    readable = bad.replace("morgen", "2026-09-01")
    response = admin.post(
        f"{API}/staff/import", content=readable, headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 422
    reasons = {r["line"]: r["reason"] for r in response.json()["rejected"]}
    assert set(reasons) == {3, 4, 6}
    assert "unknown school" in reasons[3]
    assert "needs naam and voornaam" in reasons[4]
    assert "pupil" in reasons[6]
    assert admin.get(f"{API}/director-assignments").json() == before
    assert admin.get(f"{API}/staff").json() == staff_before

    for content, media, status in (
        ("", "text/csv", 422),
        ("staff: [", "application/yaml", 422),
        ("staff: 3", "application/x-yaml", 422),
        ("- {username: [a, b], rol: beheerder}", "application/yaml", 422),
        ("username;rol\n", "text/csv", 422),
        (UPLOAD, "text/plain", 415),
        ('{"rows": []}', "application/json", 422),
        ('{"rows": [{}], "extra": 1}', "application/json", 422),
    ):
        response = admin.post(
            f"{API}/staff/import", content=content, headers={"Content-Type": media}
        )
        assert response.status_code == status, (content, response.text)
    nested = admin.post(
        f"{API}/staff/import",
        content="- {username: [a, b], rol: beheerder}",
        headers={"Content-Type": "application/yaml"},
    )
    assert nested.json()["rejected"] == [
        {"line": 1, "reason": "username: expected one value, not a list or map"}
    ]
    not_utf8 = admin.post(
        f"{API}/staff/import", content=UPLOAD.encode("utf-16"), headers={"Content-Type": "text/csv"}
    )
    assert not_utf8.status_code == 422
    assert admin.get(f"{API}/director-assignments").json() == before
