"""``leerid-sim generate``: add a deterministic synthetic population to the world, in bulk.

Rows come from ``datastore.worlds.generate_model`` in batches and go straight to the database:
PostgreSQL ``COPY ... FROM STDIN`` (psycopg's ``cursor.copy``) or batched ``executemany`` on
SQLite, all in one transaction (a failure loads nothing). Ids are allocated by the generator
after locking the tables against other writers, and the id sequences are moved past them at
the end. Every generated pupil shares one password and one precomputed argon2id hash:
hashing 1.2 million passwords one by one would take hours.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from datastore.errors import Conflict
from datastore.hashing import PasswordHashing
from datastore.worlds.generate_model import COLUMNS, Chunk, Population, generated_username
from datastore.worlds.load import database_unusable

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = [
    "GENERATED_PASSWORD",
    "PopulationSummary",
    "default_school_count",
    "generate_population",
    "generated_username",
]

# The one documented password of every generated pupil (docs/fixtures.md).
GENERATED_PASSWORD = "Leerling123!"  # noqa: S105 - documented demo password
PUPILS_PER_SCHOOL = 350  # about 1.2 million pupils in about 3,400 schools in Flanders
CHUNK_PUPILS = 20_000
COPY_BLOCK_ROWS = 5_000

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class PopulationSummary:
    """What one run of the generator added."""

    seed: int
    schools: int
    classes: int
    pupils: int
    accounts: int
    temporary_accounts: int
    historiek: int
    enrolments: int
    ended_enrolments: int
    seconds: float

    @property
    def rows(self) -> int:
        return (
            self.schools
            + self.classes
            + self.pupils
            + self.accounts
            + self.historiek
            + (self.enrolments)
        )


def default_school_count(pupils: int) -> int:
    """About as many schools as Flanders has for that many pupils (at least one)."""
    return max(1, round(pupils / PUPILS_PER_SCHOOL))


def generate_population(
    store: Database,
    *,
    pupils: int,
    schools: int | None = None,
    seed: int = 1,
    progress: Progress | None = None,
    hashing: PasswordHashing | None = None,
    chunk_pupils: int = CHUNK_PUPILS,
) -> PopulationSummary:
    """Add ``pupils`` pupils in ``schools`` new schools, drawn from ``seed``, in one transaction.

    Usernames are ``gen.<seed>.<n>`` (``gen.<seed>.<n>b`` for a second account); the password
    is ``GENERATED_PASSWORD``. Raises ``Conflict`` when this seed was generated here before.
    """
    if pupils < 0:
        raise ValueError("the number of pupils cannot be negative")
    schools = default_school_count(pupils) if schools is None else schools
    if schools < 1:
        raise ValueError("the population needs at least one school")
    if schools > 500_000:
        raise ValueError("at most 500,000 schools: an instellingsnummer has 6 digits")
    started = time.perf_counter()
    password_hash = (hashing or PasswordHashing.shared()).hash(GENERATED_PASSWORD)
    try:
        return _generate(
            store, pupils, schools, seed, progress, password_hash, chunk_pupils, started
        )
    except DBAPIError as exc:
        raise database_unusable(exc) from None


def _generate(
    store: Database,
    pupils: int,
    schools: int,
    seed: int,
    progress: Progress | None,
    password_hash: str,
    chunk_pupils: int,
    started: float,
) -> PopulationSummary:
    postgres = store.dialect == "postgresql"
    with store.engine.connect().execution_options(sqlite_immediate=True) as connection:
        with connection.begin():
            if postgres:
                tables = ", ".join(COLUMNS)
                # Other writers wait; readers (a running provider) go on.
                connection.execute(text(f"LOCK TABLE {tables} IN SHARE ROW EXCLUSIVE MODE"))
            _refuse_seed_twice(connection, seed)
            population = Population(
                seed,
                password_hash,
                {table: _max_id(connection, table) for table in COLUMNS},
                connection.execute(text("SELECT instellingsnummer FROM schools")).scalars(),
                connection.execute(text("SELECT insz FROM pupils WHERE insz IS NOT NULL"))
                .scalars()
                .all(),
            )
            write = _copy_writer(connection) if postgres else _insert_writer(connection)
            if postgres:
                _skip_row_by_row_foreign_key_checks(connection)
            counts = dict.fromkeys(("temporary", "historiek", "enrolments", "ended"), 0)
            accounts = 0
            for table, rows in population.make_schools(schools).items():
                write(table, rows)
            if progress is not None:
                progress(0, pupils)
            done = 0
            for chunk in _pipelined(population, pupils, chunk_pupils):
                _write_chunk(write, chunk)
                accounts += len(chunk.accounts)
                counts["temporary"] += sum(1 for a in chunk.accounts if a[5])
                counts["historiek"] += len(chunk.account_history)
                counts["enrolments"] += len(chunk.enrolments)
                counts["ended"] += sum(1 for e in chunk.enrolments if e[5] is not None)
                done += len(chunk.pupils)
                if progress is not None:
                    progress(done, pupils)
            if postgres:
                for table in COLUMNS:
                    _move_sequence(connection, table)
        if postgres:
            # Fresh statistics, so that the provider's queries use the indexes at once.
            connection.execute(text(f"ANALYZE {', '.join(COLUMNS)}"))
            connection.commit()
    return PopulationSummary(
        seed=seed,
        schools=schools,
        classes=sum(len(c) for s in population.schools for c in s.classes.values()),
        pupils=pupils,
        accounts=accounts,
        temporary_accounts=counts["temporary"],
        historiek=counts["historiek"],
        enrolments=counts["enrolments"],
        ended_enrolments=counts["ended"],
        seconds=time.perf_counter() - started,
    )


def _pipelined(population: Population, pupils: int, chunk_pupils: int) -> Iterator[Chunk]:
    """The chunks of ``pupils`` pupils, drawn by a thread while the caller writes the last one.

    The database works on a chunk while the next one is drawn: psycopg and sqlite3 release the
    GIL while they wait, so drawing and loading overlap on two cores. The queue holds at most
    two chunks, which bounds the memory.
    """
    chunks: queue.Queue[Chunk | BaseException | None] = queue.Queue(maxsize=2)
    stop = threading.Event()

    def draw() -> None:
        try:
            done = 0
            while done < pupils and not stop.is_set():
                size = min(chunk_pupils, pupils - done)
                chunks.put(population.make_pupils(size))
                done += size
            chunks.put(None)
        except BaseException as exc:  # handed to the caller, raised there
            chunks.put(exc)

    drawer = threading.Thread(target=draw, name="generate-draw", daemon=True)
    drawer.start()
    try:
        while (item := chunks.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while drawer.is_alive():  # unblock a drawer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                chunks.get(timeout=0.1)
        drawer.join()


def _skip_row_by_row_foreign_key_checks(connection: Connection) -> None:
    """Within this transaction, do not fire the foreign-key triggers for each copied row.

    As ``pg_restore --disable-triggers`` does: the generator picks every id itself, so the
    references hold by construction, and the per-row checks would cost a third of the load.
    It needs a superuser; for any other user the checks simply stay on (a savepoint keeps
    the transaction usable after the refusal).
    """
    try:
        with connection.begin_nested():
            connection.execute(text("SET LOCAL session_replication_role = replica"))
    except DBAPIError:
        pass


def _refuse_seed_twice(connection: Connection, seed: int) -> None:
    taken = connection.execute(
        text("SELECT 1 FROM accounts WHERE username = :username"),
        {"username": generated_username(seed, 1)},
    ).first()
    if taken is not None:
        raise Conflict(
            f"a population of seed {seed} is already in this database "
            f"({generated_username(seed, 1)} exists): choose another --seed"
        )


def _max_id(connection: Connection, table: str) -> int:
    value = connection.execute(text(f"SELECT coalesce(max(id), 0) FROM {table}")).scalar_one()  # noqa: S608 - a table name of ours
    return int(value)


def _move_sequence(connection: Connection, table: str) -> None:
    """Let the table's id sequence continue after the ids the generator chose."""
    connection.execute(
        text(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table} "  # noqa: S608 - a table name of ours
            "HAVING max(id) IS NOT NULL"
        )
    )


