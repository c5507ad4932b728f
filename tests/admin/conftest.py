"""Fixtures of the admin API tests: the provider on the demo world, with an admin token."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from datastore import Argon2Parameters, Datastore, PasswordHashing, load_demo
from idp import ProviderSettings, create_app
from tests.databases import TemplateDatabases

ADMIN_TOKEN = "test-admin-token-0123456789"
AUTH = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
ISSUER = "http://localhost:8000/op"
REDIRECT_URI = "http://localhost:8001/callback"
# The hash cost is not under test here: the cheapest argon2id keeps the suite fast.
CHEAP = Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1)
BASELINE = "admin-tests-baseline"


def admin_settings(db_url: str, **overrides: object) -> ProviderSettings:
    """Settings with an admin token and cheap argon2."""
    values: dict[str, object] = {
        "database_url": db_url,
        "admin_token": ADMIN_TOKEN,
        "issuer": ISSUER,
        "argon2_memory_kib": CHEAP.memory_cost,
        "argon2_time_cost": CHEAP.time_cost,
        "argon2_parallelism": CHEAP.parallelism,
    }
    values.update(overrides)
    return ProviderSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def demo_store(store: Datastore) -> Datastore:
    """The documented demo world in a fresh database (SQLite and PostgreSQL)."""
    load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
    return store


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def _admin_world(
    request: pytest.FixtureRequest, templates: TemplateDatabases
) -> Iterator[tuple[TestClient, Datastore]]:
    """One provider per module and database, on the demo world saved as a snapshot."""
    with templates.fresh(request.param) as url:
        store = Datastore.from_url(url)
        load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
        store.control.save_snapshot(BASELINE)
        app = create_app(admin_settings(url), store=store)
        try:
            with TestClient(
                app, base_url="http://localhost:8000", follow_redirects=False
            ) as client:
                client.headers.update(AUTH)
                yield client, store
        finally:
            store.dispose()


@pytest.fixture
def admin(_admin_world: tuple[TestClient, Datastore]) -> TestClient:
    """The provider over HTTP (in-process) on the demo world, sending the admin token.

    Each test starts from the seeded world: a snapshot restore, the feature QA suites use.
    """
    client, store = _admin_world
    store.control.restore_snapshot(BASELINE)
    client.cookies.clear()  # no SSO session carried over from the previous test
    return client
