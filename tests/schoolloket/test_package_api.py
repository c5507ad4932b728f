"""The administration-package link: per-school API keys, pupil list, INSZ look-up, drop server."""

from __future__ import annotations

from fastapi.testclient import TestClient

from datastore import Datastore

API = "/schoolloket/api/v1/scholen"
KEY = {"Authorization": "Bearer informat-123456-demo-key"}
JAN_INSZ = "11031401738"
JAN_LEER_ID = "814f2e42-3f55-43e0-bc62-bba3ef1d008a"
NOAH_ACCOUNT = "4532ebe1-1814-422a-b28e-ce05ede78b10"
SARA_LEER_ID = "8241a73e-cc45-44ce-9062-a8a0ebb4f07a"
LOTTE_LEER_ID = "5cb1c28c-502d-4f84-bc38-d3a7e4c12948"


def _klas(store: Datastore, username: str) -> str | None:
    account = store.world.account_by_username(username)
    assert account is not None
    klasapp = store.world.client("klasapp")
    assert klasapp is not None
    facts = store.world.release_facts(account.id, klasapp.application_id)
    current = [e for e in facts.enrolments if e.current_on(store.clock.today())]
    return current[0].klas if current else None


def test_the_api_key_is_per_school(client: TestClient) -> None:
    missing = client.get(f"{API}/123456/leerlingen")
    assert missing.status_code == 401
    assert missing.json()["error"] == "invalid_token"
    assert "Bearer" in missing.headers["www-authenticate"]
    wrong = client.get(f"{API}/123456/leerlingen", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    other_school = client.get(
        f"{API}/123456/leerlingen", headers={"Authorization": "Bearer broekx-654321-demo-key"}
    )
    assert other_school.status_code == 401
    assert client.get(f"{API}/999999/leerlingen", headers=KEY).status_code == 401


def test_pupils_are_listed_with_leer_id_uuid_or_else_account_uuid(
    client: TestClient, demo: Datastore
) -> None:
    response = client.get(f"{API}/123456/leerlingen", headers=KEY)
    assert response.status_code == 200
    pupils = response.json()["leerlingen"]
    assert {"leer_id_uuid": JAN_LEER_ID, "naam": "Peeters", "voornaam": "Jan"} in pupils
    assert {"account_uuid": NOAH_ACCOUNT, "naam": "Tijdelijk", "voornaam": "Noah"} in pupils
    assert all("insz" not in p for p in pupils)
    assert LOTTE_LEER_ID not in response.text  # another school
    assert "Leerling" not in {p["naam"] for p in pupils}  # ex.leerling's enrolment ended
    entry = demo.schoolloket.access_log(actor_kind="package").items[0]
    assert (entry.actor, entry.action, entry.school) == (
        "informat@123456",
        "leerlingen_opvragen",
        "123456",
    )


def test_look_up_identified_pupils_by_insz(client: TestClient, demo: Datastore) -> None:
    response = client.post(
        f"{API}/123456/leerlingen/opzoeken", headers=KEY, json={"insz": [JAN_INSZ, "00000000097"]}
    )
    assert response.status_code == 200
    found, unknown = response.json()["resultaten"]
    assert found == {
        "insz": JAN_INSZ,
        "gevonden": True,
        "leer_id_uuid": JAN_LEER_ID,
        "naam": "Peeters",
        "voornaam": "Jan",
    }
    assert unknown == {"insz": "00000000097", "gevonden": False}
    assert JAN_INSZ not in (demo.schoolloket.access_log().items[0].subject or "")
    bad = client.post(f"{API}/123456/leerlingen/opzoeken", headers=KEY, json={"insz": ["12"]})
    assert bad.status_code == 400
    assert bad.json()["error"] == "invalid_request"


def test_the_drop_server_applies_good_lines_and_reports_the_others(
    client: TestClient, demo: Datastore
) -> None:
    content = (
        "leer_id_uuid;account_uuid;insz;klas\n"
        f"{JAN_LEER_ID};;;3A\n"  # 2: good (moves Jan from 3B to 3A)
        f";{NOAH_ACCOUNT};;3B\n"  # 3: good, a pupil without LeerID
        f";;{JAN_INSZ};3B\n"  # 4: Jan again
        f"{SARA_LEER_ID};;;9Z\n"  # 5: no such class
        f"{LOTTE_LEER_ID};;;3A\n"  # 6: not enrolled here
        "00000000-0000-4000-8000-000000000000;;;3A\n"  # 7: unknown
        "not-a-uuid;;;3A\n"  # 8: malformed
        f"{SARA_LEER_ID};{NOAH_ACCOUNT};;3A\n"  # 9: two different pupils
        ";;;3A\n"  # 10: no identifier
    ).encode()
    generation = demo.clock.generation()
    response = client.post(
        f"{API}/123456/klasinformatie",
        headers={**KEY, "Content-Type": "text/csv"},
        content=content,
    )
    assert response.status_code == 200
    report = response.json()
    assert report["applied"] == 2
    assert report["lines"] == 9
    assert report["already_received"] is False
    assert [r["line"] for r in report["rejected"]] == [4, 5, 6, 7, 8, 9, 10]
    reasons = {r["line"]: r["reason"] for r in report["rejected"]}
    assert "line 2" in reasons[4]
    assert "9Z" in reasons[5]
    assert reasons[6] == reasons[7] == reasons[9] == "geen leerling van deze school"
    assert _klas(demo, "jan.peeters") == "3A"
    assert _klas(demo, "noah.tijdelijk") == "3B"
    assert demo.clock.generation() > generation

    # The same file again changes nothing and answers the first report.
    again = client.post(f"{API}/123456/klasinformatie", headers=KEY, content=content)
    assert again.json() == {**report, "already_received": True}
    assert _klas(demo, "jan.peeters") == "3A"


def test_a_drop_file_is_applied_all_or_nothing(client: TestClient, demo: Datastore) -> None:
    empty = client.post(f"{API}/123456/klasinformatie", headers=KEY, content=b"")
    assert empty.status_code == 400
    assert empty.json()["error"] == "invalid_file"
    header = client.post(f"{API}/123456/klasinformatie", headers=KEY, content=b"naam;klas\nx;3A\n")
    assert header.status_code == 400
    assert _klas(demo, "jan.peeters") == "3B"


def test_multipart_upload_and_comma_separated(client: TestClient, demo: Datastore) -> None:
    content = f"leer_id_uuid,klas\n{SARA_LEER_ID},3B\n".encode()
    response = client.post(
        f"{API}/123456/klasinformatie",
        headers=KEY,
        files={"file": ("klassen.csv", content, "text/csv")},
    )
    assert response.status_code == 200
    assert response.json()["applied"] == 1
    assert _klas(demo, "sara.wouters") == "3B"


def test_nothing_while_the_school_does_not_share_class_information(client: TestClient) -> None:
    broekx = {"Authorization": "Bearer broekx-654321-demo-key"}
    listed = client.get(f"{API}/654321/leerlingen", headers=broekx)
    assert listed.status_code == 409
    assert listed.json()["error"] == "class_sharing_inactive"
    dropped = client.post(
        f"{API}/654321/klasinformatie",
        headers=broekx,
        content=f"leer_id_uuid;klas\n{LOTTE_LEER_ID};5A\n".encode(),
    )
    assert dropped.status_code == 409


LOTTE_INSZ = "15060204290"  # a pupil of school 654321, not of 123456
UNKNOWN_INSZ = "00000000097"  # valid check digits, nobody's


def _reasons(client: TestClient, content: str) -> dict[int, str]:
    response = client.post(
        f"{API}/123456/klasinformatie",
        headers={**KEY, "Content-Type": "text/csv"},
        content=content.encode(),
    )
    assert response.status_code == 200, response.text
    return {r["line"]: r["reason"] for r in response.json()["rejected"]}


def test_the_drop_server_tells_nothing_about_pupils_of_other_schools(client: TestClient) -> None:
    """Another school's pupil, a matching INSZ/leer_id_uuid pair of that pupil, a mismatched
    pair and identifiers of nobody all get one and the same answer: no oracle across schools."""
    reasons = _reasons(
        client,
        "leer_id_uuid;insz;klas\n"
        f"{LOTTE_LEER_ID};{LOTTE_INSZ};3A\n"  # 2: a true pair, of another school
        f"{LOTTE_LEER_ID};{UNKNOWN_INSZ};3A\n"  # 3: a false pair, of another school
        f";{LOTTE_INSZ};3A\n"  # 4: an INSZ of another school
        f";{UNKNOWN_INSZ};3A\n"  # 5: an INSZ of nobody
        "00000000-0000-4000-8000-000000000000;;3A\n"  # 6: a leer_id_uuid of nobody
        f"{JAN_LEER_ID};{LOTTE_INSZ};3A\n",  # 7: own pupil paired with another school's INSZ
    )
    assert set(reasons) == {2, 3, 4, 5, 6, 7}
    assert set(reasons.values()) == {"geen leerling van deze school"}


def test_the_drop_server_identifies_among_the_schools_pupils_only(
    client: TestClient, demo: Datastore
) -> None:
    reasons = _reasons(client, f"leer_id_uuid;insz;klas\n{JAN_LEER_ID.upper()};{JAN_INSZ};3A\n")
    assert reasons == {}
    assert _klas(demo, "jan.peeters") == "3A"
    entry = demo.schoolloket.access_log().items[0]
    assert "1 toegepast, 0 geweigerd" in (entry.subject or "")
    assert JAN_INSZ not in (entry.subject or "")
    assert JAN_LEER_ID not in (entry.subject or "")


def test_a_drop_file_with_a_huge_field_or_too_many_lines_is_invalid_file(
    client: TestClient,
) -> None:
    from schoolloket.dropfile import MAX_LINES

    huge = client.post(
        f"{API}/123456/klasinformatie",
        headers={**KEY, "Content-Type": "text/csv"},
        content=b'insz;klas\n"' + b"1" * (200 * 1024) + b'";3A\n',
    )
    assert huge.status_code == 400
    assert huge.json()["error"] == "invalid_file"
    rows = "".join(f";{UNKNOWN_INSZ};3A\n" for _ in range(MAX_LINES + 1))
    many = client.post(
        f"{API}/123456/klasinformatie",
        headers={**KEY, "Content-Type": "text/csv"},
        content=f"leer_id_uuid;insz;klas\n{rows}".encode(),
    )
    assert many.status_code == 400
    assert many.json()["error"] == "invalid_file"
    assert str(MAX_LINES) in many.json()["error_description"]


def test_non_ascii_digits_are_not_an_insz(client: TestClient) -> None:
    """Superscript digits pass str.isdigit() but are no INSZ: a refused line, never a 500."""
    reasons = _reasons(client, "insz;klas\n" + "\u00b2" * 11 + ";3A\n")
    assert list(reasons) == [2]
    assert "INSZ" in reasons[2]
    lookup = client.post(
        f"{API}/123456/leerlingen/opzoeken", headers=KEY, json={"insz": ["\u00b9" * 11]}
    )
    assert lookup.status_code == 400
    assert lookup.json()["error"] == "invalid_request"
