"""Fixtures of the datastore tests: cheap argon2 parameters, and one demo world per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from datastore import Argon2Parameters, Datastore, PasswordHashing
from datastore.worlds.load import load_demo
from tests.databases import TemplateDatabases


@pytest.fixture(scope="session")
def cheap_hashing() -> PasswordHashing:
    """argon2id with the smallest parameters: the same format, a thousandth of the cost."""
    return PasswordHashing(Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1))


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def demo_store(
    request: pytest.FixtureRequest, templates: TemplateDatabases, cheap_hashing: PasswordHashing
) -> Iterator[Datastore]:
    """The demo world, loaded once per module and backend: for tests that only read it."""
    with templates.fresh(request.param) as url:
        store = Datastore.from_url(url)
        load_demo(store, hashing=cheap_hashing)
        yield store
        store.dispose()
