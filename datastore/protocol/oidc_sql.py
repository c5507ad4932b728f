"""The statements of the provider's hot path (SSO authorize, token grants, UserInfo), built once.

Every statement here is a module-level Core construct with named bind parameters, so a call
costs no statement building and no cache-key generation, only parameters and the driver.
The single-use gates are conditional ``UPDATE ... RETURNING`` (RFC 6749 §4.1.2, §6;
OAuth 2.0 Security BCP §4.14): of concurrent claims exactly one gets the row.

``insert_rows`` stores the rows of one change: on PostgreSQL as ONE statement (the other
tables' inserts ride along as data-modifying CTEs, one round trip); on SQLite, where statements
cost no round trip and DML CTEs do not exist, as one Core insert (executemany) per table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Insert, Table, bindparam, exists, insert, select, update

from datastore.db.models import (
    Account,
    AuthorizationCode,
    AuthSession,
    Event,
    PrivacyLogEntry,
    SessionClient,
    Token,
)
from datastore.db.prepared import Prepared
from datastore.protocol.release import account_columns

__all__ = [
    "CODE_CLAIM",
    "CODE_COLUMNS",
    "CODE_LOOK",
    "REFRESH_CLAIM",
    "REFRESH_LOOK",
    "SESSION_LOOKUP",
    "SESSION_WITH_ACCOUNT",
    "TOKEN_BY_HASH",
    "TOKEN_COLUMNS",
    "insert_rows",
]


def _table(model: type[Any]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


_TABLES: dict[str, Table] = {
    "codes": _table(AuthorizationCode),
    "tokens": _table(Token),
    "session_clients": _table(SessionClient),
    "privacy_log": _table(PrivacyLogEntry),
    "events": _table(Event),
}

# What a claim's ``UPDATE ... RETURNING`` and the lookups hand back (the record fields).
CODE_COLUMNS = (
    AuthorizationCode.id,
    AuthorizationCode.client_id,
    AuthorizationCode.account_id,
    AuthorizationCode.session_id,
    AuthorizationCode.redirect_uri,
    AuthorizationCode.scope,
    AuthorizationCode.nonce,
    AuthorizationCode.code_challenge,
    AuthorizationCode.code_challenge_method,
    AuthorizationCode.auth_time,
    AuthorizationCode.acr,
)
TOKEN_COLUMNS = (
    Token.id,
    Token.kind,
    Token.client_id,
    Token.account_id,
    Token.session_id,
    Token.code_id,
    Token.family_id,
    Token.scope,
    Token.auth_time,
    Token.issued_at,
    Token.expires_at,
    Token.revoked_at,
    Token.rotated_at,
    Token.acr,
)
_SESSION_COLUMNS = (
    AuthSession.id,
    AuthSession.sid,
    AuthSession.account_id,
    AuthSession.auth_time,
    AuthSession.expires_at,
)


def _sid_of(session_id: Any) -> Any:
    """The ``sid`` of a row's session, as a scalar subquery a ``RETURNING`` clause can carry."""
    return (
        select(AuthSession.sid).where(AuthSession.id == session_id).scalar_subquery().label("sid")
    )


def _live_session() -> tuple[Any, ...]:
    return (
        AuthSession.id_hash == bindparam("id_hash"),
        AuthSession.ended_at.is_(None),
        AuthSession.expires_at > bindparam("now"),
    )


# Parameters: id_hash, now.
SESSION_LOOKUP = Prepared(select(*_SESSION_COLUMNS).where(*_live_session()))

# Parameters: id_hash, now. An ``account_columns`` row plus the session's fields.
SESSION_WITH_ACCOUNT = Prepared(
    account_columns()
    .add_columns(
        AuthSession.id.label("session_pk"),
        AuthSession.sid,
        AuthSession.auth_time,
        AuthSession.expires_at,
    )
    .join(AuthSession, AuthSession.account_id == Account.id)
    .where(*_live_session())
)

# Parameters: token_hash.
TOKEN_BY_HASH = Prepared(
    select(*TOKEN_COLUMNS, AuthSession.sid)
    .outerjoin(AuthSession, AuthSession.id == Token.session_id)
    .where(Token.token_hash == bindparam("token_hash"))
)


def _claimable_code() -> tuple[Any, ...]:
    """The conditions under which a code can still be redeemed (parameters b_code_hash,
    b_client_id, b_now). Each of them can only turn false over time, never back."""
    return (
        AuthorizationCode.code_hash == bindparam("b_code_hash"),
        AuthorizationCode.consumed_at.is_(None),
        AuthorizationCode.client_id == bindparam("b_client_id"),
        AuthorizationCode.expires_at > bindparam("b_now"),
        # A code of a session that ended (logout, a new login, a disabled account) buys
        # nothing: the user asked to be logged out before the client redeemed it.
        ~exists().where(
            AuthSession.id == AuthorizationCode.session_id, AuthSession.ended_at.is_not(None)
        ),
    )


