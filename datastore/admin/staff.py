"""The one writer of the ``staff``, ``director_assignments`` and ``beheerder_grants`` tables.

The admin API's changes (``StaffAdmin``) and the functions other modules call to change these
tables within their own transaction (the Schoolloket's weekly staff upload, world loading).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datastore.admin.accounts import AccountAdmin, EndedHandler, tell_ended
from datastore.admin.base import InvalidField
from datastore.db.models import Account, BeheerderGrant, DirectorAssignment, School, Staff
from datastore.db.upsert import upsert
from datastore.errors import AlreadyExists
from datastore.records.admin import AdminAssignment, AdminGrant, AdminStaff

__all__ = [
    "StaffAdmin",
    "add_assignment",
    "add_grant",
    "add_staff",
    "change_assignment",
    "upsert_assignment",
    "upsert_grant",
    "upsert_staff",
]


def add_staff(session: Session, naam: str, voornaam: str, email: str | None) -> Staff:
    """Within ``session``: a new staff member, flushed so that it has its id."""
    staff = Staff(naam=naam, voornaam=voornaam, email=email)
    session.add(staff)
    session.flush()
    return staff


def add_assignment(
    session: Session,
    staff_id: int,
    school_id: int,
    *,
    sent: bool,
    start_date: dt.date,
    end_date: dt.date | None,
) -> DirectorAssignment:
    """Within ``session``: a new director assignment; ``InvalidField`` if it ends before it
    starts."""
    row = DirectorAssignment(
        staff_id=staff_id,
        school_id=school_id,
        sent=sent,
        start_date=start_date,
        end_date=end_date,
    )
    _check_period(row)
    session.add(row)
    session.flush()
    return row


def change_assignment(row: DirectorAssignment, *, sent: bool, end_date: dt.date | None) -> None:
    """Within the session that loaded ``row``: whether it was sent, and when it ends."""
    row.sent = sent
    row.end_date = end_date
    _check_period(row)


def add_grant(session: Session, staff_id: int, school_id: int) -> BeheerderGrant:
    """Within ``session``: make the staff member LeerID-beheerder of the school."""
    row = BeheerderGrant(staff_id=staff_id, school_id=school_id)
    session.add(row)
    session.flush()
    return row


def _staff_record(session: Session, staff: Staff) -> AdminStaff:
    usernames = session.scalars(
        select(Account.username).where(Account.staff_id == staff.id).order_by(Account.id)
    ).all()
    return AdminStaff(
        id=staff.id,
        naam=staff.naam,
        voornaam=staff.voornaam,
        email=staff.email,
        accounts=tuple(usernames),
    )


def _school_number(session: Session, school_id: int) -> str:
    school = session.get(School, school_id)
    return school.instellingsnummer if school is not None else ""


def _assignment_record(session: Session, row: DirectorAssignment) -> AdminAssignment:
    return AdminAssignment(
        id=row.id,
        staff_id=row.staff_id,
        school=_school_number(session, row.school_id),
        sent=row.sent,
        start_date=row.start_date,
        end_date=row.end_date,
    )


def _grant_record(session: Session, row: BeheerderGrant) -> AdminGrant:
    return AdminGrant(
        id=row.id, staff_id=row.staff_id, school=_school_number(session, row.school_id)
    )


def upsert_staff(
    session: Session, staff_id: int | None, *, naam: str, voornaam: str, email: str | None
) -> Staff:
    """Within ``session``: the staff member ``staff_id`` (a new one for ``None``) with these
    details; only what differs changes (world loading)."""
    return upsert(session, Staff, [Staff.id == staff_id], naam=naam, voornaam=voornaam, email=email)


def upsert_assignment(
    session: Session,
    staff_id: int,
    school_id: int,
    start_date: dt.date,
    *,
    sent: bool,
    end_date: dt.date | None,
) -> DirectorAssignment:
    """Within ``session``: the director assignment keyed by (staff member, school, start date),
    made or changed to ``sent`` and ``end_date`` (world loading)."""
    return upsert(
        session,
        DirectorAssignment,
        [
            DirectorAssignment.staff_id == staff_id,
            DirectorAssignment.school_id == school_id,
            DirectorAssignment.start_date == start_date,
        ],
        staff_id=staff_id,
        school_id=school_id,
        start_date=start_date,
        sent=sent,
        end_date=end_date,
    )


def upsert_grant(session: Session, staff_id: int, school_id: int) -> BeheerderGrant:
    """Within ``session``: the staff member is LeerID-beheerder of the school, made when not yet
    (world loading)."""
    return upsert(
        session,
        BeheerderGrant,
        [BeheerderGrant.staff_id == staff_id, BeheerderGrant.school_id == school_id],
        staff_id=staff_id,
        school_id=school_id,
    )


class StaffAdmin(AccountAdmin):
    """Staff members (with an optional account), assignments and grants."""

    def staff(self) -> list[AdminStaff]:
        with self._store.read() as session:
            rows = session.scalars(select(Staff).order_by(Staff.id)).all()
            return [_staff_record(session, s) for s in rows]

    def staff_member(self, staff_id: int) -> AdminStaff:
        with self._store.read() as session:
            return _staff_record(session, self._get(session, Staff, staff_id, "staff member"))

    def create_staff(
        self, values: Mapping[str, Any], password_hash: str | None = None
    ) -> AdminStaff:
        with self._change() as session:
            staff = add_staff(session, values["naam"], values["voornaam"], values.get("email"))
            if values.get("account") is not None:
                if password_hash is None:
                    raise InvalidField("account", "the account needs a password")
                self._add_account(session, values["account"], password_hash, staff_id=staff.id)
            return _staff_record(session, staff)

    def update_staff(self, staff_id: int, values: Mapping[str, Any]) -> AdminStaff:
        with self._change() as session:
            staff = self._get(session, Staff, staff_id, "staff member")
            for field in ("naam", "voornaam"):
                if values.get(field) is not None:
                    setattr(staff, field, values[field])
            if "email" in values:
                staff.email = values["email"]
            session.flush()
            return _staff_record(session, staff)

    def delete_staff(self, staff_id: int, *, on_ended: EndedHandler | None = None) -> None:
        """Delete a staff member with their account, whose sessions end first."""
        with self._change() as session:
            staff = self._get(session, Staff, staff_id, "staff member")
            ended = self._end_accounts_of(session, staff_id=staff.id)
            session.delete(staff)
        tell_ended(on_ended, ended)

    # -- director assignments (directeursopdrachten)

    def assignments(
        self, *, school: str | None = None, staff_id: int | None = None
    ) -> list[AdminAssignment]:
        with self._store.read() as session:
            query = select(DirectorAssignment).order_by(DirectorAssignment.id)
            if school is not None:
                query = query.where(
                    DirectorAssignment.school_id == self._school(session, school).id
                )
            if staff_id is not None:
                query = query.where(DirectorAssignment.staff_id == staff_id)
            return [_assignment_record(session, a) for a in session.scalars(query).all()]

    def assignment(self, assignment_id: int) -> AdminAssignment:
        with self._store.read() as session:
            row = self._get(session, DirectorAssignment, assignment_id, "director assignment")
            return _assignment_record(session, row)

    def create_assignment(self, values: Mapping[str, Any]) -> AdminAssignment:
        with self._change() as session:
            staff = self._staff_ref(session, values)
            school = self._school(session, values["school"], "school")
            row = add_assignment(
                session,
                staff.id,
                school.id,
                sent=values.get("sent", True),
                start_date=values["start_date"],
                end_date=values.get("end_date"),
            )
            return _assignment_record(session, row)

    def update_assignment(self, assignment_id: int, values: Mapping[str, Any]) -> AdminAssignment:
        with self._change() as session:
            row = self._get(session, DirectorAssignment, assignment_id, "director assignment")
            if values.get("school") is not None:
                row.school_id = self._school(session, values["school"], "school").id
            for field in ("sent", "start_date"):
                if values.get(field) is not None:
                    setattr(row, field, values[field])
            if "end_date" in values:
                row.end_date = values["end_date"]
            _check_period(row)
            session.flush()
            return _assignment_record(session, row)

    def delete_assignment(self, assignment_id: int) -> None:
        with self._change() as session:
            session.delete(
                self._get(session, DirectorAssignment, assignment_id, "director assignment")
            )

    # -- LeerID-beheerder grants

    def grants(self, *, school: str | None = None) -> list[AdminGrant]:
        with self._store.read() as session:
            query = select(BeheerderGrant).order_by(BeheerderGrant.id)
            if school is not None:
                query = query.where(BeheerderGrant.school_id == self._school(session, school).id)
            return [_grant_record(session, g) for g in session.scalars(query).all()]

    def grant(self, grant_id: int) -> AdminGrant:
        with self._store.read() as session:
            return _grant_record(
                session, self._get(session, BeheerderGrant, grant_id, "beheerder grant")
            )

    def create_grant(self, values: Mapping[str, Any]) -> AdminGrant:
        with self._change() as session:
            staff = self._staff_ref(session, values)
            school = self._school(session, values["school"], "school")
            taken = session.scalar(
                select(BeheerderGrant.id).where(
                    BeheerderGrant.staff_id == staff.id, BeheerderGrant.school_id == school.id
                )
            )
            if taken is not None:
                raise AlreadyExists(
                    f"staff member {staff.id} is LeerID-beheerder of {school.instellingsnummer}"
                )
            row = add_grant(session, staff.id, school.id)
            return _grant_record(session, row)

    def delete_grant(self, grant_id: int) -> None:
        with self._change() as session:
            session.delete(self._get(session, BeheerderGrant, grant_id, "beheerder grant"))


def _check_period(row: DirectorAssignment) -> None:
    if row.end_date is not None and row.end_date < row.start_date:
        raise InvalidField("end_date", "the assignment ends before it starts")
