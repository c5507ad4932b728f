"""Admin changes to application visibility and to a school's class sharing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datastore.admin.base import AdminBase, InvalidField
from datastore.admin.schools import check_class_sharing_package
from datastore.db.models import (
    Application,
    ClassSharingAcceptance,
    School,
    SchoolClass,
    Visibility,
)
from datastore.errors import AlreadyExists
from datastore.records.admin import (
    AdminVisibility,
    ClassSharingAcceptanceRecord,
    ClassSharingState,
)

__all__ = ["SCHOOL_PROTOCOL_VERSION", "VisibilityAdmin"]

# The version of the school-to-DOV protocol an acceptance through the admin API records.
SCHOOL_PROTOCOL_VERSION = "2024-1"


def _visibility_record(session: Session, row: Visibility) -> AdminVisibility:
    application = session.get(Application, row.application_id)
    klass = session.get(SchoolClass, row.class_id) if row.class_id is not None else None
    school_id = klass.school_id if klass is not None else row.school_id
    school = session.get(School, school_id) if school_id is not None else None
    target = "pupil" if row.pupil_id is not None else "class" if klass is not None else "school"
    return AdminVisibility(
        id=row.id,
        application=application.key if application is not None else "",
        target=target,
        pupil_id=row.pupil_id,
        school=school.instellingsnummer if school is not None else None,
        klas=klass.name if klass is not None else None,
        created_at=row.created_at,
    )


class VisibilityAdmin(AdminBase):
    """Which applications are visible to which pupils, classes and schools; class sharing."""

    def visibility(
        self, *, application: str | None = None, school: str | None = None
    ) -> list[AdminVisibility]:
        with self._store.read() as session:
            query = select(Visibility).order_by(Visibility.id)
            if application is not None:
                query = query.where(
                    Visibility.application_id == self._application(session, application).id
                )
            records = [_visibility_record(session, v) for v in session.scalars(query).all()]
        return [r for r in records if school is None or r.school == school]

    def visibility_entry(self, visibility_id: int) -> AdminVisibility:
        with self._store.read() as session:
            row = self._get(session, Visibility, visibility_id, "visibility entry")
            return _visibility_record(session, row)

    def create_visibility(self, values: Mapping[str, Any]) -> AdminVisibility:
        """Make an application visible to a pupil (pupil_id or username), a class or a school.

        Visibility to a class covers its subclasses.
        """
        with self._change() as session:
            application = self._application(session, values["application"], "application")
            row = Visibility(application_id=application.id, created_at=self._store.clock.now())
            if values.get("pupil_id") is not None or values.get("username") is not None:
                if values.get("school") is not None or values.get("klas") is not None:
                    raise InvalidField("school", "give a pupil, a class or a school: one target")
                row.pupil_id = self._pupil_ref(session, values).id
            elif values.get("school") is not None:
                school = self._school(session, values["school"], "school")
                if values.get("klas") is not None:
                    row.class_id = self._class(session, school, values["klas"], "klas").id
                else:
                    row.school_id = school.id
            else:
                raise InvalidField("pupil_id", "give pupil_id, username or school (and klas)")
            taken = session.scalar(
                select(Visibility.id).where(
                    Visibility.application_id == row.application_id,
                    _same(Visibility.pupil_id, row.pupil_id),
                    _same(Visibility.class_id, row.class_id),
                    _same(Visibility.school_id, row.school_id),
                )
            )
            if taken is not None:
                raise AlreadyExists(f"visibility entry {taken} says the same already")
            session.add(row)
            session.flush()
            return _visibility_record(session, row)

    def delete_visibility(self, visibility_id: int) -> None:
        with self._change() as session:
            session.delete(self._get(session, Visibility, visibility_id, "visibility entry"))

    # -- class sharing

    def class_sharing(self, instellingsnummer: str) -> ClassSharingState:
        with self._store.read() as session:
            return _sharing_state(session, self._school(session, instellingsnummer))

    def set_class_sharing(
        self, instellingsnummer: str, active: bool, staff_id: int | None = None
    ) -> ClassSharingState:
        """Activate (accepting the school-to-DOV protocol) or stop class sharing at a school."""
        with self._change() as session:
            school = self._school(session, instellingsnummer)
            now = self._store.clock.now()
            if active and not school.class_sharing_active:
                check_class_sharing_package(school)
                session.add(
                    ClassSharingAcceptance(
                        school_id=school.id,
                        staff_id=staff_id,
                        protocol_version=SCHOOL_PROTOCOL_VERSION,
                        accepted_at=now,
                    )
                )
            elif not active and school.class_sharing_active:
                open_acceptances = session.scalars(
                    select(ClassSharingAcceptance).where(
                        ClassSharingAcceptance.school_id == school.id,
                        ClassSharingAcceptance.stopped_at.is_(None),
                    )
                ).all()
                for acceptance in open_acceptances:
                    acceptance.stopped_at = now
                    acceptance.stopped_by_staff_id = staff_id
            school.class_sharing_active = active
            session.flush()
            return _sharing_state(session, school)


def _same(column: Any, value: int | None) -> Any:
    return column.is_(None) if value is None else column == value


def _sharing_state(session: Session, school: School) -> ClassSharingState:
    rows = session.scalars(
        select(ClassSharingAcceptance)
        .where(ClassSharingAcceptance.school_id == school.id)
        .order_by(ClassSharingAcceptance.id)
    ).all()
    return ClassSharingState(
        school=school.instellingsnummer,
        admin_package=school.admin_package,
        active=school.class_sharing_active,
        acceptances=tuple(
            ClassSharingAcceptanceRecord(
                protocol_version=r.protocol_version,
                accepted_at=r.accepted_at,
                accepted_by_staff_id=r.staff_id,
                stopped_at=r.stopped_at,
                stopped_by_staff_id=r.stopped_by_staff_id,
            )
            for r in rows
        ),
    )
