"""A world file arms misbehaving-ACM scenarios as the admin API does: one client, the next N
logins; a bad entry is named with file, path and reason, together with every other problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from datastore import Datastore, FixtureError, PasswordHashing
from datastore.control.misbehave import clear_rules, rules
from datastore.worlds.load import DEMO_WORLD, dump_tables, load_world


def _world(tmp_path: Path, misbehave: list[dict[str, Any]], **extra: Any) -> Path:
    data: dict[str, Any] = yaml.safe_load(DEMO_WORLD.read_text(encoding="utf-8"))
    data["misbehave"] = misbehave
    data.update(extra)
    file = tmp_path / "world.yaml"
    file.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return file


def _problems(store: Datastore, file: Path, hashing: PasswordHashing) -> dict[str, str]:
    before = dump_tables(store)
    with pytest.raises(FixtureError) as caught:
        load_world(store, file, hashing=hashing)
    assert dump_tables(store) == before
    assert caught.value.file == str(file)
    return dict(caught.value.problems)


def test_a_world_arms_scenarios_and_loading_again_rearms_them(
    store: Datastore, cheap_hashing: PasswordHashing, tmp_path: Path
) -> None:
    file = _world(
        tmp_path,
        [
            {"scenario": "id_token-bad-sig", "client_id": "ididdit", "count": 2},
            {"scenario": "authorization-state-missing", "client_id": "i-learn"},
        ],
    )
    load_world(store, file, hashing=cheap_hashing)
    load_world(store, file, hashing=cheap_hashing)
    armed = {(r.scenario, r.client_id, r.remaining) for r in rules(store)}
    assert armed == {
        ("id_token-bad-sig", "ididdit", 2),
        ("authorization-state-missing", "i-learn", 1),
    }
    assert clear_rules(store) == 2
    assert rules(store) == []


def test_bad_entries_are_all_named_at_once(
    store: Datastore, cheap_hashing: PasswordHashing, tmp_path: Path
) -> None:
    file = _world(
        tmp_path,
        [
            {"scenario": "id_token-wobbly", "client_id": "ididdit"},
            {"scenario": "nonce-missing", "client_id": "ididdit", "count": 0},
            {"scenario": "nonce-missing", "client_id": "ididdit", "count": "twice"},
            {"scenario": "nonce-missing"},
        ],
    )
    problems = _problems(store, file, cheap_hashing)
    assert set(problems) == {
        "misbehave[0].scenario",
        "misbehave[1].count",
        "misbehave[2].count",
        "misbehave[3].client_id",
    }
    assert "unknown scenario 'id_token-wobbly'" in problems["misbehave[0].scenario"]
    assert "greater than or equal to 1" in problems["misbehave[1].count"]


def test_a_scenario_for_a_client_outside_the_file_is_named(
    store: Datastore, cheap_hashing: PasswordHashing, tmp_path: Path
) -> None:
    file = _world(tmp_path, [{"scenario": "nonce-missing", "client_id": "nobody"}])
    assert _problems(store, file, cheap_hashing) == {
        "misbehave[0].client_id": "no client 'nobody' in this file"
    }
