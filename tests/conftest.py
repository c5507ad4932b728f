"""Shared fixtures: fresh migrated databases on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datastore import Datastore
from tests.databases import TemplateDatabases


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
