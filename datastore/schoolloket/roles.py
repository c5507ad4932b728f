"""Staff roles in the Schoolloket, decided on the simulated clock's date.

- LeerID-databeheerder: every staff member with a *sent* director assignment at the school whose
  period holds the day (end date inclusive; no end date = a permanent director).
- LeerID-beheerder: granted per school (``beheerder_grants``).

Also the weekly bulk upload that delivers assignments and grants; it applies at once, and
rights follow each assignment's start and end dates. The rows it adds and changes are written by
their tables' owners (``datastore.admin.staff``, ``datastore.admin.accounts``), within the
upload's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from datastore.admin.accounts import add_account
from datastore.admin.staff import add_assignment, add_grant, add_staff, change_assignment
from datastore.db.models import Account, BeheerderGrant, DirectorAssignment, School, Staff
from datastore.errors import NotFound
from datastore.records.schoolloket import (
    ImportRejected,
    SchoolRecord,
    SchoolRoles,
    StaffImportResult,
    StaffImportRow,
    StaffRoles,
)
from datastore.schoolloket.base import reading

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["RolesMixin", "school_record"]

ROLES = ("directeur", "beheerder")


def school_record(school: School) -> SchoolRecord:
    return SchoolRecord(
        id=school.id,
        instellingsnummer=school.instellingsnummer,
        name=school.name,
        admin_package=school.admin_package,
        class_sharing_active=school.class_sharing_active,
    )


def databeheerder_school_ids(session: Session, staff_id: int, day: dt.date) -> set[int]:
    """Schools where the staff member is LeerID-databeheerder on ``day``."""
    return set(
        session.scalars(
            select(DirectorAssignment.school_id).where(
                DirectorAssignment.staff_id == staff_id,
                DirectorAssignment.sent.is_(True),
                DirectorAssignment.start_date <= day,
                or_(DirectorAssignment.end_date.is_(None), DirectorAssignment.end_date >= day),
            )
        )
    )


class RolesMixin:
    """Roles of staff members and the bulk upload that changes them."""

    _store: Database

    def staff_roles(self, account_id: int) -> StaffRoles:
        """The staff member behind ``account_id`` and their roles today (simulated clock).

        Asked on every Schoolloket request, so a disabled account stops at its next request.
        Raises ``NotFound`` when the account is not an active staff account.
        """
        day = self._store.clock.today()
        with reading(self._store) as session:
            row = session.execute(
                select(Account, Staff)
                .join(Staff, Staff.id == Account.staff_id)
                .where(Account.id == account_id, Account.status == "active")
            ).one_or_none()
            if row is None:
                raise NotFound(f"no active staff account {account_id}")
            account, staff = row
            databeheerder = databeheerder_school_ids(session, staff.id, day)
            beheerder = set(
                session.scalars(
                    select(BeheerderGrant.school_id).where(BeheerderGrant.staff_id == staff.id)
                )
            )
            schools = session.scalars(
                select(School)
                .where(School.id.in_(databeheerder | beheerder))
                .order_by(School.instellingsnummer)
            ).all()
            roles = tuple(
                SchoolRoles(school_record(s), s.id in databeheerder, s.id in beheerder)
                for s in schools
            )
        return StaffRoles(account.id, staff.id, account.username, staff.naam, staff.voornaam, roles)

    def staff_account_by_uuid(self, account_uuid: str) -> int | None:
        """The id of the active staff account with this ``account_uuid``, or ``None``.

        The Schoolloket names the account by the ``account_uuid`` claim of its own validated
        login (OIDC Core §3.1.3.7, §5.3); a pupil's, disabled or unknown account is ``None``.
        """
        with reading(self._store) as session:
            return session.scalar(
                select(Account.id).where(
                    Account.account_uuid == account_uuid,
                    Account.staff_id.is_not(None),
                    Account.status == "active",
                )
            )

    def school(self, instellingsnummer: str) -> SchoolRecord:
        """The school with this instellingsnummer; ``NotFound`` otherwise."""
        with reading(self._store) as session:
            school = session.scalar(
                select(School).where(School.instellingsnummer == instellingsnummer)
            )
            if school is None:
                raise NotFound(f"school {instellingsnummer}")
            return school_record(school)

    def import_staff(
        self, rows: Sequence[StaffImportRow], *, new_account_password_hash: str
    ) -> StaffImportResult:
        """Apply the weekly bulk upload of director assignments and beheerder grants.

        All or nothing: any invalid line raises ``ImportRejected`` with every reason, and
        nothing changes. An assignment is keyed by (staff member, school, start date): the same
        line again changes nothing, a new end date updates it. A username not known yet makes
        a new staff member with an account whose password hash is ``new_account_password_hash``.
        """
        errors: list[tuple[int, str]] = []
        counts = {"staff": 0, "added": 0, "updated": 0, "grants": 0, "unchanged": 0}
        with self._store.write() as session:
            schools = {s.instellingsnummer: s for s in session.scalars(select(School))}
            now = self._store.clock.now()
            for row in rows:
                reason = _check_row(row, schools)
                if reason is None:
                    staff, created, reason = _staff_for(
                        session, row, now, new_account_password_hash
                    )
                    if staff is not None:
                        counts["staff"] += created
                        counts[_apply_row(session, staff, schools[row.instellingsnummer], row)] += 1
                if reason is not None:
                    errors.append((row.line, reason))
            if errors:
                raise ImportRejected(errors)
            self._store.clock.bump_generation(session)
        return StaffImportResult(
            staff_created=counts["staff"],
            assignments_added=counts["added"],
            assignments_updated=counts["updated"],
            grants_added=counts["grants"],
            unchanged=counts["unchanged"],
        )


def _check_row(row: StaffImportRow, schools: dict[str, School]) -> str | None:
    if not row.username:
        return "username is missing"
    if row.rol not in ROLES:
        return f"unknown rol {row.rol!r} (use directeur or beheerder)"
    if row.instellingsnummer not in schools:
        return f"unknown school {row.instellingsnummer!r}"
    if row.rol == "directeur" and row.begindatum is None:
        return "a director assignment needs a begindatum"
    if row.begindatum and row.einddatum and row.einddatum < row.begindatum:
        return "einddatum is before begindatum"
    return None


def _staff_for(
    session: Session, row: StaffImportRow, now: dt.datetime, password_hash: str
) -> tuple[Staff | None, bool, str | None]:
    """The staff member of the line (made when new), whether it was made, or why not."""
    account = session.scalar(select(Account).where(Account.username == row.username))
    if account is not None:
        if account.staff_id is None:
            return None, False, f"{row.username!r} is a pupil's account, not a staff member"
        return session.get(Staff, account.staff_id), False, None
    if not row.naam or not row.voornaam:
        return None, False, f"new staff member {row.username!r} needs naam and voornaam"
    staff = add_staff(session, row.naam, row.voornaam, row.email)
    add_account(session, row.username, password_hash, now, staff_id=staff.id)
    return staff, True, None


def _apply_row(session: Session, staff: Staff, school: School, row: StaffImportRow) -> str:
    if row.rol == "beheerder":
        exists = session.scalar(
            select(BeheerderGrant.id).where(
                BeheerderGrant.staff_id == staff.id, BeheerderGrant.school_id == school.id
            )
        )
        if exists is not None:
            return "unchanged"
        add_grant(session, staff.id, school.id)
        return "grants"
    assignment = session.scalar(
        select(DirectorAssignment).where(
            DirectorAssignment.staff_id == staff.id,
            DirectorAssignment.school_id == school.id,
            DirectorAssignment.start_date == row.begindatum,
        )
    )
    if assignment is None:
        assert row.begindatum is not None  # checked by _check_row
        add_assignment(
            session,
            staff.id,
            school.id,
            sent=row.verstuurd,
            start_date=row.begindatum,
            end_date=row.einddatum,
        )
        return "added"
    if assignment.end_date == row.einddatum and assignment.sent == row.verstuurd:
        return "unchanged"
    change_assignment(assignment, sent=row.verstuurd, end_date=row.einddatum)
    return "updated"
