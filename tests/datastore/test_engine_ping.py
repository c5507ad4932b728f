"""A pooled PostgreSQL connection cut while idle is replaced, not handed out (engine.py).

The pool pings only connections idle for ``PING_AFTER_IDLE_S`` (not every checkout, which
cost a round trip per transaction); this shows the ping still catches a dead connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import psycopg
import pytest

from datastore import Datastore
from datastore.db import engine
from tests.databases import PG_ADMIN_DSN, TemplateDatabases

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_store(templates: TemplateDatabases) -> Iterator[Datastore]:
    with templates.fresh("postgresql") as url:
        store = Datastore.from_url(url)
        yield store
        store.dispose()


def _terminate_backends(store: Datastore) -> int:
    name = store.engine.url.database
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as admin:
        rows = admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
            (name,),
        ).fetchall()
    return len(rows)


def test_a_connection_cut_while_idle_is_replaced(
    pg_store: Datastore, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert pg_store.oidc.count_live_sessions(now) == 0  # a pooled connection, now idle
    assert _terminate_backends(pg_store) >= 1
    monkeypatch.setattr(engine, "PING_AFTER_IDLE_S", 0.0)  # as if idle for long
    assert pg_store.oidc.count_live_sessions(now) == 0
    assert pg_store.oidc.token("no-such-token") is None  # the hot path's connections too
