"""Frozen records: what the datastore hands out. ORM rows never leave the package."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from datastore.vocabulary import (
    ATTRIBUTES,
    DEFAULT_ACR,
    DEFAULT_ALLOWED_SCOPES,
    DEFAULT_PKCE_METHODS,
    DOSSIER_FIELDS,
    AccessTokenFormat,
    PkceMethod,
    SubjectType,
)

__all__ = [
    "ATTRIBUTES",
    "AccountRecord",
    "ClientRecord",
    "EnrolmentFacts",
    "ProtocolRecord",
    "ReleaseFacts",
    "dossier_view",
]


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
    # The rest of the integratiedossier; each default is what ACM does.
    allowed_scopes: tuple[str, ...] = DEFAULT_ALLOWED_SCOPES
    subject_type: SubjectType = "pairwise"
    access_token_format: AccessTokenFormat = "opaque"  # noqa: S105 - a format name
    pkce_methods: tuple[PkceMethod, ...] = DEFAULT_PKCE_METHODS
    # Lifetimes in seconds; ``None`` is the provider's setting (LEERID_*_TTL_SECONDS).
    access_token_ttl_seconds: int | None = None
    id_token_ttl_seconds: int | None = None
    refresh_token_ttl_seconds: int | None = None
    # The ``acr`` values the client may receive; the first is the one it gets by default.
    acr_values: tuple[str, ...] = (DEFAULT_ACR,)
    jwks_uri: str | None = None

    @property
    def acr(self) -> str:
        """The dossier's own authentication method URN (OIDC Core §2 ``acr``)."""
        return self.acr_values[0]

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
    # The most specific (sub)class the pupil is placed in (visibility to a class covers its
    # subclasses), and its ancestors.
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
    # The pupil's details of the vocabulary (``PUPIL_DETAILS``), ``None`` where none is stored.
    pupil_details: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    # False: only ``account`` was read, for a grant that releases no attribute (a refresh
    # without an ID token); no release may be decided from these facts.
    complete: bool = True

    @classmethod
    def of_account_only(cls, account: AccountRecord) -> ReleaseFacts:
        """Facts that hold the account alone (``complete`` False)."""
        return cls(account, None, False, (), (), False, complete=False)


def dossier_view(client: Any) -> dict[str, Any]:
    """A client's integratiedossier as JSON-ready values, the same wherever it is shown.

    ``client`` is a ``ClientRecord`` or an admin client record: both carry every field of
    ``DOSSIER_FIELDS`` under the same name. Inline keys are shown by ``kid``, ``kty`` and
    ``alg`` only (the public keys themselves are in the admin API's client answer).
    """
    view: dict[str, Any] = {}
    for name in DOSSIER_FIELDS:
        value = getattr(client, name)
        view[name] = list(value) if isinstance(value, tuple) else value
    keys = (client.jwks or {}).get("keys") if isinstance(client.jwks, dict) else None
    view["jwks"] = (
        None
        if not isinstance(keys, list)
        else [
            {k: key.get(k) for k in ("kid", "kty", "alg")} for key in keys if isinstance(key, dict)
        ]
    )
    return view