def _rotatable_refresh() -> tuple[Any, ...]:
    """The conditions under which a refresh token can still be rotated (parameters
    b_token_hash, b_client_id, b_now). Each of them can only turn false over time."""
    return (
        Token.token_hash == bindparam("b_token_hash"),
        Token.kind == "refresh",
        Token.client_id == bindparam("b_client_id"),
        Token.rotated_at.is_(None),
        Token.revoked_at.is_(None),
        Token.expires_at > bindparam("b_now"),
    )


# Parameters: b_code_hash, b_client_id, b_now (column names are reserved in an UPDATE).
CODE_CLAIM = Prepared(
    update(AuthorizationCode)
    .where(*_claimable_code())
    .values(consumed_at=bindparam("b_now"))
    .returning(*CODE_COLUMNS, _sid_of(AuthorizationCode.session_id))
)

# The row CODE_CLAIM would take, read without taking it (same parameters and columns).
CODE_LOOK = Prepared(
    select(*CODE_COLUMNS, _sid_of(AuthorizationCode.session_id)).where(*_claimable_code())
)

# Parameters: b_token_hash, b_client_id, b_now.
REFRESH_CLAIM = Prepared(
    update(Token)
    .where(*_rotatable_refresh())
    .values(rotated_at=bindparam("b_now"))
    .returning(*TOKEN_COLUMNS, _sid_of(Token.session_id))
)

# The row REFRESH_CLAIM would take, read without taking it (same parameters and columns).
REFRESH_LOOK = Prepared(
    select(*TOKEN_COLUMNS, _sid_of(Token.session_id)).where(*_rotatable_refresh())
)

# The columns each kind of row sets (all of them but the generated primary key).
_COLUMNS: dict[str, tuple[str, ...]] = {
    name: tuple(c.name for c in table.columns if not c.primary_key)
    for name, table in _TABLES.items()
}
_COLUMNS["session_clients"] = ("session_id", "client_id")
_COLUMNS["codes"] = tuple(c for c in _COLUMNS["codes"] if c != "consumed_at")
_COLUMNS["tokens"] = tuple(c for c in _COLUMNS["tokens"] if c not in ("revoked_at", "rotated_at"))


def _session_client_upsert(dialect: str) -> Insert:
    # One statement, whoever was first: the pair is unique (session_client). Each dialect's
    # module is imported when its statement is first built (none at all at a worker's start).
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(SessionClient).on_conflict_do_nothing(
            index_elements=["session_id", "client_id"]
        )
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(SessionClient).on_conflict_do_nothing(
        index_elements=["session_id", "client_id"]
    )


@cache
def _inserts(dialect: str, shape: tuple[tuple[str, int], ...]) -> Prepared:
    """ONE statement inserting ``count`` rows of each kind: the first row as the main statement,
    every other row as a data-modifying CTE (PostgreSQL 15 §7.8.4), all or none. On SQLite
    (no DML in WITH) the shape is one kind and one row, sent as an executemany.

    Parameters are named ``<kind>_<row>_<column>``.
    """
    statements: list[Insert] = []
    for kind, count in shape:
        table = _TABLES[kind]
        for i in range(count):
            row = {
                column: bindparam(f"{kind}_{i}_{column}", type_=table.c[column].type)
                for column in _COLUMNS[kind]
            }
            statement = (
                _session_client_upsert(dialect) if kind == "session_clients" else insert(table)
            )
            statements.append(statement.values(row))
    main, *others = statements
    return Prepared(main.add_cte(*(other.cte(f"w_{i}") for i, other in enumerate(others))))


def _params(kind: str, i: int, row: Mapping[str, Any]) -> dict[str, Any]:
    return {f"{kind}_{i}_{column}": row.get(column) for column in _COLUMNS[kind]}


def insert_rows(
    connection: Connection, parts: Sequence[tuple[str, Sequence[Mapping[str, Any]]]]
) -> None:
    """Insert ``rows`` of each kind (``codes``, ``tokens``, ``session_clients``,
    ``privacy_log``, ``events``) in the connection's transaction: one statement on
    PostgreSQL, one per kind on SQLite. A column a row leaves out is NULL."""
    parts = [(kind, rows) for kind, rows in parts if rows]
    if not parts:
        return
    dialect = connection.dialect.name
    if dialect != "postgresql":
        for kind, rows in parts:
            statement = _inserts(dialect, ((kind, 1),))
            if len(rows) == 1:
                statement.rows(connection, _params(kind, 0, rows[0]))
            else:
                statement.many(connection, [_params(kind, 0, row) for row in rows])
        return
    params: dict[str, Any] = {}
    for kind, rows in parts:
        for i, row in enumerate(rows):
            params |= _params(kind, i, row)
    _inserts(dialect, tuple((kind, len(rows)) for kind, rows in parts)).rows(connection, params)
