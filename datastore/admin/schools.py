"""The one writer of the ``class_sharing_acceptances`` table; admin changes to schools and their
(sub)classes.

Class sharing is a school's flag together with the acceptance that records who started it and
who stopped it: ``start_class_sharing`` and ``stop_class_sharing`` change both, within the
caller's transaction (the admin API and the Schoolloket). World loading writes the acceptance
as its file says (``upsert_acceptance``) and the flag with the school's other values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datastore.admin.base import AdminBase, InvalidField
from datastore.db.models import ClassSharingAcceptance, School, SchoolClass
from datastore.db.upsert import upsert
from datastore.errors import AlreadyExists, Conflict
from datastore.records.admin import AdminClass, AdminSchool

__all__ = [
    "CLASS_SHARING_PACKAGES",
    "SchoolAdmin",
    "check_class_sharing_package",
    "start_class_sharing",
    "stop_class_sharing",
    "upsert_acceptance",
    "upsert_class",
    "upsert_school",
]

# Class sharing needs an administration package that delivers class information.
CLASS_SHARING_PACKAGES = ("broekx", "informat")


def school_record(school: School) -> AdminSchool:
    return AdminSchool(
        id=school.id,
        instellingsnummer=school.instellingsnummer,
        name=school.name,
        admin_package=school.admin_package,
        class_sharing_active=school.class_sharing_active,
    )


def _class_record(session: Session, klass: SchoolClass) -> AdminClass:
    school = session.get(School, klass.school_id)
    parent = session.get(SchoolClass, klass.parent_id) if klass.parent_id is not None else None
    return AdminClass(
        id=klass.id,
        school=school.instellingsnummer if school is not None else "",
        name=klass.name,
        parent=parent.name if parent is not None else None,
        parent_id=klass.parent_id,
    )


def check_class_sharing_package(school: School) -> None:
    """Only Broekx and Informat schools can share class information: those packages deliver it."""
    if school.admin_package.lower() not in CLASS_SHARING_PACKAGES:
        raise Conflict(
            f"school {school.instellingsnummer} uses {school.admin_package!r}: class sharing"
            f" needs one of {', '.join(CLASS_SHARING_PACKAGES)}"
        )


def start_class_sharing(
    session: Session,
    school: School,
    staff_id: int | None,
    protocol_version: str,
    now: dt.datetime,
) -> ClassSharingAcceptance:
    """Within ``session``: the school shares class information from ``now``, accepted by
    ``staff_id`` under ``protocol_version`` of the school-to-DOV protocol. The caller checks
    that the school may and does not share already."""
    acceptance = ClassSharingAcceptance(
        school_id=school.id,
        staff_id=staff_id,
        protocol_version=protocol_version,
        accepted_at=now,
    )
    session.add(acceptance)
    school.class_sharing_active = True
    session.flush()
    return acceptance


def stop_class_sharing(
    session: Session, school: School, staff_id: int | None, now: dt.datetime
) -> None:
    """Within ``session``: the school stops sharing class information; every open acceptance
    records who stopped it, and when."""
    for acceptance in session.scalars(
        select(ClassSharingAcceptance).where(
            ClassSharingAcceptance.school_id == school.id,
            ClassSharingAcceptance.stopped_at.is_(None),
        )
    ).all():
        acceptance.stopped_at = now
        acceptance.stopped_by_staff_id = staff_id
    school.class_sharing_active = False
    session.flush()


def upsert_acceptance(
    session: Session,
    school_id: int,
    protocol_version: str,
    accepted_at: dt.datetime,
    *,
    staff_id: int,
    current: bool,
) -> ClassSharingAcceptance:
    """Within ``session``: the acceptance keyed by (school, protocol version, time), made or
    changed to ``staff_id``; a ``current`` one is open again (no stop). World loading, which
    sets the school's flag itself."""
    changes: dict[str, Any] = {"staff_id": staff_id}
    if current:
        changes.update(stopped_at=None, stopped_by_staff_id=None)
    return upsert(
        session,
        ClassSharingAcceptance,
        [
            ClassSharingAcceptance.school_id == school_id,
            ClassSharingAcceptance.protocol_version == protocol_version,
            ClassSharingAcceptance.accepted_at == accepted_at,
        ],
        school_id=school_id,
        protocol_version=protocol_version,
        accepted_at=accepted_at,
        **changes,
    )


def upsert_school(session: Session, instellingsnummer: str, **values: Any) -> School:
    """Within ``session``: the school ``instellingsnummer``, made or changed to ``values``
    (world loading)."""
    return upsert(
        session,
        School,
        [School.instellingsnummer == instellingsnummer],
        instellingsnummer=instellingsnummer,
        **values,
    )


