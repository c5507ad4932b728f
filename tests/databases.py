"""Fresh, migrated databases for tests: SQLite files and PostgreSQL databases.

The schema is built with the migrations once per test run (a template), then each test gets
a copy: a copied SQLite file or ``CREATE DATABASE ... TEMPLATE`` on PostgreSQL.
Without PostgreSQL, its tests skip with a reason, except under ``CI=true``, where they fail.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from datastore import upgrade

PG_ADMIN_DSN = os.environ.get("LEERID_TEST_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pg_available() -> str | None:
    """``None`` when PostgreSQL answers; otherwise why not."""
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3):
            return None
    except psycopg.Error as exc:
        return f"PostgreSQL is not reachable at {PG_ADMIN_DSN}: {exc}".splitlines()[0]


def require_postgres() -> None:
    """Skip (locally) or fail (CI=true) when PostgreSQL is not there."""
    reason = pg_available()
    if reason is None:
        return
    if IN_CI:
        pytest.fail(f"CI=true requires PostgreSQL: {reason}")
    pytest.skip(reason)


def _pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def _admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


class TemplateDatabases:
    """Migrated templates, made once per process, copied for each test."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._sqlite_template: Path | None = None
        self._pg_template: str | None = None

    def sqlite_template(self) -> Path:
        if self._sqlite_template is None:
            path = self.workdir / "template.db"
            upgrade(f"sqlite:///{path}")
            self._sqlite_template = path
        return self._sqlite_template

    def pg_template(self) -> str:
        if self._pg_template is None:
            name = f"leerid_tpl_{uuid.uuid4().hex[:10]}"
            _admin(f'CREATE DATABASE "{name}"')
            upgrade(_pg_url(name))
            self._pg_template = name
        return self._pg_template

    @contextmanager
    def fresh(self, backend: str) -> Iterator[str]:
        """A fresh migrated database of ``backend`` (sqlite or postgresql); yields its URL."""
        if backend == "sqlite":
            path = self.workdir / f"t{uuid.uuid4().hex[:12]}.db"
            shutil.copyfile(self.sqlite_template(), path)
            try:
                yield f"sqlite:///{path}"
            finally:
                for suffix in ("", "-wal", "-shm", "-writer.lock"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            return
        require_postgres()
        template = self.pg_template()
        name = f"leerid_t_{uuid.uuid4().hex[:12]}"
        _admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        try:
            yield _pg_url(name)
        finally:
            _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def close(self) -> None:
        if self._pg_template is not None:
            _admin(f'DROP DATABASE IF EXISTS "{self._pg_template}" WITH (FORCE)')
