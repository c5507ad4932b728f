"""Roles on the simulated clock's date, as staff see them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from datastore import Datastore, ImportRejected, StaffImportRow
from tests.databases import TemplateDatabases

BRUSSELS = ZoneInfo("Europe/Brussels")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, templates: TemplateDatabases) -> Iterator[str]:
    """The role rules on SQLite and on PostgreSQL."""
    with templates.fresh(request.param) as url:
        yield url


def _at(day: str, time: str = "12:00") -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=BRUSSELS)


def _roles(store: Datastore, username: str) -> dict[str, tuple[bool, bool]]:
    account = store.world.account_by_username(username)
    assert account is not None
    roles = store.schoolloket.staff_roles(account.id)
    return {r.school.instellingsnummer: (r.databeheerder, r.beheerder) for r in roles.schools}


def test_demo_staff_roles(demo: Datastore) -> None:
    assert _roles(demo, "dirk.directeur") == {"123456": (True, False)}
    assert _roles(demo, "bert.beheerder") == {"123456": (False, True)}
    assert _roles(demo, "ilse.interim") == {"654321": (True, False)}


def test_temporary_director_loses_the_right_on_1_september(demo: Datastore) -> None:
    demo.clock.set(_at("2026-08-31", "23:59"), frozen=True)
    assert _roles(demo, "ilse.interim") == {"654321": (True, False)}
    # Belgian midnight: 1 September has begun in Brussels while UTC is still on 31 August.
    demo.clock.set(_at("2026-09-01", "00:01"), frozen=True)
    assert _roles(demo, "ilse.interim") == {}


def test_a_new_assignment_from_the_bulk_upload_restores_it(demo: Datastore) -> None:
    demo.clock.set(_at("2026-09-07"), frozen=True)
    assert _roles(demo, "ilse.interim") == {}
    result = demo.schoolloket.import_staff(
        [
            StaffImportRow(
                line=2,
                username="ilse.interim",
                instellingsnummer="654321",
                rol="directeur",
                begindatum=dt.date(2026, 9, 1),
                einddatum=dt.date(2027, 8, 31),
            )
        ],
        new_account_password_hash="unused",
    )
    assert result.assignments_added == 1
    assert _roles(demo, "ilse.interim") == {"654321": (True, False)}
    # A permanent director: no end date, still there years later.
    demo.schoolloket.import_staff(
        [
            StaffImportRow(
                line=2,
                username="ilse.interim",
                instellingsnummer="654321",
                rol="directeur",
                begindatum=dt.date(2026, 9, 1),
                einddatum=None,
            )
        ],
        new_account_password_hash="unused",
    )
    demo.clock.set(_at("2031-01-15"), frozen=True)
    assert _roles(demo, "ilse.interim") == {"654321": (True, False)}


def test_an_unsent_assignment_gives_no_right(demo: Datastore) -> None:
    demo.schoolloket.import_staff(
        [
            StaffImportRow(
                line=2,
                username="bert.beheerder",
                instellingsnummer="123456",
                rol="directeur",
                begindatum=dt.date(2025, 9, 1),
                verstuurd=False,
            )
        ],
        new_account_password_hash="unused",
    )
    assert _roles(demo, "bert.beheerder") == {"123456": (False, True)}


def test_an_import_with_a_bad_line_changes_nothing(demo: Datastore) -> None:
    rows = [
        StaffImportRow(
            line=2,
            username="nieuwe.directeur",
            naam="Nieuw",
            voornaam="Directeur",
            instellingsnummer="654321",
            rol="directeur",
            begindatum=dt.date(2026, 1, 1),
        ),
        StaffImportRow(line=3, username="x", instellingsnummer="999999", rol="directeur"),
        StaffImportRow(line=4, username="jan.peeters", instellingsnummer="123456", rol="beheerder"),
    ]
    with pytest.raises(ImportRejected) as caught:
        demo.schoolloket.import_staff(rows, new_account_password_hash="unused")
    assert [n for n, _ in caught.value.errors] == [3, 4]
    assert demo.world.account_by_username("nieuwe.directeur") is None


def test_after_31_august_the_temporary_director_sees_no_rights(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("ilse.interim")
    assert client.get("/schoolloket/").headers["location"] == "/schoolloket/scholen/654321"
    page = client.get("/schoolloket/scholen/654321/instellingen")
    assert page.status_code == 200
    assert 'data-testid="sharing-activate"' in page.text

    demo.clock.set(_at("2026-09-01", "08:00"), frozen=True)
    client = logged_in("ilse.interim")  # sessions expire on the simulated clock too
    start = client.get("/schoolloket/")
    assert start.status_code == 200
    assert "Je hebt momenteel geen rol (meer) bij een school" in start.text
    assert "Kies een school" not in start.text
    refused = client.get("/schoolloket/scholen/654321/instellingen")
    assert refused.status_code == 403
    assert 'data-testid="forbidden"' in refused.text


def test_the_staff_account_is_found_by_its_account_uuid_only_while_active(
    demo: Datastore,
) -> None:
    """The Schoolloket names the account by the ``account_uuid`` claim of its own login."""
    dirk = demo.world.account_by_username("dirk.directeur")
    jan = demo.world.account_by_username("jan.peeters")
    assert dirk is not None
    assert jan is not None
    assert demo.schoolloket.staff_account_by_uuid(dirk.account_uuid) == dirk.id
    assert demo.schoolloket.staff_account_by_uuid(jan.account_uuid) is None  # a pupil
    for unknown in ("", "00000000-0000-4000-8000-000000000000", "x" * 400, "' OR 1=1 --"):
        assert demo.schoolloket.staff_account_by_uuid(unknown) is None
    demo.admin.update_account("dirk.directeur", {"status": "disabled"})
    assert demo.schoolloket.staff_account_by_uuid(dirk.account_uuid) is None
    demo.admin.update_account("dirk.directeur", {"status": "active"})
    assert demo.schoolloket.staff_account_by_uuid(dirk.account_uuid) == dirk.id
