"""The world fixture format (``leerid-world/1``) as pydantic models, described in docs/fixtures.md.

Parsing checks each value (uuids, 6-digit instellingsnummers, INSZ check digits, the closed
attribute vocabulary, dates); ``datastore.worlds.refs`` then checks what ties the parts
together (duplicates, a class named in an enrolment existing at that school, ...).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PositiveInt,
    create_model,
    field_validator,
    model_validator,
)

from datastore.insz import insz_is_valid
from datastore.vocabulary import (
    ATTRIBUTES,
    MISBEHAVE_SCENARIOS,
    SECRET_AUTH_METHODS,
    AccessTokenFormat,
    AuthMethod,
    GrantTypeName,
    PkceMethod,
    Scope,
    SigningAlg,
    SubjectType,
    pupil_fields,
)

__all__ = [
    "FORMAT",
    "ApplicationSpec",
    "ClientSpec",
    "OrganisationSpec",
    "ProtocolSpec",
    "PupilSpec",
    "SchoolSpec",
    "StaffSpec",
    "WorldSpec",
]

FORMAT = "leerid-world/1"


def _quoted_string(what: str, example: str) -> Any:
    def check(value: Any) -> Any:
        if isinstance(value, int | float) and not isinstance(value, bool):
            # YAML reads 123456 as a number and 012345 as an octal one: insist on quotes.
            raise ValueError(f"write the {what} as a quoted string, e.g. {example!r}")
        return value

    return BeforeValidator(check)


def _instellingsnummer(value: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", value):
        raise ValueError(f"an instellingsnummer is 6 digits, not {value!r}")
    return value


def _uuid(value: str) -> str:
    try:
        parsed = uuid.UUID(value)
    except ValueError:
        raise ValueError(f"not a UUID: {value!r}") from None
    return str(parsed)


def _insz(value: str) -> str:
    if not re.fullmatch(r"[0-9]{11}", value):
        raise ValueError(f"an INSZ is 11 digits, not {value!r}")
    if not insz_is_valid(value):
        raise ValueError(f"INSZ {value} has wrong check digits")
    return value


def _attribute(value: str) -> str:
    if value not in ATTRIBUTES:
        raise ValueError(f"unknown attribute {value!r}; known: {', '.join(ATTRIBUTES)}")
    return value


def _username(value: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,119}", value):
        raise ValueError(
            f"a username is 1-120 letters, digits, '.', '_', '@' or '-', not {value!r}"
        )
    return value


def _uri(value: str) -> str:
    probe = value.replace("{issuer_origin}", "http://localhost:8000").replace(
        "{rp_origin}", "http://localhost:8001"
    )
    if not re.fullmatch(r"https?://[^\s/#?]+(/[^\s#]*)?", probe):
        raise ValueError(f"not an absolute http(s) URI without fragment: {value!r}")
    return value


Instellingsnummer = Annotated[
    str, _quoted_string("instellingsnummer", "012345"), AfterValidator(_instellingsnummer)
]
Uuid = Annotated[str, AfterValidator(_uuid)]
Insz = Annotated[str, _quoted_string("INSZ", "11031401738"), AfterValidator(_insz)]
Attribute = Annotated[str, AfterValidator(_attribute)]
Username = Annotated[str, AfterValidator(_username)]
Uri = Annotated[str, AfterValidator(_uri)]
Name = Annotated[str, _quoted_string("name", "3B"), Field(min_length=1, max_length=200)]
ClassName = Annotated[str, _quoted_string("class name", "3B"), Field(min_length=1, max_length=40)]


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClassSpec(_Spec):
    name: ClassName
    parent: ClassName | None = None


class ClassSharingSpec(_Spec):
    active: bool = False
    accepted_by: Username | None = None
    protocol_version: Annotated[str, Field(min_length=1, max_length=40)] | None = None
    accepted_at: AwareDatetime | None = None

    @model_validator(mode="after")
    def _acceptance_complete(self) -> ClassSharingSpec:
        given = [self.accepted_by, self.protocol_version, self.accepted_at]
        if any(v is not None for v in given) and not all(v is not None for v in given):
            raise ValueError("an acceptance needs accepted_by, protocol_version and accepted_at")
        if self.active and self.accepted_by is None:
            raise ValueError(
                "active class sharing needs the accepted school-to-DOV protocol "
                "(accepted_by, protocol_version, accepted_at) (seed 002)"
            )
        return self


class SchoolSpec(_Spec):
    instellingsnummer: Instellingsnummer
    name: Name
    admin_package: Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$")]
    classes: list[ClassSpec] = []
    class_sharing: ClassSharingSpec = ClassSharingSpec()
    # The administration package's API key for this school; stored as SHA-256 only.
    package_api_key: Annotated[str, Field(min_length=16, max_length=200)] | None = None


class DirectorAssignmentSpec(_Spec):
    school: Instellingsnummer
    sent: bool = True
    start: dt.date
    end: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> DirectorAssignmentSpec:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self


class StaffSpec(_Spec):
    username: Username
    naam: Name
    voornaam: Name
    email: Annotated[str, Field(max_length=200)] | None = None
    account_uuid: Uuid | None = None
    password: Annotated[str, Field(min_length=1)] | None = None
    status: Literal["active", "disabled"] = "active"
    director_assignments: list[DirectorAssignmentSpec] = []
    beheerder_at: list[Instellingsnummer] = []


class AccountSpec(_Spec):
    username: Username
    account_uuid: Uuid
    temporary: bool = False
    password: Annotated[str, Field(min_length=1)] | None = None
    status: Literal["active", "disabled"] = "active"
    created_at: AwareDatetime | None = None


class EnrolmentSpec(_Spec):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    school: Instellingsnummer
    klas: ClassName | None = Field(default=None, alias="class")
    start: dt.date
    end: dt.date | None = None

    @model_validator(mode="after")
    def _ordered(self) -> EnrolmentSpec:
        if self.end is not None and self.end < self.start:
            raise ValueError("end is before start")
        return self


if TYPE_CHECKING:
    _PupilDetails = _Spec
else:
    # The pupil's details (naam, voornaam, …) come first, from datastore.vocabulary.
    _PupilDetails = create_model("_PupilDetails", __base__=_Spec, **pupil_fields(Name))


class PupilSpec(_PupilDetails):
    insz: Insz | None = None
    leer_id_uuid: Uuid | None = None
    historiek: list[Uuid] = []  # noqa: RUF012 - a pydantic field
    accounts: Annotated[list[AccountSpec], Field(min_length=1)]
    enrolments: list[EnrolmentSpec] = []  # noqa: RUF012 - a pydantic field

    @model_validator(mode="after")
    def _identification(self) -> PupilSpec:
        if self.leer_id_uuid is not None and self.insz is None:
            raise ValueError("a leer_id_uuid is only for pupils identified by their INSZ")
        if self.insz is not None and self.leer_id_uuid is None:
            raise ValueError("a pupil identified by INSZ needs a leer_id_uuid")
        if self.insz is None and not all(a.temporary for a in self.accounts):
            raise ValueError("a pupil without INSZ only has temporary accounts (seed 000 art. 3)")
        return self


class ProtocolSpec(_Spec):
    reference: Annotated[str, Field(min_length=1, max_length=120)]
    attributes: Annotated[list[Attribute], Field(min_length=1)]
    purpose: Annotated[str, Field(min_length=1)]
    disclosure_legal_basis: Annotated[str, Field(min_length=1)]
    processing_legal_basis: Annotated[str, Field(min_length=1)]
    retention_days: PositiveInt
    inactive_account_deletion_days: PositiveInt | None = None
    status: Literal["active", "suspended", "ended"] = "active"
    signed_on: dt.date | None = None
    status_changed_at: AwareDatetime | None = None
    source_document: Annotated[str, Field(max_length=200)] | None = None


class ClassTarget(_Spec):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    school: Instellingsnummer
    klas: ClassName = Field(alias="class")


class VisibilitySpec(_Spec):
    schools: list[Instellingsnummer] = []
    classes: list[ClassTarget] = []
    pupils: list[Username] = []


# A token lifetime in seconds: at least 30 s, at most a year.
Lifetime = Annotated[int, Field(ge=30, le=366 * 24 * 3600)]
# An authentication context class reference, e.g. urn:be:vlaanderen:authmech:leerid.
AcrValue = Annotated[str, Field(pattern=r"^[A-Za-z0-9:._~/-]{1,200}$")]


class ClientSpec(_Spec):
    client_id: Annotated[str, Field(pattern=r"^[A-Za-z0-9._~-]{1,120}$")]
    name: Name | None = None
    secret: Annotated[str, Field(min_length=1)] | None = None
    secret_sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = None
    token_endpoint_auth_method: AuthMethod
    extra_auth_methods: list[AuthMethod] = []
    grant_types: Annotated[list[GrantTypeName], Field(min_length=1)] = ["authorization_code"]
    redirect_uris: Annotated[list[Uri], Field(min_length=1)]
    post_logout_redirect_uris: list[Uri] = []
    jwks: dict[str, Any] | None = None
    id_token_signed_response_alg: SigningAlg = "RS256"  # noqa: S105 - an alg
    claim_dialect: Literal["leerid", "acm"] = "leerid"
    class_sharing_integrated: bool = False
    backchannel_logout_uri: Uri | None = None
    sector_identifier: Annotated[str, Field(max_length=200)] | None = None
    staff_only: bool = False
    # The rest of the integratiedossier; left out, each is what ACM does.
    allowed_scopes: Annotated[list[Scope], Field(min_length=1)] | None = None
    subject_type: SubjectType = "pairwise"
    access_token_format: AccessTokenFormat = "opaque"  # noqa: S105 - a format name
    pkce_methods: Annotated[list[PkceMethod], Field(min_length=1)] | None = None
    access_token_ttl_seconds: Lifetime | None = None
    id_token_ttl_seconds: Lifetime | None = None
    refresh_token_ttl_seconds: Lifetime | None = None
    acr_values: Annotated[list[AcrValue], Field(min_length=1, max_length=10)] | None = None
    jwks_uri: Uri | None = None

    @model_validator(mode="after")
    def _authentication(self) -> ClientSpec:
        methods = {self.token_endpoint_auth_method, *self.extra_auth_methods}
        has_secret = self.secret is not None or self.secret_sha256 is not None
        if self.secret is not None and self.secret_sha256 is not None:
            raise ValueError("give secret or secret_sha256, not both")
        if "none" in methods and len(methods) > 1:
            raise ValueError("a public client (none) uses no other authentication method")
        if methods & SECRET_AUTH_METHODS and not has_secret:
            raise ValueError("client_secret_basic/client_secret_post need a secret")
        if not methods & SECRET_AUTH_METHODS and has_secret:
            raise ValueError("a secret is only for client_secret_basic/client_secret_post")
        if "private_key_jwt" in methods and not (self.jwks or self.jwks_uri):
            raise ValueError("private_key_jwt needs the client's jwks or jwks_uri")
        if self.allowed_scopes is not None and "openid" not in self.allowed_scopes:
            raise ValueError("allowed_scopes must include openid")
        return self


class ApplicationSpec(_Spec):
    key: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$")]
    name: Name
    protocol: ProtocolSpec | None = None
    visibility: VisibilitySpec = VisibilitySpec()
    clients: list[ClientSpec] = []


class OrganisationSpec(_Spec):
    name: Name
    applications: list[ApplicationSpec] = []


class PasswordsSpec(_Spec):
    pupils: Annotated[str, Field(min_length=1)] | None = None
    staff: Annotated[str, Field(min_length=1)] | None = None


class MisbehaveSpec(_Spec):
    """Arms a misbehaving-ACM scenario for one client of this file and its next ``count`` logins."""

    scenario: str
    client_id: Annotated[str, Field(min_length=1)]
    count: Annotated[int, Field(ge=1, le=1000)] = 1

    @field_validator("scenario")
    @classmethod
    def _known(cls, value: str) -> str:
        if value not in MISBEHAVE_SCENARIOS:
            raise ValueError(f"unknown scenario {value!r}; see GET /admin/api/misbehave/scenarios")
        return value


class WorldSpec(_Spec):
    """A whole world file. Top-level keys starting with ``x-`` are for YAML anchors only."""

    format: Literal["leerid-world/1"] = "leerid-world/1"
    passwords: PasswordsSpec = PasswordsSpec()
    schools: list[SchoolSpec] = []
    staff: list[StaffSpec] = []
    pupils: list[PupilSpec] = []
    organisations: list[OrganisationSpec] = []
    misbehave: list[MisbehaveSpec] = []

    @model_validator(mode="before")
    @classmethod
    def _drop_extension_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if not str(k).startswith("x-")}
        return data
