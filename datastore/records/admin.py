"""Frozen records of the admin API: what the world looks like, never a password or secret hash.

References to other things are by natural key where one exists (a school's instellingsnummer,
an application's key, an account's username), so that a listing reads without a second lookup.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from datastore.vocabulary import PUPIL_DETAILS, PupilDetail

__all__ = [
    "AdminAccount",
    "AdminApplication",
    "AdminAssignment",
    "AdminClass",
    "AdminClient",
    "AdminEnrolment",
    "AdminGrant",
    "AdminOrganisation",
    "AdminProtocol",
    "AdminPupil",
    "AdminSchool",
    "AdminStaff",
    "AdminVisibility",
    "ClassSharingAcceptanceRecord",
    "ClassSharingState",
]


def _record_type(detail: PupilDetail) -> Any:
    """A pupil detail's type in a record: a name is a string; an optional one may be ``None``."""
    kind = str if detail.type is None else detail.type
    return kind if detail.required else kind | None


PUPIL_DETAIL_TYPES: dict[str, Any] = {n: _record_type(d) for n, d in PUPIL_DETAILS.items()}


@dataclass(frozen=True, slots=True)
class AdminSchool:
    id: int
    instellingsnummer: str
    name: str
    admin_package: str
    class_sharing_active: bool


@dataclass(frozen=True, slots=True)
class AdminClass:
    id: int
    school: str
    name: str
    parent: str | None
    parent_id: int | None


@dataclass(frozen=True, slots=True)
class AdminPupil:
    id: int
    # The pupil's details (naam, voornaam, …) from the vocabulary: ``dataclass`` reads the
    # class's annotations in order, so they become the fields between ``id`` and ``insz``.
    __annotations__.update(PUPIL_DETAIL_TYPES)
    insz: str | None
    leer_id_uuid: str | None
    historiek_account_uuids: tuple[str, ...]
    accounts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdminAccount:
    id: int
    account_uuid: str
    username: str
    kind: str
    pupil_id: int | None
    staff_id: int | None
    is_temporary: bool
    status: str
    created_at: dt.datetime
    changed_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AdminEnrolment:
    id: int
    pupil_id: int
    school: str
    klas: str | None
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True, slots=True)
class AdminStaff:
    id: int
    naam: str
    voornaam: str
    email: str | None
    accounts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdminAssignment:
    """A director's assignment (directeursopdracht)."""

    id: int
    staff_id: int
    school: str
    sent: bool
    start_date: dt.date
    end_date: dt.date | None


@dataclass(frozen=True, slots=True)
class AdminGrant:
    """The LeerID-beheerder role of a staff member at a school."""

    id: int
    staff_id: int
    school: str


@dataclass(frozen=True, slots=True)
class AdminOrganisation:
    id: int
    name: str
    applications: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AdminApplication:
    id: int
    key: str
    name: str
    organisation: str
    client_ids: tuple[str, ...]
    has_protocol: bool


@dataclass(frozen=True, slots=True)
class AdminClient:
    """A registered client. ``client_secret`` is filled only in the answer to its creation."""

    id: int
    client_id: str
    application: str
    name: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    token_endpoint_auth_method: str
    extra_auth_methods: tuple[str, ...]
    grant_types: tuple[str, ...]
    id_token_signed_response_alg: str
    claim_dialect: str
    class_sharing_integrated: bool
    backchannel_logout_uri: str | None
    sector_identifier: str | None
    staff_only: bool
    jwks: dict[str, Any] | None
    has_secret: bool
    # The rest of the integratiedossier, as the provider applies it (lifetimes: ``None`` is the
    # provider's setting).
    allowed_scopes: tuple[str, ...]
    subject_type: str
    access_token_format: str
    pkce_methods: tuple[str, ...]
    access_token_ttl_seconds: int | None
    id_token_ttl_seconds: int | None
    refresh_token_ttl_seconds: int | None
    acr_values: tuple[str, ...]
    jwks_uri: str | None
    client_secret: str | None = None


@dataclass(frozen=True, slots=True)
class AdminProtocol:
    """A protocol between DOV and a service provider, keyed by its application."""

    id: int
    application: str
    organisation: str
    reference: str
    attributes: tuple[str, ...]
    purpose: str
    disclosure_legal_basis: str
    processing_legal_basis: str
    retention_days: int
    inactive_account_deletion_days: int | None
    status: str
    signed_on: dt.date | None
    status_changed_at: dt.datetime | None
    source_document: str | None


@dataclass(frozen=True, slots=True)
class AdminVisibility:
    """An application made visible to a pupil, a (sub)class or a whole school."""

    id: int
    application: str
    target: str
    pupil_id: int | None
    school: str | None
    klas: str | None
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ClassSharingAcceptanceRecord:
    protocol_version: str
    accepted_at: dt.datetime
    accepted_by_staff_id: int | None
    stopped_at: dt.datetime | None
    stopped_by_staff_id: int | None


@dataclass(frozen=True, slots=True)
class ClassSharingState:
    """Whether a school shares class information, and the acceptances of its protocol."""

    school: str
    admin_package: str
    active: bool
    acceptances: tuple[ClassSharingAcceptanceRecord, ...]
