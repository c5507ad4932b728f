"""LeerID-beheer: find pupils, reset passwords, and distribution sheets.

Every read or change of pupil data is written to the access log in its own transaction
(so DOV can see who touched which pupil's data). Changes check the LeerID-beheerder role
again inside the transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from datastore.admin.accounts import issue_password, reset_password
from datastore.db.models import Account, BeheerderGrant, Enrolment, Pupil, School, SchoolClass
from datastore.errors import NotFound
from datastore.records.schoolloket import Actor, ClassRecord, PupilRow
from datastore.schoolloket.base import reading
from datastore.schoolloket.log import add_access_entry
from datastore.schoolloket.sharing import NotPermitted

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["PupilsMixin", "class_and_descendants", "current_enrolments"]

# Rows a search shows at most; a change names its pupils and finds each of them, however many.
SEARCH_LIMIT = 500


def current_enrolments(school_id: int, day: dt.date) -> Select[Enrolment]:
    """The enrolments at the school that run on ``day`` (end date inclusive)."""
    return select(Enrolment).where(
        Enrolment.school_id == school_id,
        Enrolment.start_date <= day,
        or_(Enrolment.end_date.is_(None), Enrolment.end_date >= day),
    )


def class_and_descendants(session: Session, school_id: int, class_id: int) -> set[int]:
    """The class and its subclasses: what a class covers, for filters and visibility."""
    children: dict[int | None, list[int]] = {}
    for klass in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school_id)):
        children.setdefault(klass.parent_id, []).append(klass.id)
    found, todo = set(), [class_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def require_beheerder(session: Session, school: School, account_id: int) -> str:
    """The actor's username when they are LeerID-beheerder of the school and their account is
    active; else ``NotPermitted``. Checked inside the change's own transaction."""
    row = session.execute(
        select(Account.username)
        .join(BeheerderGrant, BeheerderGrant.staff_id == Account.staff_id)
        .where(
            Account.id == account_id,
            Account.status == "active",
            BeheerderGrant.school_id == school.id,
        )
    ).one_or_none()
    if row is None:
        raise NotPermitted("enkel een LeerID-beheerder van de school kan dit")
    return str(row.username)


def school_by_number(session: Session, instellingsnummer: str) -> School:
    school = session.scalar(select(School).where(School.instellingsnummer == instellingsnummer))
    if school is None:
        raise NotFound(f"school {instellingsnummer}")
    return school


