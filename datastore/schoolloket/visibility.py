"""Applicatiebeheer: which applications are visible to which pupils at a school.

A row in ``visibility`` targets the whole school, one (sub)class (covering its subclasses)
or one pupil. Release reads these rows at every login, so the next login's
``klas`` claim follows a change at once; the generation is bumped as well, for any cache.
The rows are written by the table's owner, ``datastore.admin.visibility``; this module checks
the staff member's role, keeps the access log and speaks Dutch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import Session

from datastore.admin.visibility import add_visibility, find_visibility, remove_visibility
from datastore.db.models import (
    Account,
    Application,
    Client,
    Organisation,
    Protocol,
    Pupil,
    School,
    SchoolClass,
    Visibility,
)
from datastore.errors import AlreadyExists, Conflict, NotFound
from datastore.records.schoolloket import Actor, ApplicationChoice, VisibilityRecord
from datastore.schoolloket.base import reading
from datastore.schoolloket.log import add_access_entry
from datastore.schoolloket.pupils import current_enrolments, require_beheerder, school_by_number

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["VisibilityMixin"]

TARGETS = ("school", "class", "pupil")


class VisibilityMixin:
    """Make applications visible per school, (sub)class or pupil, and hide them again."""

    _store: Database

    def applications(self) -> list[ApplicationChoice]:
        """Applications pupils can use: every application with a client that is not staff-only."""
        pupil_client = exists().where(
            Client.application_id == Application.id, Client.staff_only.is_(False)
        )
        integrated = exists().where(
            Client.application_id == Application.id, Client.class_sharing_integrated.is_(True)
        )
        with reading(self._store) as session:
            rows = session.execute(
                select(Application, Organisation.name, integrated, Protocol.status)
                .join(Organisation, Organisation.id == Application.organisation_id)
                .outerjoin(Protocol, Protocol.application_id == Application.id)
                .where(pupil_client)
                .order_by(Application.name)
            ).all()
        return [
            ApplicationChoice(a.id, a.key, a.name, org, bool(i), status)
            for a, org, i, status in rows
        ]

    def visibility(self, instellingsnummer: str) -> list[VisibilityRecord]:
        """The visibility rows that concern the school, by application and target."""
        with reading(self._store) as session:
            school = school_by_number(session, instellingsnummer)
            enrolled = current_enrolments(school.id, self._store.clock.today()).subquery()
            rows = session.execute(
                select(Visibility, SchoolClass.name, Pupil.voornaam, Pupil.naam)
                .outerjoin(SchoolClass, SchoolClass.id == Visibility.class_id)
                .outerjoin(Pupil, Pupil.id == Visibility.pupil_id)
                .where(
                    or_(
                        Visibility.school_id == school.id,
                        SchoolClass.school_id == school.id,
                        Visibility.pupil_id.in_(select(enrolled.c.pupil_id)),
                    )
                )
                .order_by(Visibility.application_id, Visibility.id)
            ).all()
        records = []
        for row, klas, voornaam, naam in rows:
            if row.school_id is not None:
                kind, label = "school", f"alle leerlingen van {school.name}"
            elif row.class_id is not None:
                kind, label = "class", f"klas {klas}"
            else:
                kind, label = "pupil", f"{voornaam} {naam}"
            records.append(VisibilityRecord(row.id, row.application_id, kind, label))
        return records

    def make_visible(
        self,
        instellingsnummer: str,
        actor_account_id: int,
        application_id: int,
        target: str,
        value: str = "",
    ) -> VisibilityRecord:
        """Make an application visible to the school, a (sub)class (its id) or a pupil (username).

        Per (sub)class only while the school shares class information, which is what makes classes
        usable in the Schoolloket.
        """
        if target not in TARGETS:
            raise ValueError(f"unknown target {target!r}")
        with self._store.write() as session:
            school = school_by_number(session, instellingsnummer)
            actor = require_beheerder(session, school, actor_account_id)
            application = session.get(Application, application_id)
            if application is None or application_id not in {a.id for a in self.applications()}:
                raise NotFound(f"geen applicatie voor leerlingen met id {application_id}")
            target_ids: dict[str, int] = {}
            if target == "school":
                target_ids["school_id"], label = school.id, f"alle leerlingen van {school.name}"
            elif target == "class":
                if not school.class_sharing_active:
                    raise Conflict(
                        "per (sub)klas toekennen kan enkel als klasinformatie gedeeld wordt"
                    )
                klass = session.scalar(
                    select(SchoolClass).where(
                        SchoolClass.school_id == school.id, SchoolClass.id == _int(value)
                    )
                )
                if klass is None:
                    raise NotFound(f"{school.name} heeft geen klas {value!r}")
                target_ids["class_id"], label = klass.id, f"klas {klass.name}"
            else:
                pupil = self._enrolled_pupil(session, school, value)
                target_ids["pupil_id"], label = pupil.id, f"{pupil.voornaam} {pupil.naam}"
            if find_visibility(session, application.id, **target_ids) is not None:
                raise AlreadyExists(f"{application.name} is al zichtbaar voor {label}")
            row = add_visibility(session, application.id, self._store.clock.now(), **target_ids)
            self._log(session, actor, school, "applicatie_zichtbaar", f"{application.key}: {label}")
            self._store.clock.bump_generation(session)
            return VisibilityRecord(row.id, application.id, target, label)

    def hide(self, instellingsnummer: str, actor_account_id: int, visibility_id: int) -> None:
        """Remove one visibility row of this school (the application is hidden again)."""
        records = {r.id: r for r in self.visibility(instellingsnummer)}
        with self._store.write() as session:
            school = school_by_number(session, instellingsnummer)
            actor = require_beheerder(session, school, actor_account_id)
            row = session.get(Visibility, visibility_id)
            if row is None or visibility_id not in records:
                raise NotFound(f"zichtbaarheid {visibility_id} van {school.name}")
            application = session.get(Application, row.application_id)
            remove_visibility(session, row)
            key = application.key if application is not None else str(row.application_id)
            label = records[visibility_id].target_label
            self._log(session, actor, school, "applicatie_verborgen", f"{key}: {label}")
            self._store.clock.bump_generation(session)

    def _enrolled_pupil(self, session: Session, school: School, username: str) -> Pupil:
        enrolled = current_enrolments(school.id, self._store.clock.today()).subquery()
        pupil = session.scalar(
            select(Pupil)
            .join(Account, Account.pupil_id == Pupil.id)
            .join(enrolled, enrolled.c.pupil_id == Pupil.id)
            .where(Account.username == username.strip())
        )
        if pupil is None:
            raise NotFound(f"geen leerling van {school.name} met gebruikersnaam {username!r}")
        return pupil

    def _log(self, session: Session, actor: str, school: School, action: str, subject: str) -> None:
        add_access_entry(
            session,
            self._store.clock.now(),
            Actor("staff", actor),
            school.instellingsnummer,
            action,
            subject,
            "applicatiebeheer",
        )


def _int(value: str) -> int:
    # ASCII digits that fit a 64-bit integer: anything else names no class (and int() would
    # take other scripts' digits, and a number too large for the database).
    if not (value.isascii() and value.isdigit() and len(value) <= 18):
        raise NotFound("geen klas met dit nummer")
    return int(value)