def upsert_class(
    session: Session, school_id: int, name: str, *, parent_id: int | None
) -> SchoolClass:
    """Within ``session``: the school's class ``name`` (a subclass of ``parent_id``), made or
    changed (world loading)."""
    return upsert(
        session,
        SchoolClass,
        [SchoolClass.school_id == school_id, SchoolClass.name == name],
        school_id=school_id,
        name=name,
        parent_id=parent_id,
    )


class SchoolAdmin(AdminBase):
    """Schools (by instellingsnummer) and their classes and subclasses."""

    def schools(self) -> list[AdminSchool]:
        with self._store.read() as session:
            rows = session.scalars(select(School).order_by(School.instellingsnummer)).all()
            return [school_record(s) for s in rows]

    def school(self, instellingsnummer: str) -> AdminSchool:
        with self._store.read() as session:
            return school_record(self._school(session, instellingsnummer))

    def create_school(self, values: Mapping[str, Any]) -> AdminSchool:
        with self._change() as session:
            self._unique_school(session, values["instellingsnummer"])
            school = School(
                instellingsnummer=values["instellingsnummer"],
                name=values["name"],
                admin_package=values.get("admin_package", "informat"),
                class_sharing_active=values.get("class_sharing_active", False),
            )
            if school.class_sharing_active:
                check_class_sharing_package(school)
            session.add(school)
            session.flush()
            return school_record(school)

    def update_school(self, instellingsnummer: str, values: Mapping[str, Any]) -> AdminSchool:
        with self._change() as session:
            school = self._school(session, instellingsnummer)
            new_number = values.get("instellingsnummer")
            if new_number is not None and new_number != school.instellingsnummer:
                self._unique_school(session, new_number)
                school.instellingsnummer = new_number
            for field in ("name", "admin_package", "class_sharing_active"):
                if values.get(field) is not None:
                    setattr(school, field, values[field])
            if school.class_sharing_active:
                check_class_sharing_package(school)
            session.flush()
            return school_record(school)

    def delete_school(self, instellingsnummer: str) -> None:
        with self._change() as session:
            session.delete(self._school(session, instellingsnummer))

    @staticmethod
    def _unique_school(session: Session, instellingsnummer: str) -> None:
        taken = session.scalar(
            select(School.id).where(School.instellingsnummer == instellingsnummer)
        )
        if taken is not None:
            raise AlreadyExists(f"a school with instellingsnummer {instellingsnummer} exists")

    # -- classes

    def classes(self, school: str | None = None) -> list[AdminClass]:
        with self._store.read() as session:
            query = select(SchoolClass).order_by(SchoolClass.school_id, SchoolClass.name)
            if school is not None:
                query = query.where(SchoolClass.school_id == self._school(session, school).id)
            return [_class_record(session, c) for c in session.scalars(query).all()]

    def class_(self, class_id: int) -> AdminClass:
        with self._store.read() as session:
            return _class_record(session, self._get(session, SchoolClass, class_id, "class"))

    def create_class(self, values: Mapping[str, Any]) -> AdminClass:
        with self._change() as session:
            school = self._school(session, values["school"], "school")
            self._unique_class(session, school, values["name"])
            klass = SchoolClass(school_id=school.id, name=values["name"])
            if values.get("parent") is not None:
                klass.parent_id = self._class(session, school, values["parent"], "parent").id
            session.add(klass)
            session.flush()
            return _class_record(session, klass)

    def update_class(self, class_id: int, values: Mapping[str, Any]) -> AdminClass:
        with self._change() as session:
            klass = self._get(session, SchoolClass, class_id, "class")
            school = self._get(session, School, klass.school_id, "school")
            if values.get("name") is not None and values["name"] != klass.name:
                self._unique_class(session, school, values["name"])
                klass.name = values["name"]
            if "parent" in values:
                if values["parent"] is None:
                    klass.parent_id = None
                else:
                    parent = self._class(session, school, values["parent"], "parent")
                    if self._is_descendant(session, parent, klass.id):
                        raise InvalidField("parent", "a class cannot be its own ancestor")
                    klass.parent_id = parent.id
            session.flush()
            return _class_record(session, klass)

    def delete_class(self, class_id: int) -> None:
        with self._change() as session:
            session.delete(self._get(session, SchoolClass, class_id, "class"))

    @staticmethod
    def _unique_class(session: Session, school: School, name: str) -> None:
        taken = session.scalar(
            select(SchoolClass.id).where(
                SchoolClass.school_id == school.id, SchoolClass.name == name
            )
        )
        if taken is not None:
            raise AlreadyExists(f"school {school.instellingsnummer} has a class {name!r} already")

    @staticmethod
    def _is_descendant(session: Session, klass: SchoolClass, ancestor_id: int) -> bool:
        current: SchoolClass | None = klass
        while current is not None:
            if current.id == ancestor_id:
                return True
            current = (
                session.get(SchoolClass, current.parent_id)
                if current.parent_id is not None
                else None
            )
        return False
