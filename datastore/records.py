"""Frozen records: what the datastore hands out. ORM rows never leave the package."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

__all__ = [
    "ATTRIBUTES",
    "COMPANION_CLAIMS",
    "DEFAULT_ALLOWED_SCOPES",
    "NEVER_ALLOWED_SCOPES",
    "SCOPES",
    "VO_CLAIMS",
    "AccountRecord",
    "ClientRecord",
    "EnrolmentFacts",
    "ProtocolRecord",
    "ReleaseFacts",
    "check_allowed_scopes",
]

# The closed vocabulary of protocol attributes (seed 000/001 art. 3, seed 002 for klas).
ATTRIBUTES: tuple[str, ...] = (
    "leer_id_uuid",
    "account_uuid",
    "historiek_account_uuid",
    "naam",
    "voornaam",
    "instellingsnummer",
    "klas",
)

# ACM's identity claims of the scope ``vo``, each with the protocol attribute it rests on: a
# claim is released only when the protocol lists that attribute (vo_id identifies the account
# as account_uuid does; the others name the school as instellingsnummer does).
VO_CLAIMS: Mapping[str, str] = MappingProxyType(
    {
        "vo_id": "account_uuid",
        "vo_doelgroepcode": "instellingsnummer",
        "vo_orgcode": "instellingsnummer",
        "vo_orgnaam": "instellingsnummer",
    }
)
# Claims released together with a protocol attribute: the school's name comes with its number.
COMPANION_CLAIMS: Mapping[str, str] = MappingProxyType({"instellingsnaam": "instellingsnummer"})
# The scope table: every scope a client may be allowed, and the names it asks for.
# ``ov_leerling`` (ACM's LeerID scope) stands for every attribute of the client's protocol.
SCOPES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "openid": (),
        "profile": ("naam", "voornaam"),
        "vo": tuple(VO_CLAIMS),
        "ov_leerling": ATTRIBUTES,
        "offline_access": (),
        "account": ("leer_id_uuid", "account_uuid", "historiek_account_uuid"),
        "inschrijving": ("instellingsnummer",),
        "klas": ("klas",),
    }
)
# ACM's scope of the national number: the INSZ is never released, so no dossier may list it.
NEVER_ALLOWED_SCOPES: tuple[str, ...] = ("rrn",)
# A dossier without allowed_scopes may ask every scope of the table.
DEFAULT_ALLOWED_SCOPES: tuple[str, ...] = tuple(SCOPES)


def check_allowed_scopes(scopes: list[str] | tuple[str, ...]) -> str | None:
    """Why a dossier's allowed scopes are wrong, or ``None`` when they are fine."""
    for scope in scopes:
        if scope in NEVER_ALLOWED_SCOPES:
            return f"scope {scope!r} is never allowed: the INSZ is never released"
        if scope not in SCOPES:
            return f"unknown scope {scope!r}; known: {' '.join(SCOPES)}"
    if "openid" not in scopes:
        return "allowed_scopes must include openid"
    return None


@dataclass(frozen=True, slots=True)
class AccountRecord:
    """A login account of a pupil or a staff member."""

    id: int
    account_uuid: str
    username: str
    password_hash: str
    is_temporary: bool
    status: str
    pupil_id: int | None
    staff_id: int | None
    naam: str
    voornaam: str

    @property
    def is_staff(self) -> bool:
        return self.staff_id is not None

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class ProtocolRecord:
    """A protocol between DOV and a service provider (article 3 lists its attributes)."""

    reference: str
    attributes: tuple[str, ...]
    purpose: str
    disclosure_legal_basis: str
    processing_legal_basis: str
    retention_days: int
    inactive_account_deletion_days: int | None
    status: str
    signed_on: dt.date | None
    source_document: str | None

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """An OIDC client with its application, organisation and protocol."""

    id: int
    client_id: str
    name: str
    application_id: int
    application_key: str
    application_name: str
    organisation: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...]
    token_endpoint_auth_method: str
    extra_auth_methods: tuple[str, ...]
    secret_hash: str | None
    jwks: dict[str, Any] | None
    grant_types: tuple[str, ...]
    id_token_signed_response_alg: str
    claim_dialect: str
    class_sharing_integrated: bool
    backchannel_logout_uri: str | None
    sector_identifier: str | None
    staff_only: bool
    protocol: ProtocolRecord | None
    # The dossier's allowed scopes (a stored NULL is the default, resolved when read).
    allowed_scopes: tuple[str, ...] = DEFAULT_ALLOWED_SCOPES

    @property
    def is_public(self) -> bool:
        return self.token_endpoint_auth_method == "none"  # noqa: S105 - a method name

    @property
    def auth_methods(self) -> tuple[str, ...]:
        """Every client authentication method the client may use at the token endpoint."""
        return (self.token_endpoint_auth_method, *self.extra_auth_methods)


@dataclass(frozen=True, slots=True)
class EnrolmentFacts:
    """One enrolment of the pupil, with what release needs about its school and class."""

    instellingsnummer: str
    school_name: str
    start_date: dt.date
    end_date: dt.date | None
    class_sharing_active: bool
    # The most specific (sub)class the pupil is placed in (DECISIONS.md 15), and its ancestors.
    klas: str | None
    class_ids: tuple[int, ...]

    def current_on(self, day: dt.date) -> bool:
        """True when the enrolment runs on ``day`` (end date inclusive)."""
        return self.start_date <= day and (self.end_date is None or day <= self.end_date)


@dataclass(frozen=True, slots=True)
class ReleaseFacts:
    """Everything attribute release needs about one account for one client's application."""

    account: AccountRecord
    leer_id_uuid: str | None
    has_insz: bool
    historiek_account_uuids: tuple[str, ...]
    enrolments: tuple[EnrolmentFacts, ...]
    # The application's visibility: to this pupil, to these class ids, to these schools.
    visible_to_pupil: bool
    visible_class_ids: frozenset[int] = field(default_factory=frozenset)
    visible_instellingsnummers: frozenset[str] = field(default_factory=frozenset)
