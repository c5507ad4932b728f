"""A bad world file gets an error naming the file, the path inside it and the reason; it loads
nothing."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from datastore import Datastore, FixtureError, PasswordHashing
from datastore.worlds.load import DEMO_WORLD, dump_tables, load_demo, load_world

Mutation = Callable[[dict[str, Any]], None]


@pytest.fixture
def sqlite_store(sqlite_url: str) -> Iterator[Datastore]:
    """The file is checked before any database work: one backend is enough for these cases."""
    store = Datastore.from_url(sqlite_url)
    yield store
    store.dispose()


def _demo() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(DEMO_WORLD.read_text(encoding="utf-8"))
    return data


def _set(path: str, value: Any) -> Mutation:
    """A mutation that sets ``a.b[2].c`` in the world data."""

    def mutate(data: dict[str, Any]) -> None:
        *parents, last = _parts(path)
        node: Any = data
        for part in parents:
            node = node[part]
        node[last] = value

    return mutate


def _parts(path: str) -> list[str | int]:
    parts: list[str | int] = []
    for chunk in path.split("."):
        name, *indexes = chunk.split("[")
        parts.append(name)
        parts.extend(int(i.rstrip("]")) for i in indexes)
    return parts


CASES = [
    pytest.param(
        _set("pupils[3].accounts[0].account_uuid", "not-a-uuid"),
        "pupils[3].accounts[0].account_uuid",
        "not a UUID",
        id="bad-uuid",
    ),
    pytest.param(
        _set("schools[1].instellingsnummer", "65432"),
        "schools[1].instellingsnummer",
        "6 digits",
        id="instellingsnummer-5-digits",
    ),
    pytest.param(
        _set("schools[0].instellingsnummer", 123456),
        "schools[0].instellingsnummer",
        "quoted string",
        id="instellingsnummer-unquoted",
    ),
    pytest.param(
        _set("pupils[0].enrolments[0].class", "9Z"),
        "pupils[0].enrolments[0].class",
        "no class '9Z' at school 123456",
        id="unknown-class",
    ),
    pytest.param(
        _set("organisations[0].applications[0].protocol.attributes[1]", "insz"),
        "organisations[0].applications[0].protocol.attributes[1]",
        "unknown attribute 'insz'",
        id="unknown-attribute",
    ),
    pytest.param(
        _set("pupils[0].insz", "11031401739"),
        "pupils[0].insz",
        "wrong check digits",
        id="bad-insz",
    ),
    pytest.param(
        _set("pupils[1].accounts[0].username", "jan.peeters"),
        "pupils[1].accounts[0].username",
        "duplicate username 'jan.peeters' (also at pupils[0].accounts[0].username)",
        id="duplicate-username",
    ),
    pytest.param(
        _set("pupils[2].favourite_colour", "blue"),
        "pupils[2].favourite_colour",
        "unknown key",
        id="unknown-key",
    ),
    pytest.param(
        _set("pupils[2].leer_id_uuid", "0b7c7a43-3c3f-4c55-a5e6-7e8f7b3f0c11"),
        "pupils[2]",
        "only for pupils identified by their INSZ",
        id="leer-id-without-insz",
    ),
    pytest.param(
        _set("organisations[2].applications[0].visibility.pupils[0]", "nobody"),
        "organisations[2].applications[0].visibility.pupils[0]",
        "no pupil account 'nobody'",
        id="unknown-visibility-pupil",
    ),
    pytest.param(
        _set("staff[0].director_assignments[0].school", "999999"),
        "staff[0].director_assignments[0].school",
        "no school 999999",
        id="unknown-school",
    ),
    pytest.param(
        _set("organisations[0].applications[0].clients[0].secret", None),
        "organisations[0].applications[0].clients[0]",
        "need a secret",
        id="confidential-without-secret",
    ),
]


@pytest.mark.parametrize(("mutate", "path", "reason"), CASES)
def test_bad_fixture_names_file_path_reason_and_loads_nothing(
    sqlite_store: Datastore,
    cheap_hashing: PasswordHashing,
    tmp_path: Path,
    mutate: Mutation,
    path: str,
    reason: str,
) -> None:
    data = copy.deepcopy(_demo())
    mutate(data)
    file = tmp_path / "world.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    before = dump_tables(sqlite_store)
    with pytest.raises(FixtureError) as caught:
        load_world(sqlite_store, file, hashing=cheap_hashing)
    assert (caught.value.file, caught.value.path) == (str(file), path)
    assert reason in caught.value.reason
    assert str(caught.value).startswith(f"{file}: {path}: ")
    assert dump_tables(sqlite_store) == before


def test_yaml_syntax_error_gives_line_and_column(sqlite_store: Datastore, tmp_path: Path) -> None:
    file = tmp_path / "broken.yaml"
    file.write_text('schools:\n  - instellingsnummer: "123456\n    name: x\n', encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        load_world(sqlite_store, file)
    assert caught.value.path.startswith("line ")
    assert ", column " in caught.value.path
    assert "invalid YAML" in caught.value.reason


def test_missing_file(sqlite_store: Datastore, tmp_path: Path) -> None:
    with pytest.raises(FixtureError, match="no such file"):
        load_world(sqlite_store, tmp_path / "nope.yaml")


def test_conflict_with_the_database_loads_nothing(
    store: Datastore, cheap_hashing: PasswordHashing, tmp_path: Path
) -> None:
    load_demo(store, hashing=cheap_hashing)
    before = dump_tables(store)
    world = {
        "passwords": {"pupils": "x"},
        "schools": [{"instellingsnummer": "111111", "name": "Nieuw", "admin_package": "other"}],
        "pupils": [
            {
                "naam": "Dubbel",
                "voornaam": "Jan",
                "insz": "11031400154",
                "leer_id_uuid": "0b7c7a43-3c3f-4c55-a5e6-7e8f7b3f0c11",
                "accounts": [
                    {
                        "username": "jan.peeters",
                        "account_uuid": "6d1b0e55-54a9-4b4c-9d1e-0f7f3f9b2c11",
                    }
                ],
                "enrolments": [{"school": "111111", "start": "2025-09-01"}],
            }
        ],
    }
    file = tmp_path / "clash.yaml"
    file.write_text(yaml.safe_dump(world), encoding="utf-8")
    with pytest.raises(FixtureError) as caught:
        load_world(store, file, hashing=cheap_hashing)
    assert caught.value.path == "pupils[0].accounts[0].username"
    assert "belongs to another account" in caught.value.reason
    assert dump_tables(store) == before


BAD_VALUES = """\
format: leerid-world/1
passwords:
  pupils: Leerling123!
