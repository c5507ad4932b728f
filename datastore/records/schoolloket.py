"""Frozen records of the Schoolloket's datastore API.

ORM rows never leave the datastore; the Schoolloket and the administration-package link see
these records only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

__all__ = [
    "CLASS_SHARING_PACKAGES",
    "AccessLogRecord",
    "Actor",
    "ApplicationChoice",
    "ClassRecord",
    "ClassSharingRecord",
    "DropLine",
    "DropReport",
    "ImportRejected",
    "PackagePupil",
    "PupilRow",
    "SchoolRecord",
    "SchoolRoles",
    "SchoolloketSessionRecord",
    "StaffImportResult",
    "StaffImportRow",
    "StaffRoles",
    "VisibilityRecord",
]

# Class sharing is possible only for schools on one of these administration packages, the
# ones that deliver class information.
CLASS_SHARING_PACKAGES: tuple[str, ...] = ("broekx", "informat")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who reads or changes pupil data, for the access log."""

    kind: str  # "staff" or "package"
    name: str  # staff username, or "<package>@<instellingsnummer>"


@dataclass(frozen=True, slots=True)
class SchoolRecord:
    id: int
    instellingsnummer: str
    name: str
    admin_package: str
    class_sharing_active: bool

    @property
    def package_supports_class_sharing(self) -> bool:
        return self.admin_package.lower() in CLASS_SHARING_PACKAGES


@dataclass(frozen=True, slots=True)
class SchoolRoles:
    """The roles one staff member holds at one school on one day."""

    school: SchoolRecord
    databeheerder: bool
    beheerder: bool


@dataclass(frozen=True, slots=True)
class StaffRoles:
    """A staff member and the schools where they hold a role today."""

    account_id: int
    staff_id: int
    username: str
    naam: str
    voornaam: str
    schools: tuple[SchoolRoles, ...]

    def at(self, instellingsnummer: str) -> SchoolRoles | None:
        return next(
            (r for r in self.schools if r.school.instellingsnummer == instellingsnummer), None
        )


@dataclass(frozen=True, slots=True)
class ClassRecord:
    id: int
    name: str
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class ClassSharingRecord:
    """One acceptance of the school-to-DOV protocol, and its stop if stopped."""

    id: int
    protocol_version: str
    accepted_at: dt.datetime
    accepted_by: str | None
    stopped_at: dt.datetime | None
    stopped_by: str | None


@dataclass(frozen=True, slots=True)
class PupilRow:
    """A pupil's account enrolled at the school, as the LeerID-beheer tab lists it."""

    account_id: int
    account_uuid: str
    username: str
    naam: str
    voornaam: str
    leer_id_uuid: str | None
    is_temporary: bool
    klas: str | None
    changed_at: dt.datetime
    distributed_at: dt.datetime | None

    @property
    def needs_distribution(self) -> bool:
        """New or changed since its last distribution sheet, so the next sheet must include it."""
        return self.distributed_at is None or self.changed_at > self.distributed_at


@dataclass(frozen=True, slots=True)
class ApplicationChoice:
    id: int
    key: str
    name: str
    organisation: str
    class_sharing_integrated: bool
    # The application's protocol with DOV: active, suspended or ended (None: there is none).
    protocol_status: str | None = None


@dataclass(frozen=True, slots=True)
class VisibilityRecord:
    """An application made visible at this school: to the school, a (sub)class or a pupil."""

    id: int
    application_id: int
    target_kind: str  # "school", "class" or "pupil"
    target_label: str


@dataclass(frozen=True, slots=True)
class PackagePupil:
    """What the administration-package API tells about an enrolled pupil.

    One identifier: the leer_id_uuid, or the account_uuid for a pupil without LeerID.
    """

    leer_id_uuid: str | None
    account_uuid: str | None
    naam: str
    voornaam: str

    def as_dict(self) -> dict[str, Any]:
        identifier: dict[str, Any] = (
            {"leer_id_uuid": self.leer_id_uuid}
            if self.leer_id_uuid is not None
            else {"account_uuid": self.account_uuid}
        )
        return {**identifier, "naam": self.naam, "voornaam": self.voornaam}


@dataclass(frozen=True, slots=True)
class DropLine:
    """One parsed line of a class-information file."""

    line: int
    leer_id_uuid: str | None
    account_uuid: str | None
    insz: str | None
    klas: str


@dataclass(frozen=True, slots=True)
class DropReport:
    """The drop server's answer: what was applied and which lines were rejected, and why."""

    sha256: str
    received_at: dt.datetime
    lines: int
    applied: int
    rejected: tuple[tuple[int, str], ...]
    already_received: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "received_at": self.received_at.isoformat(),
            "lines": self.lines,
            "applied": self.applied,
            "rejected": [{"line": n, "reason": r} for n, r in self.rejected],
            "already_received": self.already_received,
        }


@dataclass(frozen=True, slots=True)
class StaffImportRow:
    """One line of the weekly bulk upload of staff roles."""

    line: int
    username: str
    instellingsnummer: str
    rol: str  # "directeur" or "beheerder"
    naam: str | None = None
    voornaam: str | None = None
    email: str | None = None
    begindatum: dt.date | None = None
    einddatum: dt.date | None = None
    verstuurd: bool = True


@dataclass(frozen=True, slots=True)
class StaffImportResult:
    staff_created: int = 0
    assignments_added: int = 0
    assignments_updated: int = 0
    grants_added: int = 0
    unchanged: int = 0


class ImportRejected(ValueError):
    """A bulk upload with invalid lines; nothing of it was applied."""

    def __init__(self, errors: list[tuple[int, str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"line {n}: {reason}" for n, reason in errors))


@dataclass(frozen=True, slots=True)
class AccessLogRecord:
    id: int
    at: dt.datetime
    actor_kind: str
    actor: str
    school: str | None
    action: str
    subject: str | None
    purpose: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at.isoformat(),
            "actor_kind": self.actor_kind,
            "actor": self.actor,
            "school": self.school,
            "action": self.action,
            "subject": self.subject,
            "purpose": self.purpose,
        }


@dataclass(frozen=True, slots=True)
class SchoolloketSessionRecord:
    id: int
    csrf_token: str
    expires_at: dt.datetime
    login_state: str | None
    login_nonce: str | None
    code_verifier: str | None
    account_id: int | None
    id_token: str | None
