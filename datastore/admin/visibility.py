"""The one writer of the ``visibility`` table; admin changes to a school's class sharing
(written by ``datastore.admin.schools``).

The admin API's changes (``VisibilityAdmin``) and the functions other modules call to change
visibility within their own transaction (the Schoolloket's applicatiebeheer, world loading).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Mapped, Session

from datastore.admin.base import AdminBase, InvalidField
from datastore.admin.schools import (
    check_class_sharing_package,
    start_class_sharing,
    stop_class_sharing,
)
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

__all__ = [
    "SCHOOL_PROTOCOL_VERSION",
    "VisibilityAdmin",
    "add_visibility",
    "find_visibility",
    "remove_visibility",
]

# The version of the school-to-DOV protocol an acceptance through the admin API records.
SCHOOL_PROTOCOL_VERSION = "2024-1"


def find_visibility(
    session: Session,
    application_id: int,
    *,
    school_id: int | None = None,
    class_id: int | None = None,
    pupil_id: int | None = None,
) -> int | None:
    """The id of the row that makes the application visible to exactly this target, if any."""
    return session.scalar(
        select(Visibility.id).where(
            Visibility.application_id == application_id,
            _same(Visibility.school_id, school_id),
            _same(Visibility.class_id, class_id),
            _same(Visibility.pupil_id, pupil_id),
        )
    )


def add_visibility(
    session: Session,
    application_id: int,
    created_at: dt.datetime,
    *,
    school_id: int | None = None,
    class_id: int | None = None,
    pupil_id: int | None = None,
) -> Visibility:
    """Within ``session``: make the application visible to one school, (sub)class or pupil.

    The caller checks first (``find_visibility``) that no row says the same already.
    """
    row = Visibility(
        application_id=application_id,
        school_id=school_id,
        class_id=class_id,
        pupil_id=pupil_id,
        created_at=created_at,
    )
    session.add(row)
    session.flush()
    return row


def remove_visibility(session: Session, row: Visibility) -> None:
    """Within ``session``: hide the application again from the row's target."""
    session.delete(row)


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
            target: dict[str, int] = {}
            if values.get("pupil_id") is not None or values.get("username") is not None:
                if values.get("school") is not None or values.get("klas") is not None:
                    raise InvalidField("school", "give a pupil, a class or a school: one target")
                target["pupil_id"] = self._pupil_ref(session, values).id
            elif values.get("school") is not None:
                school = self._school(session, values["school"], "school")
                if values.get("klas") is not None:
                    target["class_id"] = self._class(session, school, values["klas"], "klas").id
                else:
                    target["school_id"] = school.id
            else:
                raise InvalidField("pupil_id", "give pupil_id, username or school (and klas)")
            taken = find_visibility(session, application.id, **target)
            if taken is not None:
                raise AlreadyExists(f"visibility entry {taken} says the same already")
            row = add_visibility(session, application.id, self._store.clock.now(), **target)
            return _visibility_record(session, row)

    def delete_visibility(self, visibility_id: int) -> None:
        with self._change() as session:
            remove_visibility(
                session, self._get(session, Visibility, visibility_id, "visibility entry")
            )

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
                start_class_sharing(session, school, staff_id, SCHOOL_PROTOCOL_VERSION, now)
            elif not active and school.class_sharing_active:
                stop_class_sharing(session, school, staff_id, now)
            session.flush()
            return _sharing_state(session, school)


def _same(column: Mapped[int | None], value: int | None) -> ColumnElement[bool]:
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
