"""Class sharing ("Deel klasinformatie met LeerID"): activating and stopping it.

Activating records who accepted which version of the school-to-DOV protocol, and when; stopping
records who stopped it, and when. Both bump the generation in the same transaction, so every
worker's caches see the change within a second. The school's flag and its acceptances are
written by their tables' owner, ``datastore.admin.schools``; this module checks the role and
speaks Dutch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from datastore.admin.schools import start_class_sharing, stop_class_sharing
from datastore.db.models import Account, ClassSharingAcceptance, School, Staff
from datastore.errors import Conflict, NotFound
from datastore.records.schoolloket import ClassSharingRecord
from datastore.schoolloket.base import reading
from datastore.schoolloket.roles import databeheerder_school_ids

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["NotPermitted", "SharingMixin"]


class NotPermitted(Conflict):
    """The staff member does not hold the role the change needs (checked in the transaction)."""


class SharingMixin:
    """Activate, stop and read class sharing of a school."""

    _store: Database

    def activate_class_sharing(
        self, instellingsnummer: str, account_id: int, protocol_version: str
    ) -> ClassSharingRecord:
        """Accept ``protocol_version`` for the school and turn class sharing on.

        The role is checked again inside the transaction: only a LeerID-databeheerder on the
        simulated clock's date may (``NotPermitted``). A school whose administration package
        cannot deliver class information gets ``Conflict``; so does a school
        that shares already.
        """
        with self._store.write() as session:
            school, staff_id = self._databeheerder(session, instellingsnummer, account_id)
            if school.admin_package.lower() not in ("broekx", "informat"):
                raise Conflict(
                    f"{school.name} werkt met {school.admin_package}: klasinformatie delen kan "
                    "enkel met Broekx of Informat"
                )
            if school.class_sharing_active:
                raise Conflict(f"{school.name} deelt al klasinformatie met LeerID")
            start_class_sharing(
                session, school, staff_id, protocol_version, self._store.clock.now()
            )
            self._store.clock.bump_generation(session)
        return self.class_sharing_history(instellingsnummer)[0]

    def stop_class_sharing(self, instellingsnummer: str, account_id: int) -> None:
        """Turn class sharing off and record who stopped it, when."""
        with self._store.write() as session:
            school, staff_id = self._databeheerder(session, instellingsnummer, account_id)
            if not school.class_sharing_active:
                raise Conflict(f"{school.name} deelt geen klasinformatie met LeerID")
            stop_class_sharing(session, school, staff_id, self._store.clock.now())
            self._store.clock.bump_generation(session)

    def class_sharing_history(self, instellingsnummer: str) -> list[ClassSharingRecord]:
        """Every acceptance of the school, newest first (the current one, if any, is first)."""
        accepted_by = aliased(Staff)
        stopped_by = aliased(Staff)
        with reading(self._store) as session:
            rows = session.execute(
                select(ClassSharingAcceptance, accepted_by, stopped_by)
                .join(School, School.id == ClassSharingAcceptance.school_id)
                .outerjoin(accepted_by, accepted_by.id == ClassSharingAcceptance.staff_id)
                .outerjoin(stopped_by, stopped_by.id == ClassSharingAcceptance.stopped_by_staff_id)
                .where(School.instellingsnummer == instellingsnummer)
                .order_by(
                    ClassSharingAcceptance.accepted_at.desc(), ClassSharingAcceptance.id.desc()
                )
            ).all()
        return [
            ClassSharingRecord(
                id=a.id,
                protocol_version=a.protocol_version,
                accepted_at=a.accepted_at,
                accepted_by=_name(by),
                stopped_at=a.stopped_at,
                stopped_by=_name(stopper),
            )
            for a, by, stopper in rows
        ]

    def _databeheerder(
        self, session: Session, instellingsnummer: str, account_id: int
    ) -> tuple[School, int]:
        school = session.scalar(
            select(School).where(School.instellingsnummer == instellingsnummer).with_for_update()
        )
        if school is None:
            raise NotFound(f"school {instellingsnummer}")
        staff_id = session.scalar(
            select(Account.staff_id).where(Account.id == account_id, Account.status == "active")
        )
        day = self._store.clock.today()
        if staff_id is None or school.id not in databeheerder_school_ids(session, staff_id, day):
            raise NotPermitted("enkel de LeerID-databeheerder van de school kan dit")
        return school, staff_id


def _name(staff: Staff | None) -> str | None:
    return None if staff is None else f"{staff.voornaam} {staff.naam}"
