"""Input models of the admin API for service providers: organisations, applications, clients,
protocols and application visibility."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from datastore import (
    ATTRIBUTES,
    GRANT_TYPES,
    AccessTokenFormat,
    AuthMethod,
    GrantTypeName,
    PkceMethod,
    ProtocolAttribute,
    Scope,
    SigningAlg,
    SubjectType,
)
from idp.admin.schemas_world import TEXT, ClassName, Id, Instellingsnummer, LongName, Username

__all__ = [
    "ApplicationCreate",
    "ApplicationUpdate",
    "ClientCreate",
    "ClientUpdate",
    "OrganisationCreate",
    "OrganisationUpdate",
    "ProtocolCreate",
    "ProtocolUpdate",
    "VisibilityCreate",
]

Key = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9._-]{0,79}$", examples=["klasapp"])]
ClientId = Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,120}$", examples=["mijn-app"])]
# The closed vocabulary of protocol attributes (datastore.vocabulary.ATTRIBUTES).
Attribute = ProtocolAttribute
Uri = Annotated[str, Field(pattern=r"^https?://[^\s\x00-\x1f#]{1,480}$")]
Text = Annotated[str, Field(min_length=1, max_length=4000, pattern=TEXT)]
Days = Annotated[int, Field(ge=1, le=36500)]
Status = Literal["active", "suspended", "ended"]
Secret = Annotated[str, Field(min_length=16, max_length=200, pattern=r"^[\x21-\x7e]+$")]
Lifetime = Annotated[int, Field(ge=30, le=366 * 24 * 3600)]
AcrValue = Annotated[str, Field(pattern=r"^[A-Za-z0-9:._~/-]{1,200}$")]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class OrganisationCreate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Uitgeverij Test"}]})
    name: LongName


class OrganisationUpdate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Uitgeverij Test NV"}]})
    name: LongName | None = None


class ApplicationCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"key": "rekenapp", "name": "RekenApp", "organisation": "imec"}]
        }
    )
    key: Key
    name: LongName
    organisation: LongName = Field(description="the organisation's name")


class ApplicationUpdate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "RekenApp 2"}]})
    name: LongName | None = None
    organisation: LongName | None = None


class _ClientFields(_Input):
    name: LongName | None = None
    redirect_uris: Annotated[list[Uri], Field(min_length=1, max_length=20)] | None = None
    post_logout_redirect_uris: Annotated[list[Uri], Field(max_length=20)] | None = None
    token_endpoint_auth_method: AuthMethod | None = None
    extra_auth_methods: Annotated[list[AuthMethod], Field(max_length=4)] | None = None
    grant_types: (
        Annotated[list[GrantTypeName], Field(min_length=1, max_length=len(GRANT_TYPES))] | None
    ) = None
    id_token_signed_response_alg: SigningAlg | None = None
    claim_dialect: Literal["leerid", "acm"] | None = None
    class_sharing_integrated: bool | None = None
    backchannel_logout_uri: Uri | None = None
    sector_identifier: Annotated[str, Field(max_length=200, pattern=TEXT)] | None = None
    staff_only: bool | None = None
    jwks: dict[str, Any] | None = Field(
        default=None, description="public keys of a private_key_jwt client (a JWK Set)"
    )
    client_secret: Secret | None = Field(
        default=None,
        description="confidential clients: stored as SHA-256; a random one when left out",
    )
    allowed_scopes: Annotated[list[Scope], Field(min_length=1, max_length=20)] | None = Field(
        default=None,
        description="the scopes the client may request (must include openid); null: all scopes",
    )
    subject_type: SubjectType | None = Field(
        default=None, description="pairwise (default): a sub per client; public: one per account"
    )
    access_token_format: AccessTokenFormat | None = Field(
        default=None, description="opaque (default, as on ACM) or jwt (RFC 9068)"
    )
    pkce_methods: Annotated[list[PkceMethod], Field(min_length=1, max_length=2)] | None = Field(
        default=None, description="PKCE methods the client may use; null: S256 and plain"
    )
    access_token_ttl_seconds: Lifetime | None = Field(
        default=None, description="null: the provider's setting"
    )
    id_token_ttl_seconds: Lifetime | None = Field(
        default=None, description="null: the provider's setting"
    )
    refresh_token_ttl_seconds: Lifetime | None = Field(
        default=None,
        description="the refresh period from the login; null: the provider's setting",
    )
    acr_values: Annotated[list[AcrValue], Field(min_length=1, max_length=10)] | None = Field(
        default=None, description="acr values the client may get; the first is its default"
    )
    jwks_uri: Uri | None = Field(
        default=None, description="where a private_key_jwt client publishes its keys"
    )

    @model_validator(mode="after")
    def _jwks_is_a_set(self) -> _ClientFields:
        if self.jwks is not None and not isinstance(self.jwks.get("keys"), list):
            raise ValueError("jwks must be a JWK Set: an object with a list 'keys'")
        return self


class ClientCreate(_ClientFields):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "client_id": "mijn-app",
                    "application": "klasapp",
                    "redirect_uris": ["http://localhost:9000/callback"],
                    "token_endpoint_auth_method": "client_secret_basic",
                    "extra_auth_methods": ["client_secret_post"],
                    "grant_types": ["authorization_code", "refresh_token"],
                    "client_secret": "mijn-app-test-secret",
                }
            ]
        }
    )
    client_id: ClientId
    application: Key
    redirect_uris: Annotated[list[Uri], Field(min_length=1, max_length=20)]
    token_endpoint_auth_method: AuthMethod = "client_secret_basic"  # noqa: S105


class ClientUpdate(_ClientFields):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"redirect_uris": ["http://localhost:9001/cb"]}]}
    )
    application: Key | None = None


class ProtocolCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "application": "rekenapp",
                    "reference": "PROT-2026-042",
                    "attributes": ["leer_id_uuid", "account_uuid"],
                    "purpose": "Leerlingen aanmelden in RekenApp",
                    "disclosure_legal_basis": "AVG art. 6.1.c; Codex SO art. VI.10",
                    "processing_legal_basis": "AVG art. 6.1.f",
                    "retention_days": 365,
                }
            ]
        }
    )
    application: Key
    reference: Annotated[str, Field(min_length=1, max_length=120, pattern=TEXT)]
    attributes: Annotated[list[Attribute], Field(max_length=len(ATTRIBUTES))]
    purpose: Text
    disclosure_legal_basis: Text
    processing_legal_basis: Text
    retention_days: Days
    inactive_account_deletion_days: Days | None = None
    status: Status = "active"
    signed_on: dt.date | None = None
    source_document: Annotated[str, Field(max_length=200, pattern=TEXT)] | None = None


class ProtocolUpdate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"status": "ended"}, {"attributes": ["account_uuid"]}]}
    )
    reference: Annotated[str, Field(min_length=1, max_length=120, pattern=TEXT)] | None = None
    attributes: Annotated[list[Attribute], Field(max_length=len(ATTRIBUTES))] | None = None
    purpose: Text | None = None
    disclosure_legal_basis: Text | None = None
    processing_legal_basis: Text | None = None
    retention_days: Days | None = None
    inactive_account_deletion_days: Days | None = None
    status: Status | None = Field(default=None, description="ended or suspended: DOV art. 8")
    signed_on: dt.date | None = None
    source_document: Annotated[str, Field(max_length=200, pattern=TEXT)] | None = None


class VisibilityCreate(_Input):
    """Make an application visible to one target: a pupil, a (sub)class, or a whole school."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"application": "klasapp", "username": "sara.wouters"},
                {"application": "klasapp", "school": "123456", "klas": "3A"},
                {"application": "ididdit", "school": "654321"},
            ]
        }
    )
    application: Key
    pupil_id: Id | None = None
    username: Username | None = Field(default=None, description="an account of the pupil")
    school: Instellingsnummer | None = None
    klas: ClassName | None = Field(default=None, description="with school: a (sub)class")

    @model_validator(mode="after")
    def _one_target(self) -> VisibilityCreate:
        pupil = self.pupil_id is not None or self.username is not None
        if self.pupil_id is not None and self.username is not None:
            raise ValueError("give pupil_id or username, not both")
        if pupil == (self.school is not None):
            raise ValueError("give one target: a pupil (pupil_id or username) or a school")
        if self.klas is not None and self.school is None:
            raise ValueError("klas needs school")
        return self