class PupilsMixin:
    """The LeerID-beheer tab's datastore side."""

    _store: Database

    def classes(self, instellingsnummer: str) -> list[ClassRecord]:
        """The school's (sub)classes, by name."""
        with reading(self._store) as session:
            school = school_by_number(session, instellingsnummer)
            return [
                ClassRecord(c.id, c.name, c.parent_id)
                for c in session.scalars(
                    select(SchoolClass)
                    .where(SchoolClass.school_id == school.id)
                    .order_by(SchoolClass.name)
                )
            ]

    def find_pupils(
        self,
        instellingsnummer: str,
        actor_account_id: int,
        *,
        query: str = "",
        class_id: int | None = None,
        only_to_distribute: bool = False,
    ) -> list[PupilRow]:
        """Accounts of pupils enrolled at the school today, by name or username and (sub)class.

        The class filter and the ``klas`` column exist only while the school shares class
        information: filtering per (sub)class is one of the things class sharing turns on. The read
        is written to the access log.
        """
        with self._store.write() as session:
            school = school_by_number(session, instellingsnummer)
            actor = require_beheerder(session, school, actor_account_id)
            rows = _pupil_rows(
                session,
                school,
                self._store.clock.today(),
                query=query,
                class_id=class_id,
                only_to_distribute=only_to_distribute,
            )
            add_access_entry(
                session,
                self._store.clock.now(),
                Actor("staff", actor),
                school.instellingsnummer,
                "leerlingen_zoeken",
                f"zoekterm={query!r} klas={class_id} resultaten={len(rows)}",
                "accountbeheer",
            )
        return rows

    def reset_password(
        self, instellingsnummer: str, actor_account_id: int, account_uuid: str, password_hash: str
    ) -> PupilRow:
        """Give a pupil's account a new password (its argon2id hash) and mark it changed."""
        with self._store.write() as session:
            school = school_by_number(session, instellingsnummer)
            actor = require_beheerder(session, school, actor_account_id)
            day, now = self._store.clock.today(), self._store.clock.now()
            row = next(iter(_pupil_rows(session, school, day, account_uuids=[account_uuid])), None)
            account = session.scalar(select(Account).where(Account.account_uuid == account_uuid))
            if row is None or account is None:
                raise NotFound(f"geen leerling van {school.name} met account {account_uuid}")
            reset_password(account, password_hash, now)
            add_access_entry(
                session,
                now,
                Actor("staff", actor),
                school.instellingsnummer,
                "wachtwoord_herstellen",
                account_uuid,
                "accountbeheer",
            )
        return row

    def issue_initial_passwords(
        self,
        instellingsnummer: str,
        actor_account_id: int,
        password_hashes: Mapping[str, str],
        label: str,
    ) -> list[PupilRow]:
        """Set fresh initial passwords for a distribution sheet, the only place they are shown.

        ``password_hashes`` maps account_uuid to the argon2id hash of its new password; the
        accounts must be pupils enrolled at the school today. The previous initial passwords
        stop working; the accounts count as distributed from now on.
        """
        with self._store.write() as session:
            school = school_by_number(session, instellingsnummer)
            actor = require_beheerder(session, school, actor_account_id)
            day, now = self._store.clock.today(), self._store.clock.now()
            rows = {
                r.account_uuid: r
                for r in _pupil_rows(session, school, day, account_uuids=list(password_hashes))
            }
            unknown = sorted(set(password_hashes) - set(rows))
            if unknown:
                raise NotFound(f"geen leerlingen van {school.name}: {', '.join(unknown)}")
            for account in session.scalars(
                select(Account).where(Account.account_uuid.in_(list(password_hashes)))
            ):
                issue_password(account, password_hashes[account.account_uuid], now)
            add_access_entry(
                session,
                now,
                Actor("staff", actor),
                school.instellingsnummer,
                "verdeellijst_afdrukken",
                f"{label}: {', '.join(sorted(password_hashes))}",
                "accountbeheer",
            )
        return [rows[uuid] for uuid in password_hashes]


def _pupil_rows(
    session: Session,
    school: School,
    day: dt.date,
    *,
    query: str = "",
    class_id: int | None = None,
    only_to_distribute: bool = False,
    account_uuids: Collection[str] | None = None,
) -> list[PupilRow]:
    """Accounts of pupils enrolled at the school on ``day``, never of another school's pupils.

    A search gets the first ``SEARCH_LIMIT`` rows by name; ``account_uuids`` asks for exactly
    those accounts (a change to named pupils), without a limit.
    """
    enrolment = current_enrolments(school.id, day).subquery()
    statement = (
        select(Account, Pupil, SchoolClass.name)
        .join(Pupil, Pupil.id == Account.pupil_id)
        .join(enrolment, enrolment.c.pupil_id == Pupil.id)
        .outerjoin(SchoolClass, SchoolClass.id == enrolment.c.class_id)
        .order_by(Pupil.naam, Pupil.voornaam, Account.username)
    )
    if account_uuids is not None:
        statement = statement.where(Account.account_uuid.in_(list(account_uuids)))
    else:
        statement = statement.limit(SEARCH_LIMIT)
    if only_to_distribute:
        statement = statement.where(
            or_(Account.distributed_at.is_(None), Account.changed_at > Account.distributed_at)
        )
    for word in query.lower().split():
        pattern = f"%{word}%"
        statement = statement.where(
            or_(
                func.lower(Pupil.naam).like(pattern),
                func.lower(Pupil.voornaam).like(pattern),
                func.lower(Account.username).like(pattern),
            )
        )
    if class_id is not None and school.class_sharing_active:
        statement = statement.where(
            enrolment.c.class_id.in_(class_and_descendants(session, school.id, class_id))
        )
    return [
        PupilRow(
            account_id=account.id,
            account_uuid=account.account_uuid,
            username=account.username,
            naam=pupil.naam,
            voornaam=pupil.voornaam,
            leer_id_uuid=pupil.leer_id_uuid,
            is_temporary=account.is_temporary,
            klas=klas if school.class_sharing_active else None,
            changed_at=account.changed_at,
            distributed_at=account.distributed_at,
        )
        for account, pupil, klas in session.execute(statement).all()
    ]
