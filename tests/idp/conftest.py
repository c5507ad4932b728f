"""Fixtures for the provider's protocol tests: the demo world behind a TestClient.

Loading the demo world and making signing keys takes about a second, so it happens once per
test session into a template (a SQLite file, a PostgreSQL template database); each test gets
a fresh copy, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.util import find_spec
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient

from datastore import SIGNING_ALGS, Argon2Parameters, Datastore, PasswordHashing, load_demo
from idp import ProviderSettings, create_app
from idp.keys import make_signing_key
from leerid_sim.commands.serve import HTTP_SERVERS
from tests.databases import PG_ADMIN_DSN, TemplateDatabases, require_postgres
from tests.idp.flows import ISSUER

# Password hashing cost is not what these tests are about (test_login checks the rehash on
# login); the cheapest argon2id keeps the suite fast.
CHEAP = Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1)


def provider_settings(db_url: str, **overrides: object) -> ProviderSettings:
    values: dict[str, object] = {
        "issuer": ISSUER,
        "database_url": db_url,
        "admin_token": "test-admin-token",
        "argon2_memory_kib": CHEAP.memory_cost,
        "argon2_time_cost": CHEAP.time_cost,
        "argon2_parallelism": CHEAP.parallelism,
    }
    values.update(overrides)
    return ProviderSettings(**values)  # type: ignore[arg-type]


def _prepare(url: str) -> None:
    store = Datastore.from_url(url)
    try:
        load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
        store.oidc.ensure_signing_keys(SIGNING_ALGS, make_signing_key, store.clock.now())
    finally:
        store.dispose()


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


class DemoTemplates:
    """The demo world, loaded once per backend, copied per test."""

    def __init__(self, templates: TemplateDatabases, workdir: Path) -> None:
        self.templates = templates
        self.workdir = workdir
        self._sqlite: Path | None = None
        self._pg: str | None = None

    def fresh_sqlite(self) -> Iterator[str]:
        if self._sqlite is None:
            path = self.workdir / "demo-template.db"
            shutil.copyfile(self.templates.sqlite_template(), path)
            _prepare(f"sqlite:///{path}")
            self._sqlite = path
        copy = self.workdir / f"demo-{uuid.uuid4().hex[:12]}.db"
        shutil.copyfile(self._sqlite, copy)
        try:
            yield f"sqlite:///{copy}"
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)

    def fresh_pg(self) -> Iterator[str]:
        require_postgres()
        if self._pg is None:
            name = f"leerid_demo_tpl_{uuid.uuid4().hex[:10]}"
            _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.templates.pg_template()}"')
            _prepare(_pg_url(name))
            self._pg = name
        name = f"leerid_demo_{uuid.uuid4().hex[:12]}"
        _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self._pg}"')
        try:
            yield _pg_url(name)
        finally:
            _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self._pg is not None:
            _pg_admin(f'DROP DATABASE IF EXISTS "{self._pg}" WITH (FORCE)')


@pytest.fixture(scope="session")
def demo_templates(
    templates: TemplateDatabases, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[DemoTemplates]:
    demo = DemoTemplates(templates, Path(tmp_path_factory.mktemp("demo")))
    yield demo
    demo.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def demo_url(request: pytest.FixtureRequest, demo_templates: DemoTemplates) -> Iterator[str]:
    """A fresh database holding the demo world and signing keys (SQLite and PostgreSQL)."""
    fresh = demo_templates.fresh_sqlite if request.param == "sqlite" else demo_templates.fresh_pg
    yield from fresh()


@pytest.fixture
def demo_store(demo_url: str) -> Iterator[Datastore]:
    store = Datastore.from_url(demo_url)
    yield store
    store.dispose()


@pytest.fixture
def op(demo_store: Datastore, demo_url: str) -> Iterator[TestClient]:
    """The provider over HTTP (in-process), on the demo world."""
    with provider_client(demo_store, demo_url) as client:
        yield client


@contextmanager
def provider_client(store: Datastore, url: str, **overrides: object) -> Iterator[TestClient]:
    """The provider over HTTP (in-process) on ``store``, with settings changed by ``overrides``."""
    app = create_app(provider_settings(url, **overrides), store=store)
    with TestClient(app, base_url="http://localhost:8000", follow_redirects=False) as client:
        yield client


@pytest.fixture
def op_refresh_id_token(demo_store: Datastore, demo_url: str) -> Iterator[TestClient]:
    """The provider with ``LEERID_REFRESH_ID_TOKEN=true``: a refresh answers an ID token too."""
    with provider_client(demo_store, demo_url, refresh_id_token=True) as client:
        yield client


@pytest.fixture(params=HTTP_SERVERS)
def http_server(request: pytest.FixtureRequest) -> str:
    """Each HTTP server ``leerid-sim serve --http-server`` offers (skipped if not installed)."""
    name: str = request.param
    if find_spec(name) is None:
        pytest.skip(f"{name} is not installed (pip install 'leerid-sim[{name}]')")
    return name