schools:
  - instellingsnummer: "123456"
    name: School
    name: School twee
    admin_package: broekx
    classes:
      - {name: 3A}
pupils:
  - naam: Peeters
    voornaam: [Jan]
    accounts:
      - {username: jan.x, account_uuid: a6f98ebd-1280-4294-a90f-a5858c1f6f47, temporary: true}
    enrolments:
      - {school: "123456", class: 3A, start: 2025-13-45}
"""

BAD_REFERENCES = """\
format: leerid-world/1
passwords:
  pupils: Leerling123!
schools:
  - instellingsnummer: "123456"
    name: School
    admin_package: broekx
    classes:
      - {name: 3A}
pupils:
  - naam: Peeters
    voornaam: Jan
    accounts:
      - {username: jan.x, account_uuid: a6f98ebd-1280-4294-a90f-a5858c1f6f47, temporary: true}
    enrolments:
      - {school: "999999", class: 3A, start: 2025-09-01}
  - naam: Peeters
    voornaam: Piet
    accounts:
      - {username: jan.x, account_uuid: b6f98ebd-1280-4294-a90f-a5858c1f6f47, temporary: true}
    enrolments:
      - {school: "123456", class: 9Z, start: 2025-09-01}
"""


def _problems(store: Datastore, tmp_path: Path, text: str) -> dict[str, str]:
    file = tmp_path / "world.yaml"
    file.write_text(text, encoding="utf-8")
    before = dump_tables(store)
    with pytest.raises(FixtureError) as caught:
        load_world(store, file)
    assert dump_tables(store) == before
    assert caught.value.file == str(file)
    lines = str(caught.value).splitlines()
    assert len(lines) == len(caught.value.problems)
    assert all(line.startswith(f"{file}: ") for line in lines)
    return dict(caught.value.problems)


def test_every_bad_value_and_repeated_key_is_reported_at_once(
    sqlite_store: Datastore, tmp_path: Path
) -> None:
    problems = _problems(sqlite_store, tmp_path, BAD_VALUES)
    assert set(problems) == {
        "schools[0].name",
        "pupils[0].voornaam",
        "pupils[0].enrolments[0].start",
    }
    assert problems["schools[0].name"] == (
        "duplicate key 'name' at line 7, column 5 (first at line 6, column 5)"
    )
    assert "valid string" in problems["pupils[0].voornaam"]
    date = problems["pupils[0].enrolments[0].start"]
    assert "valid date" in date
    assert "2025-13-45" in date


def test_every_broken_reference_is_reported_at_once(
    sqlite_store: Datastore, tmp_path: Path
) -> None:
    problems = _problems(sqlite_store, tmp_path, BAD_REFERENCES)
    assert problems == {
        "pupils[0].enrolments[0].school": "no school 999999 in this file",
        "pupils[1].accounts[0].username": (
            "duplicate username 'jan.x' (also at pupils[0].accounts[0].username)"
        ),
        "pupils[1].enrolments[0].class": "no class '9Z' at school 123456",
    }


def test_a_key_repeated_inside_an_anchor_is_named_once(
    sqlite_store: Datastore, tmp_path: Path
) -> None:
    text = BAD_REFERENCES.replace(
        "pupils:\n", "x-account: &acct {username: a, username: b}\npupils:\n", 1
    )
    problems = _problems(sqlite_store, tmp_path, text)
    assert problems["x-account.username"] == (
        "duplicate key 'username' at line 10, column 32 (first at line 10, column 19)"
    )
