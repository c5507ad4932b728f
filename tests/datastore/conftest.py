"""Fixtures of the datastore tests: cheap argon2 parameters where hashing cost is not tested."""

from __future__ import annotations

import pytest

from datastore import Argon2Parameters, PasswordHashing


@pytest.fixture(scope="session")
def cheap_hashing() -> PasswordHashing:
    """argon2id with the smallest parameters: the same format, a thousandth of the cost."""
    return PasswordHashing(Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1))
