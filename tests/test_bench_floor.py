"""``python -m bench --floor`` measures what it says: real signatures and real rotations."""

from __future__ import annotations

import pytest

from bench import floor as floor_module


def test_the_floor_measures_signatures_and_rotations(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(floor_module, "ROTATIONS", 80)  # a smoke run; the tool uses 3,000
    result = floor_module.floor()
    # Every bare rotation claimed the token the one before it issued (asserted inside), so the
    # times are of work done, not of statements that matched nothing.
    for name in (
        "rs256_joserfc_cpu_us",
        "rs256_cryptography_cpu_us",
        "datastore_rotation_cpu_us",
        "bare_rotation_1_per_commit_cpu_us",
        "bare_rotation_8_per_commit_cpu_us",
    ):
        assert result[name] > 0, name
    # as a refresh without an ID token: the account's row, the claim, the tokens, the event
    assert result["datastore_statements_per_rotation"] == 4
    assert result["datastore_commits_per_rotation"] == 1
