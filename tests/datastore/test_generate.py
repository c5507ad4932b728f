"""``leerid-sim generate``: a deterministic synthetic Flanders added to the world."""

from __future__ import annotations

import re

import pytest

from datastore import Conflict, Datastore, PasswordHashing
from datastore.insz import insz_is_valid
from datastore.worlds.generate import GENERATED_PASSWORD, generate_population, generated_username
from datastore.worlds.load import dump_tables, load_demo
from tests.databases import TemplateDatabases


def _generate(store: Datastore, hashing: PasswordHashing, **kwargs: int) -> None:
    options = {"pupils": 600, "schools": 4, "seed": 5, "chunk_pupils": 250, **kwargs}
    generate_population(store, hashing=hashing, **options)


def _without_hashes(tables: dict[str, list[tuple[object, ...]]]) -> dict[str, object]:
    # The shared argon2id hash has a random salt; everything else must be equal.
    accounts = [row[:3] + row[4:] for row in tables["accounts"]]
    return {**tables, "accounts": accounts, "simulator_state": None}


def test_same_seed_same_world(
    store: Datastore, cheap_hashing: PasswordHashing, templates: TemplateDatabases
) -> None:
    _generate(store, cheap_hashing)
    with templates.fresh(store.dialect) as url:
        other = Datastore.from_url(url)
        try:
            _generate(other, cheap_hashing)
            assert _without_hashes(dump_tables(other)) == _without_hashes(dump_tables(store))
        finally:
            other.dispose()


def test_another_seed_another_world(
    store: Datastore, cheap_hashing: PasswordHashing, templates: TemplateDatabases
) -> None:
    _generate(store, cheap_hashing, pupils=50, schools=2)
    with templates.fresh(store.dialect) as url:
        other = Datastore.from_url(url)
        try:
            _generate(other, cheap_hashing, pupils=50, schools=2, seed=6)
            assert dump_tables(other)["pupils"] != dump_tables(store)["pupils"]
        finally:
            other.dispose()


def test_generated_population_is_plausible(
    store: Datastore, cheap_hashing: PasswordHashing
) -> None:
    generate_population(store, pupils=3000, schools=6, seed=11, hashing=cheap_hashing)
    tables = dump_tables(store)
    pupils = tables["pupils"]
    accounts = tables["accounts"]
    assert len(pupils) == 3000
    identified = [p for p in pupils if p[1] is not None]
    assert all(insz_is_valid(p[1]) for p in identified)
    assert all(p[2] is not None for p in identified)
    assert all(p[2] is None for p in pupils if p[1] is None)
    temporary = {a[4] for a in accounts if a[6]}
    # About 3% temporary accounts, exactly the pupils without INSZ.
    assert temporary == {p[0] for p in pupils if p[1] is None}
    assert 0.015 < len(temporary) / len(pupils) < 0.045
    assert len(accounts) > len(pupils)  # some pupils have two accounts
    assert all(re.fullmatch(r"gen\.11\.[0-9]+b?", a[2]) for a in accounts)
    assert tables["account_history"]
    assert any(e[5] is not None for e in tables["enrolments"])
    assert {s[3] for s in tables["schools"]} == {"broekx", "informat"}
    assert all(re.fullmatch(r"[0-9]{6}", s[1]) for s in tables["schools"])
    assert len(tables["classes"]) >= 6 * 6
    # Every reference holds, although PostgreSQL may skip the per-row foreign-key checks.
    pupil_ids = {p[0] for p in pupils}
    assert {a[4] for a in accounts} == pupil_ids
    assert {e[1] for e in tables["enrolments"]} == pupil_ids
    class_ids = {c[0] for c in tables["classes"]}
    assert {e[3] for e in tables["enrolments"] if e[3] is not None} <= class_ids


def test_generated_pupil_logs_in_and_has_release_facts(
    store: Datastore, cheap_hashing: PasswordHashing
) -> None:
    _generate(store, cheap_hashing, pupils=40)
    account = store.world.account_by_username(generated_username(5, 1))
    assert account is not None
    assert cheap_hashing.verify(account.password_hash, GENERATED_PASSWORD)
    facts = store.world.release_facts(account.id, 1)
    assert facts.enrolments
    assert all(len(e.instellingsnummer) == 6 for e in facts.enrolments)


def test_generate_adds_to_the_demo_world(store: Datastore, cheap_hashing: PasswordHashing) -> None:
    load_demo(store, hashing=cheap_hashing)
    before = dump_tables(store)
    _generate(store, cheap_hashing, pupils=100)
    after = dump_tables(store)
    assert after["clients"] == before["clients"]
    assert set(before["accounts"]) <= set(after["accounts"])
    # The id sequences moved past the generated ids: new rows still get fresh ids.
    load_demo(store, hashing=cheap_hashing)
    with pytest.raises(Conflict, match="seed 5"):
        _generate(store, cheap_hashing, pupils=10)
    _generate(store, cheap_hashing, pupils=10, seed=6)
    assert len(dump_tables(store)["pupils"]) == 6 + 100 + 10


@pytest.mark.parametrize(
    ("pupils", "schools", "message"),
    [(-1, 1, "negative"), (10, 0, "at least one school")],
)
def test_bad_sizes(store: Datastore, pupils: int, schools: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        generate_population(store, pupils=pupils, schools=schools)


def test_name_lists_need_no_copy_escaping() -> None:
    from datastore.worlds import generate_names

    for name in generate_names.__all__:
        for value in getattr(generate_names, name):
            assert not set(value) & {"\t", "\n", "\r", "\\"}, value
