"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from datastore import Datastore
from tests.databases import TemplateDatabases

# Property tests assert correctness, not speed: on a loaded 2-core CI machine generation can be
# slow, and a timing health check or deadline would fail a correct run.
settings.register_profile(
    "leerid", deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True
)
settings.load_profile("leerid")


@pytest.fixture(scope="session")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TemplateDatabases]:
    databases = TemplateDatabases(Path(tmp_path_factory.mktemp("db")))
    yield databases
    databases.close()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, templates: TemplateDatabases) -> Iterator[str]:
    """A fresh, migrated, empty database: once on SQLite, once on PostgreSQL."""
    with templates.fresh(request.param) as url:
        yield url


@pytest.fixture
def sqlite_url(templates: TemplateDatabases) -> Iterator[str]:
    """A fresh, migrated, empty SQLite database."""
    with templates.fresh("sqlite") as url:
        yield url


@pytest.fixture
def store(db_url: str) -> Iterator[Datastore]:
    """A ``Datastore`` on a fresh database (SQLite and PostgreSQL)."""
    datastore = Datastore.from_url(db_url)
    yield datastore
    datastore.dispose()
