"""The provider's hot-path questions (``store.world``), each one indexed statement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import yaml

from datastore import Datastore, NotFound, PasswordHashing
from datastore.worlds.load import load_world
from tests.databases import TemplateDatabases

WORLD = {
    "passwords": {"pupils": "pw", "staff": "pw"},
    "schools": [
        {
            "instellingsnummer": "100001",
            "name": "School Een",
            "admin_package": "informat",
            "classes": [{"name": "3B"}, {"name": "3B1", "parent": "3B"}, {"name": "4A"}],
            "class_sharing": {
                "active": True,
                "accepted_by": "dir.een",
                "protocol_version": "2024-1",
                "accepted_at": "2025-09-10T08:00:00Z",
            },
        },
        {"instellingsnummer": "100002", "name": "School Twee", "admin_package": "broekx"},
    ],
    "staff": [{"username": "dir.een", "naam": "Een", "voornaam": "Dir"}],
    "pupils": [
        {
            "naam": "Sub",
            "voornaam": "Klas",
            "insz": "11031400154",
            "leer_id_uuid": "7a1e0d5c-1f11-4c84-9d0e-5b0b4e6f0a01",
            "historiek": [
                "7a1e0d5c-1f11-4c84-9d0e-5b0b4e6f0a03",
                "7a1e0d5c-1f11-4c84-9d0e-5b0b4e6f0a02",
            ],
            "accounts": [
                {"username": "klas.sub", "account_uuid": "7a1e0d5c-1f11-4c84-9d0e-5b0b4e6f0a10"}
            ],
            "enrolments": [
                {"school": "100002", "start": "2025-09-01"},
                {"school": "100001", "class": "3B1", "start": "2024-09-01", "end": "2025-06-30"},
            ],
        },
        {
            "naam": "Ander",
            "voornaam": "Kind",
            "accounts": [
                {
                    "username": "kind.ander",
                    "account_uuid": "7a1e0d5c-1f11-4c84-9d0e-5b0b4e6f0a11",
                    "temporary": True,
                }
            ],
            "enrolments": [{"school": "100001", "class": "4A", "start": "2025-09-01"}],
        },
    ],
    "organisations": [
        {
            "name": "Org",
            "applications": [
                {
                    "key": "app",
                    "name": "App",
                    "protocol": {
                        "reference": "R",
                        "attributes": ["account_uuid", "klas"],
                        "purpose": "p",
                        "disclosure_legal_basis": "d",
                        "processing_legal_basis": "q",
                        "retention_days": 10,
                    },
                    "visibility": {
                        "classes": [{"school": "100001", "class": "3B"}],
                        "schools": ["100002"],
                    },
                    "clients": [
                        {
                            "client_id": "app",
                            "token_endpoint_auth_method": "none",
                            "redirect_uris": ["http://localhost:9/cb"],
                        }
                    ],
                },
                {"key": "other", "name": "Other"},
            ],
        }
    ],
}


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest,
    templates: TemplateDatabases,
    cheap_hashing: PasswordHashing,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Datastore]:
    """The world above, loaded once per backend; the tests only read it."""
    file = tmp_path_factory.mktemp("world") / "world.yaml"
    file.write_text(yaml.safe_dump(WORLD), encoding="utf-8")
    with templates.fresh(request.param) as url:
        store = Datastore.from_url(url)
        load_world(store, file, hashing=cheap_hashing)
        yield store
        store.dispose()


def _application(store: Datastore, client_id: str = "app") -> int:
    client = store.world.client(client_id)
    assert client is not None
    return client.application_id


def test_release_facts_of_a_pupil_in_a_subclass(world: Datastore) -> None:
    account = world.world.account_by_username("klas.sub")
    assert account is not None
    facts = world.world.release_facts(account.id, _application(world))
    assert facts.account == account
    assert facts.leer_id_uuid == "7a1e0d5c-1f11-4c84-9d0e-5b0b4e6f0a01"
    assert facts.has_insz
    # Historiek in the order the file lists it; enrolments by start date.
    assert facts.historiek_account_uuids == (
        "7a1e0d5c-1f11-4c84-9d0e-5b0b4e6f0a03",
        "7a1e0d5c-1f11-4c84-9d0e-5b0b4e6f0a02",
    )
    first, second = facts.enrolments
    assert (first.instellingsnummer, first.klas, first.end_date) == (
        "100001",
        "3B1",
        dt.date(2025, 6, 30),
    )
    assert first.class_sharing_active
    assert len(first.class_ids) == 2  # the subclass and its class
    assert (second.instellingsnummer, second.klas, second.class_ids) == ("100002", None, ())
    assert not second.class_sharing_active
    # A class target covers its subclasses.
    assert facts.visible_class_ids == {first.class_ids[1]}
    assert facts.visible_instellingsnummers == {"100002"}
    assert not facts.visible_to_pupil


def test_release_facts_of_a_temporary_account(world: Datastore) -> None:
    account = world.world.account_by_username("kind.ander")
    assert account is not None
    assert account.is_temporary
    facts = world.world.release_facts(account.id, _application(world))
    assert facts.leer_id_uuid is None
    assert not facts.has_insz
    assert facts.historiek_account_uuids == ()
    assert [e.klas for e in facts.enrolments] == ["4A"]
    # Visibility to class 3B and school 100002 does not reach a pupil of 4A at 100001.
    assert facts.visible_class_ids == frozenset()
    assert facts.visible_instellingsnummers == frozenset()


def test_release_facts_for_another_application_sees_no_visibility(world: Datastore) -> None:
    account = world.world.account_by_username("klas.sub")
    assert account is not None
    other = world.world.release_facts(account.id, 10_000)
    assert other.visible_class_ids == frozenset()
    assert other.visible_instellingsnummers == frozenset()
    assert len(other.enrolments) == 2


def test_release_facts_of_staff_and_of_a_missing_account(world: Datastore) -> None:
    staff = world.world.account_by_username("dir.een")
    assert staff is not None
    assert staff.is_staff
    facts = world.world.release_facts(staff.id, _application(world))
    assert (facts.leer_id_uuid, facts.enrolments, facts.visible_to_pupil) == (None, (), False)
    with pytest.raises(NotFound):
        world.world.release_facts(987_654, _application(world))


def test_account_lookups(world: Datastore) -> None:
    account = world.world.account_by_username("klas.sub")
    assert account is not None
    assert (account.naam, account.voornaam) == ("Sub", "Klas")
    assert world.world.account_by_uuid(account.account_uuid) == account
    assert world.world.account_by_id(account.id) == account
    assert world.world.account_by_username("nobody") is None
    with pytest.raises(NotFound):
        world.world.account_by_uuid("00000000-0000-0000-0000-000000000000")
    assert [c.client_id for c in world.world.clients()] == ["app"]


def test_hot_path_questions_are_one_statement_each(
    world: Datastore, caplog: pytest.LogCaptureFixture
) -> None:
    account = world.world.account_by_username("klas.sub")
    assert account is not None
    application_id = _application(world)
    world.engine.echo = True  # SQLAlchemy logs each statement it sends
    try:
        with caplog.at_level("INFO", logger="sqlalchemy.engine.Engine"):
            world.world.account_by_username("klas.sub")
            world.world.release_facts(account.id, application_id)
    finally:
        world.engine.echo = False
    statements = [r.getMessage() for r in caplog.records if r.getMessage().startswith("SELECT")]
    assert len(statements) == 2, statements
