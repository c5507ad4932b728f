"""The administration-package link (the school-to-DOV protocol on class information, art. 2).

DOV gives the school's administration package (Broekx, Informat) the leer_id_uuid of each
enrolled pupil, or the account_uuid for a pupil without LeerID; the package links
class information to them and delivers it through the drop server. Each school has its own API
key, stored as SHA-256 in ``schools.package_api_key_hash``. Every read and delivery is logged.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from datastore.admin.pupils import place_in_class
from datastore.db.models import Account, DropFile, Enrolment, Pupil, School, SchoolClass
from datastore.errors import Conflict
from datastore.hashing import sha256_hex, verify_sha256
from datastore.records.schoolloket import (
    CLASS_SHARING_PACKAGES,
    Actor,
    DropLine,
    DropReport,
    PackagePupil,
    SchoolRecord,
)
from datastore.schoolloket.base import reading
from datastore.schoolloket.log import add_access_entry
from datastore.schoolloket.pupils import current_enrolments, school_by_number
from datastore.schoolloket.roles import school_record

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["PackageMixin"]


class PackageMixin:
    """API keys, the pupil list, the INSZ look-up and the drop server's datastore side."""

    _store: Database

    def set_package_api_key(self, instellingsnummer: str, api_key: str) -> None:
        """Issue ``api_key`` to the school's administration package (kept as SHA-256 only)."""
        if len(api_key) < 16:
            raise ValueError("an API key has at least 16 characters")
        with self._store.write() as session:
            school_by_number(session, instellingsnummer).package_api_key_hash = sha256_hex(api_key)

    def authenticate_package(self, instellingsnummer: str, api_key: str) -> SchoolRecord | None:
        """The school when ``api_key`` is its package's key; ``None`` otherwise (constant time)."""
        with reading(self._store) as session:
            school = session.scalar(
                select(School).where(School.instellingsnummer == instellingsnummer)
            )
            stored = None if school is None else school.package_api_key_hash
            if not verify_sha256(api_key, stored) or school is None:
                return None
            return school_record(school)

    def package_pupils(self, school: SchoolRecord, actor: Actor) -> list[PackagePupil]:
        """The school's enrolled pupils, each with leer_id_uuid or else account_uuid."""
        with self._store.write() as session:
            _require_sharing(session, school)
            enrolled = current_enrolments(school.id, self._store.clock.today()).subquery()
            pupils = session.scalars(
                select(Pupil)
                .where(Pupil.id.in_(select(enrolled.c.pupil_id)))
                .order_by(Pupil.naam, Pupil.voornaam, Pupil.id)
            ).all()
            result = [self._package_pupil(session, p) for p in pupils]
            add_access_entry(
                session,
                self._store.clock.now(),
                actor,
                school.instellingsnummer,
                "leerlingen_opvragen",
                f"{len(result)} leerlingen",
                "klasinformatie",
            )
        return result

    def package_lookup_insz(
        self, school: SchoolRecord, actor: Actor, insz: Sequence[str]
    ) -> dict[str, PackagePupil | None]:
        """Identified pupils of this school by INSZ; any other INSZ answers ``None``.

        The INSZ itself is never written to the access log: only what was found.
        """
        with self._store.write() as session:
            _require_sharing(session, school)
            enrolled = current_enrolments(school.id, self._store.clock.today()).subquery()
            found = {
                p.insz: p
                for p in session.scalars(
                    select(Pupil).where(
                        Pupil.insz.in_(list(insz)),
                        Pupil.leer_id_uuid.is_not(None),
                        Pupil.id.in_(select(enrolled.c.pupil_id)),
                    )
                )
            }
            result = {
                number: self._package_pupil(session, found[number]) if number in found else None
                for number in insz
            }
            add_access_entry(
                session,
                self._store.clock.now(),
                actor,
                school.instellingsnummer,
                "leerlingen_opzoeken_insz",
                ", ".join(sorted(str(p.leer_id_uuid) for p in found.values())) or "geen",
                "klasinformatie",
            )
        return result

    def receive_drop_file(
        self,
        school: SchoolRecord,
        actor: Actor,
        sha256: str,
        lines: Sequence[DropLine],
        rejected: Sequence[tuple[int, str]],
    ) -> DropReport:
        """Check every line of a class-information file and apply the good ones atomically.

        ``rejected`` holds the lines the parser refused already. The same file (by SHA-256)
        received again changes nothing and answers the first report.
        """
        with self._store.write() as session:
            _require_sharing(session, school)
            previous = session.scalar(
                select(DropFile).where(DropFile.school_id == school.id, DropFile.sha256 == sha256)
            )
            if previous is not None:
                return _report_from(previous, already_received=True)
            now = self._store.clock.now()
            bad = dict(rejected)
            placements = _check_lines(session, school, self._store.clock.today(), lines, bad)
            for enrolment, klass in placements:
                place_in_class(enrolment, klass.id, now)
            report = DropReport(
                sha256=sha256,
                received_at=now,
                lines=len(lines) + len(rejected),
                applied=len(placements),
                rejected=tuple(sorted(bad.items())),
            )
            stored = report.as_dict()
            stored.pop("already_received")
            session.add(
                DropFile(school_id=school.id, sha256=sha256, received_at=now, report=stored)
            )
            add_access_entry(
                session,
                now,
                actor,
                school.instellingsnummer,
                "klasinformatie_aanleveren",
                f"{sha256}: {report.applied} toegepast, {len(report.rejected)} geweigerd",
                "klasinformatie",
            )
            self._store.clock.bump_generation(session)
        return report

    @staticmethod
    def _package_pupil(session: Session, pupil: Pupil) -> PackagePupil:
        account_uuid = None
        if pupil.leer_id_uuid is None:
            account_uuid = session.scalar(
                select(Account.account_uuid)
                .where(Account.pupil_id == pupil.id)
                .order_by(Account.created_at.desc(), Account.id.desc())
            )
        return PackagePupil(pupil.leer_id_uuid, account_uuid, pupil.naam, pupil.voornaam)