Writer = Callable[[str, Sequence[tuple[object, ...]]], None]


def _write_chunk(write: Writer, chunk: Chunk) -> None:
    # Parents before children: the foreign keys are checked row by row.
    write("pupils", chunk.pupils)
    write("accounts", chunk.accounts)
    write("account_history", chunk.account_history)
    write("enrolments", chunk.enrolments)


def _copy_writer(connection: Connection) -> Writer:
    """PostgreSQL: ``COPY table (columns) FROM STDIN`` in text format, a batch per write.

    The rows are formatted here and sent in large blocks: six times less client CPU than
    psycopg's ``write_row`` per row, which matters at a million pupils.
    """
    driver: Any = connection.connection.driver_connection

    def write(table: str, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        columns = ", ".join(COLUMNS[table])
        with driver.cursor() as cursor, cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
            for start in range(0, len(rows), COPY_BLOCK_ROWS):
                block = rows[start : start + COPY_BLOCK_ROWS]
                copy.write("".join([_copy_line(row) for row in block]))

    return write


def _copy_line(row: tuple[object, ...]) -> str:
    """One row in COPY's text format (PostgreSQL docs, COPY, "Text Format").

    The generator's strings hold no tab, newline or backslash (its name lists and formats are
    fixed; a test checks the lists), so they need no escaping.
    """
    return "\t".join([_COPY_TEXT.get(type(value), str)(value) for value in row]) + "\n"


_COPY_TEXT: dict[type, Callable[[Any], str]] = {
    type(None): lambda _: "\\N",
    bool: lambda value: "t" if value else "f",
    str: lambda value: value,
    # The same few dates and times repeat a million times: format each once.
    dt.date: functools.lru_cache(maxsize=1024)(dt.date.isoformat),
    dt.datetime: functools.lru_cache(maxsize=1024)(dt.datetime.isoformat),
}


def _insert_writer(connection: Connection) -> Writer:
    """SQLite: one prepared ``INSERT`` per table, ``executemany`` over the batch."""
    driver: Any = connection.connection.driver_connection

    def write(table: str, rows: Sequence[tuple[object, ...]]) -> None:
        if not rows:
            return
        columns = COLUMNS[table]
        placeholders = ", ".join("?" for _ in columns)
        statement = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - names of ours
        driver.executemany(statement, [_sqlite_row(row) for row in rows])

    return write


def _sqlite_row(row: tuple[object, ...]) -> tuple[object, ...]:
    """Values as SQLAlchemy stores them on SQLite (``UtcDateTime``: naive UTC text)."""
    return tuple(_sqlite_value(value) for value in row)


def _sqlite_value(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
