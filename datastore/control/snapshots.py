"""Named snapshots of the world, and wiping it (for ``reset``): quick test isolation.

A snapshot is every row of the world and state tables (people, schools, clients, protocols,
sessions, codes, tokens, logs, fault rules) and the simulated clock, as compressed JSON in the
``snapshots`` table. The provider's own secrets (signing keys, pairwise key) are not part of
the world: tokens and JWKS stay valid across a restore.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Date, DateTime, LargeBinary, Table, delete, insert, select, text
from sqlalchemy.orm import Session

from datastore.db.clock import write_clock
from datastore.db.models import Base, SimulatorState, Snapshot, UtcDateTime
from datastore.errors import AlreadyExists, NotFound

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["KEPT_TABLES", "SnapshotControl", "SnapshotRecord"]

# Not the world: the provider's keys and secrets, the shared state row, the snapshots themselves.
KEPT_TABLES = frozenset({"snapshots", "signing_keys", "provider_secrets", "simulator_state"})
FORMAT = "leerid-snapshot/1"


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    name: str
    created_at: dt.datetime
    size_bytes: int


def world_tables() -> list[Table]:
    """The tables a snapshot holds, parents before children."""
    return [t for t in Base.metadata.sorted_tables if t.name not in KEPT_TABLES]


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    return value


def _decoder(column_type: Any) -> Any:
    if isinstance(column_type, UtcDateTime | DateTime):
        return dt.datetime.fromisoformat
    if isinstance(column_type, Date):
        return dt.date.fromisoformat
    if isinstance(column_type, LargeBinary):
        return base64.b64decode
    return None


class SnapshotControl:
    """Save, list, restore and delete named snapshots; wipe the world."""

    def __init__(self, store: Database) -> None:
        self._store = store

    def snapshots(self) -> list[SnapshotRecord]:
        with self._store.read() as session:
            rows = session.execute(
                select(Snapshot.name, Snapshot.created_at, Snapshot.data).order_by(Snapshot.name)
            ).all()
        return [SnapshotRecord(r.name, r.created_at, len(r.data)) for r in rows]

    def save_snapshot(self, name: str, *, replace: bool = False) -> SnapshotRecord:
        """Save the world under ``name``; ``AlreadyExists`` unless ``replace``."""
        with self._store.write() as session:
            existing = session.scalar(select(Snapshot).where(Snapshot.name == name))
            if existing is not None and not replace:
                raise AlreadyExists(f"a snapshot named {name!r} exists")
            data = zlib.compress(json.dumps(_dump(session)).encode("utf-8"), 1)
            now = self._store.clock.now()
            if existing is None:
                session.add(Snapshot(name=name, created_at=now, data=data))
            else:
                existing.created_at, existing.data = now, data
        return SnapshotRecord(name, now, len(data))

    def restore_snapshot(self, name: str) -> SnapshotRecord:
        """Replace the world with the snapshot, in one transaction; every worker sees it."""
        with self._store.write() as session:
            row = session.scalar(select(Snapshot).where(Snapshot.name == name))
            if row is None:
                raise NotFound(f"no snapshot named {name!r}")
            payload = json.loads(zlib.decompress(row.data))
            _wipe(session)
            _load(session, payload)
            clock = payload.get("clock")
            write_clock(
                session,
                base=dt.datetime.fromisoformat(clock["base"]) if clock else None,
                set_at=dt.datetime.fromisoformat(clock["set_at"]) if clock else None,
                frozen=bool(clock and clock["frozen"]),
            )
            record = SnapshotRecord(row.name, row.created_at, len(row.data))
        self._store.clock.invalidate()
        return record

    def delete_snapshot(self, name: str) -> None:
        with self._store.write() as session:
            row = session.scalar(select(Snapshot).where(Snapshot.name == name))
            if row is None:
                raise NotFound(f"no snapshot named {name!r}")
            session.delete(row)

    def wipe_world(self) -> None:
        """Delete every row of the world and state tables and return to real time."""
        with self._store.write() as session:
            _wipe(session)
            write_clock(session, base=None, set_at=None, frozen=False)
        self._store.clock.invalidate()


def _dump(session: Session) -> dict[str, Any]:
    tables: dict[str, Any] = {}
    for table in world_tables():
        columns = [c.name for c in table.columns]
        rows = session.execute(select(table).order_by(*table.primary_key.columns)).all()
        tables[table.name] = {
            "columns": columns,
            "rows": [[_encode(v) for v in row] for row in rows],
        }
    state = session.get(SimulatorState, 1)
    clock = None
    if state is not None and state.clock_base is not None and state.clock_set_at is not None:
        clock = {
            "base": state.clock_base.isoformat(),
            "set_at": state.clock_set_at.isoformat(),
            "frozen": state.clock_frozen,
        }
    return {"format": FORMAT, "tables": tables, "clock": clock}


def _wipe(session: Session) -> None:
    tables = world_tables()
    if session.get_bind().dialect.name == "postgresql":
        # Every DELETE in one round trip (TRUNCATE is slower for small tables: new files). The
        # accounts first: a grant locks its account row before its token row, and deleting
        # tokens before accounts would otherwise take them in the opposite order.
        deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(tables))  # noqa: S608
        script = f"LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE; {deletes}"
        session.connection().exec_driver_sql(script)
        return
    for table in reversed(tables):
        session.execute(delete(table))


def _load(session: Session, payload: dict[str, Any]) -> None:
    if payload.get("format") != FORMAT:
        raise ValueError(f"not a {FORMAT} snapshot")
    for table in world_tables():
        saved = payload["tables"].get(table.name)
        if not saved or not saved["rows"]:
            continue
        known = {c.name: c for c in table.columns}
        columns = [c for c in saved["columns"] if c in known]
        decoders = [_decoder(known[c].type) for c in columns]
        index = [saved["columns"].index(c) for c in columns]
        rows = [
            {
                c: (decode(raw[i]) if decode is not None and raw[i] is not None else raw[i])
                for c, decode, i in zip(columns, decoders, index, strict=True)
            }
            for raw in saved["rows"]
        ]
        session.execute(insert(table), _parents_first(table, rows))
    if session.get_bind().dialect.name == "postgresql":
        _advance_sequences(session)


def _parents_first(table: Table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Order rows of a self-referencing table (classes and subclasses) parents first."""
    self_refs = [fk.parent.name for fk in table.foreign_keys if fk.column.table is table]
    if not self_refs:
        return rows
    placed: set[Any] = set()
    ordered: list[dict[str, Any]] = []
    pending = rows
    while pending:
        ready = [r for r in pending if all(r[c] is None or r[c] in placed for c in self_refs)]
        if not ready:  # a cycle cannot be saved by the database; keep the rest as they were
            ordered.extend(pending)
            break
        ordered.extend(ready)
        placed.update(r["id"] for r in ready)
        done = {id(r) for r in ready}
        pending = [r for r in pending if id(r) not in done]
    return ordered


def _advance_sequences(session: Session) -> None:
    # Restored rows keep their ids; each sequence goes on after the highest one (as SQLite
    # does by itself), in one statement. A table without a sequence gets setval(NULL): NULL.
    calls = [
        f"setval(pg_get_serial_sequence('{t.name}', 'id'),"  # noqa: S608 - our own names
        f' COALESCE((SELECT MAX(id) FROM "{t.name}"), 0) + 1, false)'
        for t in world_tables()
        if "id" in t.columns
    ]
    session.execute(text("SELECT " + ", ".join(calls)))
