"""LeerID-beheer: find pupils, reset passwords, distribution sheets."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable

from fastapi.testclient import TestClient

from datastore import Datastore, PasswordHashing
from tests.schoolloket.conftest import CHEAP

BASE = "/schoolloket/scholen/123456/beheer"
HASHING = PasswordHashing(CHEAP)


def _class_id(store: Datastore, name: str) -> int:
    return next(c.id for c in store.schoolloket.classes("123456") if c.name == name)


def _password_works(store: Datastore, username: str, password: str) -> bool:
    account = store.world.account_by_username(username)
    assert account is not None
    return HASHING.verify(account.password_hash, password)


def test_find_pupils_by_name_and_per_class(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("bert.beheerder")
    everyone = client.get(BASE).text
    for username in ("jan.peeters", "noah.tijdelijk", "sara.wouters", "emma.maes", "emma.maes2"):
        assert f'data-testid="pupil-row-{username}"' in everyone
    assert "lotte.janssens" not in everyone  # another school
    assert "ex.leerling" not in everyone  # enrolment ended 2026-06-30

    by_name = client.get(BASE, params={"q": "peet"}).text
    assert 'data-testid="pupil-row-jan.peeters"' in by_name
    assert 'data-testid="pupil-row-sara.wouters"' not in by_name

    class_3a = client.get(BASE, params={"klas": _class_id(demo, "3A")}).text
    assert 'data-testid="pupil-row-sara.wouters"' in class_3a
    assert 'data-testid="pupil-row-noah.tijdelijk"' in class_3a
    assert 'data-testid="pupil-row-jan.peeters"' not in class_3a
    log = demo.schoolloket.access_log(actor="bert.beheerder", action="leerlingen_zoeken")
    assert log.total == 3
    assert all(e.school == "123456" and e.purpose for e in log.items)


def test_without_class_sharing_there_is_no_class_filter(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    dirk = demo.world.account_by_username("dirk.directeur")
    assert dirk is not None
    demo.schoolloket.stop_class_sharing("123456", dirk.id)
    page = logged_in("bert.beheerder").get(BASE, params={"klas": _class_id(demo, "3A")}).text
    assert 'data-testid="no-class-filter"' in page
    assert 'data-testid="search-klas"' not in page
    assert 'data-testid="pupil-row-jan.peeters"' in page  # the filter is ignored
    assert ">3B<" not in page  # nor is the class shown


def test_reset_a_password_shows_it_once(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("bert.beheerder")
    jan = demo.world.account_by_username("jan.peeters")
    assert jan is not None
    response = client.post(
        f"{BASE}/wachtwoord",
        data={"csrf_token": client.csrf_token, "account_uuid": jan.account_uuid},
    )
    assert response.status_code == 200
    match = re.search(r'data-testid="new-password">([^<]+)<', response.text)
    assert match
    password = match.group(1)
    assert _password_works(demo, "jan.peeters", password)
    assert not _password_works(demo, "jan.peeters", "Leerling123!")
    assert demo.world.account_by_username("jan.peeters").password_hash.startswith("$argon2id$")  # type: ignore[union-attr]
    assert password not in client.get(BASE).text
    entry = demo.schoolloket.access_log(action="wachtwoord_herstellen").items[0]
    assert (entry.actor, entry.subject) == ("bert.beheerder", jan.account_uuid)


def test_reset_refuses_a_pupil_of_another_school(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("bert.beheerder")
    lotte = demo.world.account_by_username("lotte.janssens")
    assert lotte is not None
    response = client.post(
        f"{BASE}/wachtwoord",
        data={"csrf_token": client.csrf_token, "account_uuid": lotte.account_uuid},
    )
    assert response.status_code == 404
    assert _password_works(demo, "lotte.janssens", "Leerling123!")


def test_distribution_sheet_per_class_sets_fresh_initial_passwords(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("bert.beheerder")
    form = client.get(f"{BASE}/verdeling").text
    assert 'data-testid="distribution-klas"' in form
    sheet = client.post(
        f"{BASE}/verdeling",
        data={"csrf_token": client.csrf_token, "klas": _class_id(demo, "3A"), "formaat": "html"},
    )
    assert sheet.status_code == 200
    assert 'data-testid="sheet-3A"' in sheet.text
    passwords = dict(re.findall(r'data-testid="sheet-password-([^"]+)">([^<]+)<', sheet.text))
    assert set(passwords) == {"noah.tijdelijk", "sara.wouters"}
    for username, password in passwords.items():
        assert _password_works(demo, username, password)
        assert not _password_works(demo, username, "Leerling123!")
    # Distributed now: a second sheet of new or changed accounts for 3A has nobody left.
    empty = client.post(
        f"{BASE}/verdeling",
        data={"csrf_token": client.csrf_token, "klas": _class_id(demo, "3A")},
    )
    assert empty.status_code == 409
    # Printing again on purpose gives new passwords; the previous ones stop working.
    again = client.post(
        f"{BASE}/verdeling",
        data={
            "csrf_token": client.csrf_token,
            "klas": _class_id(demo, "3A"),
            "alle": "1",
            "formaat": "csv",
        },
    )
    assert again.status_code == 200
    assert again.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(again.text), delimiter=";"))
    assert {r["gebruikersnaam"] for r in rows} == {"noah.tijdelijk", "sara.wouters"}
    assert {r["klas"] for r in rows} == {"3A"}
    for row in rows:
        assert _password_works(demo, row["gebruikersnaam"], row["wachtwoord"])
        assert not _password_works(demo, row["gebruikersnaam"], passwords[row["gebruikersnaam"]])
    assert demo.schoolloket.access_log(action="verdeellijst_afdrukken").total == 2


def test_all_classes_get_a_page_each(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("bert.beheerder")
    sheet = client.post(f"{BASE}/verdeling", data={"csrf_token": client.csrf_token})
    assert 'data-testid="sheet-3A"' in sheet.text
    assert 'data-testid="sheet-3B"' in sheet.text
    assert 'data-testid="sheet-row-jan.peeters"' in sheet.text
