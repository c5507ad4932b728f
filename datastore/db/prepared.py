"""Statements compiled once and sent on the driver's cursor: the provider's hot path.

SQLAlchemy's Core execution costs tens of microseconds per statement on top of the driver
(cache lookup, execution context, result metadata, event dispatch); the token path sends a
handful of fixed statements per request, so those are compiled once per dialect and run
through ``Prepared``, with the very SQL and the bind and result processors SQLAlchemy
would use for them.
"""

from __future__ import annotations

import logging
import weakref
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ClauseElement, Connection, Select, UpdateBase
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["OBSERVERS", "Prepared"]

# Called with the SQL of every statement ``Prepared`` sends (``Datastore.statement_log``).
OBSERVERS: list[Callable[[str], None]] = []


class _Compiled:
    """A statement compiled for one dialect, with the processors SQLAlchemy would apply."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        assert not getattr(compiled, "escaped_bind_names", None)
        self.sql = compiled.string
        self.positional: tuple[str, ...] | None = (
            tuple(compiled.positiontup) if compiled.positiontup is not None else None
        )
        # Literal values bound in the statement (``kind = 'refresh'``).
        self.defaults = {
            name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
        }
        self.processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in compiled.binds.items()
        }
        columns = (
            statement.selected_columns
            if isinstance(statement, Select)
            else statement.exported_columns
            if isinstance(statement, UpdateBase)
            else None
        )
        self.row: Any = None
        self.result: tuple[tuple[int, Callable[[Any], Any]], ...] = ()
        if columns is not None and len(columns):
            self.row = namedtuple("Row", [str(key) for key, _ in columns.items()])  # type: ignore[misc]
            result = []
            for i, column in enumerate(columns):
                processor = column.type.dialect_impl(dialect).result_processor(dialect, None)
                if processor is not None:
                    result.append((i, processor))
            self.result = tuple(result)

    def args(self, params: Mapping[str, Any]) -> Any:
        values = self.defaults | dict(params)
        for name, processor in self.processors.items():
            if processor is not None:
                values[name] = processor(values[name])
        if self.positional is None:
            return values
        return tuple(values[name] for name in self.positional)


class Prepared:
    """A hot-path statement compiled once per dialect and sent on the driver's cursor.

    The same SQL and the same bind and result processing as SQLAlchemy's (the statement's
    own types), without its per-execution machinery: no cache lookup, no execution context,
    no result metadata, no events (the echo log and ``OBSERVERS`` still see each statement).
    It runs in the ``Connection``'s transaction; driver errors are raised as SQLAlchemy's
    (``DBAPIError`` and subclasses), and a connection that was cut is invalidated, as
    SQLAlchemy would do.
    """

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: weakref.WeakKeyDictionary[Dialect, _Compiled] = weakref.WeakKeyDictionary()

    def _for(self, dialect: Dialect) -> _Compiled:
        compiled = self._compiled.get(dialect)
        if compiled is None:
            compiled = self._compiled[dialect] = _Compiled(self.statement, dialect)
        return compiled

    def rows(self, connection: Connection, params: Mapping[str, Any]) -> list[Any]:
        """Execute with ``params``; the rows it returns (named tuples), if any."""
        return self._run(connection, [params], many=False)

    def first(self, connection: Connection, params: Mapping[str, Any]) -> Any:
        """Execute with ``params``; its first row or ``None``."""
        rows = self._run(connection, [params], many=False)
        return rows[0] if rows else None

    def many(self, connection: Connection, params: Sequence[Mapping[str, Any]]) -> None:
        """Execute once per parameter set (the driver's executemany)."""
        self._run(connection, params, many=True)

    def _run(
        self, connection: Connection, params: Sequence[Mapping[str, Any]], *, many: bool
    ) -> list[Any]:
        dialect = connection.dialect
        compiled = self._for(dialect)
        for observer in OBSERVERS:
            observer(compiled.sql)
        logger = getattr(connection.engine, "logger", None)  # echo, as SQLAlchemy logs it
        if logger is not None and logger.isEnabledFor(logging.INFO):
            logger.info(compiled.sql)
        driver: Any = connection.connection.driver_connection
        args = [compiled.args(p) for p in params] if many else compiled.args(params[0])
        cursor = None
        rows: list[Any] = []
        try:
            cursor = driver.cursor()
            if many:
                cursor.executemany(compiled.sql, args)
            else:
                cursor.execute(compiled.sql, args)
                rows = cursor.fetchall() if compiled.row is not None else []
            cursor.close()
        except dialect.loaded_dbapi.Error as exc:
            if dialect.is_disconnect(exc, driver, cursor):
                connection.invalidate(exc)
            raise DBAPIError.instance(
                compiled.sql, args, exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        if not rows:
            return []
        make, result = compiled.row._make, compiled.result
        if not result:
            return [make(row) for row in rows]
        processed = []
        for row in rows:
            values = list(row)
            for i, processor in result:
                values[i] = processor(values[i])
            processed.append(make(values))
        return processed
