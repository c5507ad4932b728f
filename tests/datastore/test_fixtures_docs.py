"""The example world of docs/fixtures.md loads, beside the demo world, and reloads unchanged."""

from __future__ import annotations

import re
from pathlib import Path

from datastore import Datastore, PasswordHashing
from datastore.worlds.load import dump_tables, load_demo, load_world

DOCS = Path(__file__).resolve().parents[2] / "docs" / "fixtures.md"


def test_documented_example_loads(
    store: Datastore, cheap_hashing: PasswordHashing, tmp_path: Path
) -> None:
    match = re.search(r"A small complete world:\n\n```yaml\n(.*?)```", DOCS.read_text(), re.S)
    assert match is not None
    file = tmp_path / "example.yaml"
    file.write_text(match.group(1), encoding="utf-8")
    load_demo(store, hashing=cheap_hashing)
    summary = load_world(store, file, hashing=cheap_hashing)
    assert (summary.schools, summary.pupils, summary.clients) == (1, 2, 1)
    first = dump_tables(store)
    load_world(store, file, hashing=cheap_hashing)
    second = dump_tables(store)
    first.pop("simulator_state")
    second.pop("simulator_state")
    assert second == first
    tom = store.world.account_by_username("tom.voorbeeld")
    client = store.world.client("leesapp")
    assert tom is not None
    assert client is not None
    facts = store.world.release_facts(tom.id, client.application_id)
    assert [e.klas for e in facts.enrolments] == ["1A1"]
    # The class target 1A covers the subclass 1A1: a class covers its subclasses.
    assert facts.visible_class_ids & set(facts.enrolments[0].class_ids)