def _require_sharing(session: Session, school: SchoolRecord) -> None:
    row = session.get(School, school.id)
    if row is None or row.admin_package.lower() not in CLASS_SHARING_PACKAGES:
        raise Conflict("deze school werkt niet met Broekx of Informat")
    if not row.class_sharing_active:
        raise Conflict(f"{row.name} deelt geen klasinformatie met LeerID (Schoolinstellingen)")


def _report_from(row: DropFile, *, already_received: bool) -> DropReport:
    data = row.report
    return DropReport(
        sha256=row.sha256,
        received_at=row.received_at,
        lines=int(data["lines"]),
        applied=int(data["applied"]),
        rejected=tuple((int(r["line"]), str(r["reason"])) for r in data["rejected"]),
        already_received=already_received,
    )


# One wording for every line whose identifiers are not (together) one pupil enrolled at the asking
# school: unknown anywhere, a pupil of another school, or identifiers of two different pupils.
# Telling these apart would let a school's package test any INSZ or leer_id_uuid of LeerID.
NOT_A_PUPIL_OF_THIS_SCHOOL = "geen leerling van deze school"


def _check_lines(
    session: Session,
    school: SchoolRecord,
    day: dt.date,
    lines: Sequence[DropLine],
    bad: dict[int, str],
) -> list[tuple[Enrolment, SchoolClass]]:
    classes = {
        c.name: c
        for c in session.scalars(select(SchoolClass).where(SchoolClass.school_id == school.id))
    }
    enrolments = {e.pupil_id: e for e in session.scalars(current_enrolments(school.id, day))}
    known = _SchoolPupils.of(session, enrolments)
    seen: dict[int, int] = {}
    placements: list[tuple[Enrolment, SchoolClass]] = []
    for line in lines:
        pupil_id = known.identify(line)
        if pupil_id is None:
            bad[line.line] = NOT_A_PUPIL_OF_THIS_SCHOOL
        elif line.klas not in classes:
            bad[line.line] = f"school {school.instellingsnummer} has no class {line.klas!r}"
        elif pupil_id in seen:
            bad[line.line] = f"pupil already placed on line {seen[pupil_id]}"
        else:
            seen[pupil_id] = line.line
            placements.append((enrolments[pupil_id], classes[line.klas]))
    return placements


@dataclass(frozen=True, slots=True)
class _SchoolPupils:
    """The identifiers of the pupils enrolled at one school, the only ones a line may name.

    Identification never searches the rest of LeerID, and the queries are the same whatever
    the file holds, so neither the answer nor its cost depends on pupils of other schools.
    """

    by_leer_id_uuid: dict[str, int]
    by_account_uuid: dict[str, int]
    by_insz: dict[str, int]

    @classmethod
    def of(cls, session: Session, enrolments: Mapping[int, Enrolment]) -> _SchoolPupils:
        ids = list(enrolments)
        pupils = session.execute(
            select(Pupil.id, Pupil.leer_id_uuid, Pupil.insz).where(Pupil.id.in_(ids))
        ).all()
        accounts = session.execute(
            select(Account.account_uuid, Account.pupil_id).where(Account.pupil_id.in_(ids))
        ).all()
        return cls(
            by_leer_id_uuid={str(p.leer_id_uuid): p.id for p in pupils if p.leer_id_uuid},
            by_account_uuid={str(a.account_uuid): int(a.pupil_id) for a in accounts},
            by_insz={str(p.insz): p.id for p in pupils if p.insz},
        )

    def identify(self, line: DropLine) -> int | None:
        """The one enrolled pupil that every identifier of the line names, else ``None``."""
        named = [
            table.get(value)
            for table, value in (
                (self.by_leer_id_uuid, line.leer_id_uuid),
                (self.by_account_uuid, line.account_uuid),
                (self.by_insz, line.insz),
            )
            if value
        ]
        if not named or None in named or len(set(named)) != 1:
            return None
        return named[0]
