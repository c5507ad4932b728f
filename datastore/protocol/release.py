"""Everything attribute release needs about one account for one application, in ONE query.

The token endpoint asks this for every token, so it is a single indexed statement: the account
row (by primary key, or by the primary key a grant's code or refresh token names, through
that row's unique hash) with correlated scalar subqueries that aggregate the pupil's historiek,
enrolments and the application's visibility as JSON arrays. Each subquery walks an index
(``account_history.pupil_id``, ``enrolments.pupil_id``, ``ix_visibility_*``). SQLite spells
the JSON functions ``json_group_array``/``json_object``, PostgreSQL ``json_agg``/
``json_build_object``; ``_JsonArray`` and ``_JsonObject`` compile to each.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Row,
    Select,
    String,
    bindparam,
    exists,
    func,
    literal,
    select,
    union,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from datastore.db.models import (
    Account,
    AccountHistory,
    AuthorizationCode,
    Enrolment,
    Pupil,
    School,
    SchoolClass,
    Staff,
    Token,
    Visibility,
)
from datastore.db.prepared import Prepared
from datastore.errors import NotFound
from datastore.records.protocol import AccountRecord, EnrolmentFacts, ReleaseFacts
from datastore.vocabulary import PUPIL_DETAILS

__all__ = [
    "GrantKey",
    "account_columns",
    "account_record",
    "release_facts",
    "release_facts_of_grant",
]


class _JsonArray(FunctionElement[Any]):
    """The JSON array of one expression over the rows of the enclosing subquery ('[]' if none)."""

    type = String()
    inherit_cache = True


class _JsonObject(FunctionElement[Any]):
    """A JSON object from alternating key literals and values."""

    type = String()
    inherit_cache = True


@compiles(_JsonArray, "sqlite")
def _json_array_sqlite(element: _JsonArray, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_group_array({compiler.process(element.clauses, **kw)})"


@compiles(_JsonArray, "postgresql")
def _json_array_postgresql(element: _JsonArray, compiler: SQLCompiler, **kw: Any) -> str:
    # json_agg of no rows is NULL; '[]' keeps both dialects alike. ::text so that the driver
    # hands back a string on both (psycopg would parse json itself).
    return f"coalesce(json_agg({compiler.process(element.clauses, **kw)}), '[]')::text"


@compiles(_JsonObject, "sqlite")
def _json_object_sqlite(element: _JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(_JsonObject, "postgresql")
def _json_object_postgresql(element: _JsonObject, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


def _json_object(**fields: Any) -> _JsonObject:
    args: list[ColumnElement[Any]] = []
    for name, value in fields.items():
        args += [literal(name, String), value]
    return _JsonObject(*args)


def account_columns() -> Select[*tuple[Any, ...]]:
    """The columns of an ``AccountRecord``: the account with its pupil's or staff member's name."""
    return (
        select(
            Account.id,
            Account.account_uuid,
            Account.username,
            Account.password_hash,
            Account.is_temporary,
            Account.status,
            Account.pupil_id,
            Account.staff_id,
            func.coalesce(Pupil.naam, Staff.naam).label("naam"),
            func.coalesce(Pupil.voornaam, Staff.voornaam).label("voornaam"),
        )
        .outerjoin(Pupil, Pupil.id == Account.pupil_id)
        .outerjoin(Staff, Staff.id == Account.staff_id)
    )


def account_record(row: Row[Any]) -> AccountRecord:
    """The frozen record of a row of ``account_columns()``."""
    return AccountRecord(
        id=row.id,
        account_uuid=row.account_uuid,
        username=row.username,
        password_hash=row.password_hash,
        is_temporary=bool(row.is_temporary),
        status=row.status,
        pupil_id=row.pupil_id,
        staff_id=row.staff_id,
        naam=row.naam,
        voornaam=row.voornaam,
    )


# What a grant's facts are found by: the account's id, or the code or refresh token it redeems.
GrantKey = Literal["account", "code", "refresh"]


def _account_of(key: GrantKey) -> Any:
    if key == "code":  # parameter b_code_hash, as the code's claim
        return (
            select(AuthorizationCode.account_id)
            .where(AuthorizationCode.code_hash == bindparam("b_code_hash"))
            .scalar_subquery()
        )
    if key == "refresh":  # parameter b_token_hash, as the refresh token's claim
        return (
            select(Token.account_id)
            .where(Token.token_hash == bindparam("b_token_hash"))
            .scalar_subquery()
        )
    return bindparam("account_id", type_=Integer)


def _release_statement(key: GrantKey) -> Select[*tuple[Any, ...]]:
    application_id = bindparam("application_id", type_=Integer)
    pupil_id = Account.pupil_id
    historiek = (
        select(_JsonArray(_json_object(id=AccountHistory.id, uuid=AccountHistory.old_account_uuid)))
        .where(AccountHistory.pupil_id == pupil_id)
        .scalar_subquery()
    )
    klass, parent = aliased(SchoolClass), aliased(SchoolClass)
    enrolments = (
        select(
            _JsonArray(
                _json_object(
                    id=Enrolment.id,
                    instellingsnummer=School.instellingsnummer,
                    school_name=School.name,
                    start=Enrolment.start_date,
                    end=Enrolment.end_date,
                    sharing=School.class_sharing_active,
                    klas=klass.name,
                    class_id=klass.id,
                    parent_id=parent.id,
                )
            )
        )
        .select_from(Enrolment)
        .join(School, School.id == Enrolment.school_id)
        .outerjoin(klass, klass.id == Enrolment.class_id)
        .outerjoin(parent, parent.id == klass.parent_id)
        .where(Enrolment.pupil_id == pupil_id)
        .scalar_subquery()
    )
    # A class target covers its subclasses: match the pupil's classes and their parents.
    # Two levels down, SQLAlchemy does not correlate by itself: say it (else a cross join).
    own_classes = union(
        select(Enrolment.class_id).where(Enrolment.pupil_id == pupil_id).correlate(Account),
        select(SchoolClass.parent_id)
        .join(Enrolment, Enrolment.class_id == SchoolClass.id)
        .where(Enrolment.pupil_id == pupil_id)
        .correlate(Account),
    )
    visible_classes = (
        select(_JsonArray(Visibility.class_id))
        .where(Visibility.application_id == application_id)
        .where(Visibility.class_id.in_(own_classes))
        .scalar_subquery()
    )
    visible_schools = (
        select(_JsonArray(School.instellingsnummer))
        .join(Visibility, Visibility.school_id == School.id)
        .where(Visibility.application_id == application_id)
        .where(
            Visibility.school_id.in_(
                select(Enrolment.school_id).where(Enrolment.pupil_id == pupil_id).correlate(Account)
            )
        )
        .scalar_subquery()
    )
    visible_to_pupil = exists().where(
        Visibility.pupil_id == pupil_id, Visibility.application_id == application_id
    )
    columns = account_columns()
    # The pupil's details that the account's columns do not carry already (naam, voornaam do).
    details = [
        getattr(Pupil, n).label(n) for n in PUPIL_DETAILS if n not in columns.selected_columns
    ]
    return columns.add_columns(
        *details,
        Pupil.leer_id_uuid,
        Pupil.insz.is_not(None).label("has_insz"),
        historiek.label("historiek"),
        enrolments.label("enrolments"),
        visible_to_pupil.label("visible_to_pupil"),
        visible_classes.label("visible_classes"),
        visible_schools.label("visible_schools"),
    ).where(Account.id == _account_of(key))


@cache
def _statement(lock: bool, key: GrantKey = "account", *, account_only: bool = False) -> Prepared:
    # Built on first use: constructing it is slow, and a worker's start need not pay for it.
    if account_only:
        statement = account_columns().where(Account.id == _account_of(key))
    else:
        statement = _release_statement(key)
    if lock:  # FOR SHARE OF accounts; SQLite has no row locks and sends it without
        statement = statement.with_for_update(read=True, of=Account)
    return Prepared(statement)


def _date(value: str | None) -> dt.date | None:
    return None if value is None else dt.date.fromisoformat(value)


def _enrolment(item: dict[str, Any]) -> EnrolmentFacts:
    start = _date(item["start"])
    assert start is not None  # a NOT NULL column
    return EnrolmentFacts(
        instellingsnummer=item["instellingsnummer"],
        school_name=item["school_name"],
        start_date=start,
        end_date=_date(item["end"]),
        class_sharing_active=bool(item["sharing"]),
        klas=item["klas"],
        class_ids=tuple(c for c in (item["class_id"], item["parent_id"]) if c is not None),
    )


def release_facts(
    session: Session | Connection,
    account_id: int,
    application_id: int,
    *,
    lock: bool = False,
    account_only: bool = False,
) -> ReleaseFacts:
    """The facts for ``account_id`` and ``application_id`` in one statement; ``NotFound``.

    ``session`` is an ORM session or a Core connection (the token path's transaction). With
    ``lock`` the account row is locked (shared) until the transaction ends, so that a concurrent
    change of its status either commits first and is read here, or waits for this transaction.
    ``account_only`` as for ``release_facts_of_grant``.
    """
    connection = session if isinstance(session, Connection) else session.connection()
    facts = _read_facts(
        connection, "account", {"account_id": account_id}, application_id, lock, account_only
    )
    if facts is None:
        raise NotFound(f"account {account_id}")
    return facts


def release_facts_of_grant(
    connection: Connection,
    key: GrantKey,
    params: Mapping[str, Any],
    application_id: int,
    *,
    lock: bool = False,
    account_only: bool = False,
) -> ReleaseFacts | None:
    """The facts of the account whose code (``b_code_hash``) or refresh token
    (``b_token_hash``) ``params`` names, for ``application_id``; ``None`` when there is none.

    The same single statement as ``release_facts``, with the account found by the grant's own
    row, so that a grant that reads its facts and locks its account (``lock``) inside its write
    transaction needs no read of the row before it: one round trip fewer on PostgreSQL.
    ``account_only``: the account's own row alone (``ReleaseFacts.of_account_only``), for a
    grant that releases nothing; none of the joins and subqueries of the release facts.
    """
    return _read_facts(connection, key, params, application_id, lock, account_only)


def _read_facts(
    connection: Connection,
    key: GrantKey,
    params: Mapping[str, Any],
    application_id: int,
    lock: bool,
    account_only: bool,
) -> ReleaseFacts | None:
    """The one statement behind both readers above; ``None`` when it finds no account."""
    if account_only:
        row = _statement(lock, key, account_only=True).first(connection, params)
        return None if row is None else ReleaseFacts.of_account_only(account_record(row))
    row = _statement(lock, key).first(connection, {**params, "application_id": application_id})
    return None if row is None else _facts(row)


def _facts(row: Any) -> ReleaseFacts:
    account = account_record(row)
    if account.pupil_id is None:
        return ReleaseFacts(account, None, False, (), (), False)
    historiek = sorted(json.loads(row.historiek), key=lambda h: h["id"])
    enrolments = sorted(json.loads(row.enrolments), key=lambda e: (e["start"], e["id"]))
    return ReleaseFacts(
        account=account,
        leer_id_uuid=row.leer_id_uuid,
        has_insz=bool(row.has_insz),
        historiek_account_uuids=tuple(h["uuid"] for h in historiek),
        enrolments=tuple(_enrolment(e) for e in enrolments),
        visible_to_pupil=bool(row.visible_to_pupil),
        visible_class_ids=frozenset(json.loads(row.visible_classes)),
        visible_instellingsnummers=frozenset(json.loads(row.visible_schools)),
        pupil_details=MappingProxyType({n: getattr(row, n) for n in PUPIL_DETAILS}),
    )
