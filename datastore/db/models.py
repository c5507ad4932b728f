"""SQLAlchemy 2.0 typed models of the LeerID datastore.

Alembic is the only source of the schema (``alembic/versions``); these models are its
metadata. ORM rows never leave the ``datastore`` package: the public API hands out frozen
records (``datastore.records.protocol``).

Timestamps are timezone-aware UTC (``UtcDateTime``); calendar facts (enrolment and assignment
periods, protocol signature dates) are plain dates.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored as UTC and always read back timezone-aware.

    SQLite has no time zones; PostgreSQL has ``timestamptz``. Both come back as aware UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(dt.UTC)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {dt.datetime: UtcDateTime}


# --------------------------------------------------------------------------- the school world


class School(Base):
    """A school, known by its 6-digit instellingsnummer."""

    __tablename__ = "schools"
    __table_args__ = (CheckConstraint("length(instellingsnummer) = 6", name="instellingsnummer_6"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    instellingsnummer: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # The school administration package ("administratief pakket"): broekx, informat or other.
    admin_package: Mapped[str] = mapped_column(String(40))
    class_sharing_active: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the administration package's API key for this school, if issued.
    package_api_key_hash: Mapped[str | None] = mapped_column(String(64))

    classes: Mapped[list[SchoolClass]] = relationship(back_populates="school")


class ClassSharingAcceptance(Base):
    """Who accepted which version of the school-to-DOV protocol, when; and when it was stopped."""

    __tablename__ = "class_sharing_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"))
    protocol_version: Mapped[str] = mapped_column(String(40))
    accepted_at: Mapped[dt.datetime]
    stopped_at: Mapped[dt.datetime | None]
    stopped_by_staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="SET NULL")
    )


class SchoolClass(Base):
    """An administrative class or subclass ("klas", "subklas") of a school."""

    __tablename__ = "classes"
    __table_args__ = (UniqueConstraint("school_id", "name", name="school_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(40))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("classes.id", ondelete="CASCADE"), index=True
    )

    school: Mapped[School] = relationship(back_populates="classes")


class Pupil(Base):
    """A pupil. ``leer_id_uuid`` exists only for pupils identified by their INSZ."""

    __tablename__ = "pupils"
    __table_args__ = (
        CheckConstraint("leer_id_uuid IS NULL OR insz IS NOT NULL", name="leer_id_uuid_needs_insz"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    insz: Mapped[str | None] = mapped_column(String(11), unique=True)
    leer_id_uuid: Mapped[str | None] = mapped_column(String(36), unique=True)
    naam: Mapped[str] = mapped_column(String(120))
    voornaam: Mapped[str] = mapped_column(String(120))


class Staff(Base):
    """A member of school staff (director, LeerID-beheerder, ...)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(primary_key=True)
    naam: Mapped[str] = mapped_column(String(120))
    voornaam: Mapped[str] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(200))


class Account(Base):
    """A login: a pupil's LeerID account or a staff member's account.

    Exactly one of ``pupil_id`` and ``staff_id`` is set. A pupil may have several accounts; a
    pupil without INSZ has a temporary one (``is_temporary``).
    """

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint("(pupil_id IS NULL) <> (staff_id IS NULL)", name="pupil_xor_staff"),
        CheckConstraint("status IN ('active', 'disabled')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    username: Mapped[str] = mapped_column(String(120), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    pupil_id: Mapped[int | None] = mapped_column(
        ForeignKey("pupils.id", ondelete="CASCADE"), index=True
    )
    staff_id: Mapped[int | None] = mapped_column(
        ForeignKey("staff.id", ondelete="CASCADE"), index=True
    )
    is_temporary: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_at: Mapped[dt.datetime]
    # Last change that matters for distribution (new account, password reset).
    changed_at: Mapped[dt.datetime]
    # When the account's current initial password was printed on a distribution sheet.
    distributed_at: Mapped[dt.datetime | None]


class AccountHistory(Base):
    """An old account_uuid that stood for the pupil before they were identified (historiek)."""

    __tablename__ = "account_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    old_account_uuid: Mapped[str] = mapped_column(String(36), unique=True)
    replaced_at: Mapped[dt.datetime | None]


class Enrolment(Base):
    """A pupil's enrolment ("inschrijving") at a school, optionally placed in a (sub)class."""

    __tablename__ = "enrolments"
    __table_args__ = (Index("ix_enrolments_school_class", "school_id", "class_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="SET NULL"))
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)
    # When the class placement was last set (by a drop file or the fixture).
    class_set_at: Mapped[dt.datetime | None]


class DirectorAssignment(Base):
    """A director's assignment ("directeursopdracht"); if sent, it makes a LeerID-databeheerder."""

    __tablename__ = "director_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"), index=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)
    sent: Mapped[bool] = mapped_column(Boolean, default=True)
    start_date: Mapped[dt.date] = mapped_column(Date)
    end_date: Mapped[dt.date | None] = mapped_column(Date)


class BeheerderGrant(Base):
    """The LeerID-beheerder role of a staff member at one school."""

    __tablename__ = "beheerder_grants"
    __table_args__ = (UniqueConstraint("staff_id", "school_id", name="staff_school"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"), index=True)


# ---------------------------------------------------------------- providers and protocols


class Organisation(Base):
    """A service provider ("dienstenleverancier"), e.g. Uitgeverij Van In or imec."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)


class Application(Base):
    """A learning application of an organisation (iDiddit, i-Learn, KlasApp, ...)."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("organisation_id", "name", name="organisation_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    # A stable, URL-friendly key for fixtures and the admin API ("ididdit", "klasapp").
    key: Mapped[str] = mapped_column(String(80), unique=True)


class Protocol(Base):
    """The protocol between DOV and a service provider for one application (article 3: attributes).

    ``status`` is active, suspended or ended; only an active protocol releases anything.
    """

    __tablename__ = "protocols"
    __table_args__ = (CheckConstraint("status IN ('active', 'suspended', 'ended')", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), unique=True
    )
    reference: Mapped[str] = mapped_column(String(120))
    attributes: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str] = mapped_column(Text)
    disclosure_legal_basis: Mapped[str] = mapped_column(Text)
    processing_legal_basis: Mapped[str] = mapped_column(Text)
    retention_days: Mapped[int] = mapped_column(Integer)
    inactive_account_deletion_days: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="active")
    signed_on: Mapped[dt.date | None] = mapped_column(Date)
    status_changed_at: Mapped[dt.datetime | None]
    source_document: Mapped[str | None] = mapped_column(String(200))


class Client(Base):
    """An OIDC client (relying party) of an application."""

    __tablename__ = "clients"
    __table_args__ = (
        CheckConstraint(
            "token_endpoint_auth_method IN "
            "('client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none')",
            name="auth_method",
        ),
        CheckConstraint("claim_dialect IN ('leerid', 'acm')", name="claim_dialect"),
        CheckConstraint("id_token_signed_response_alg IN ('RS256', 'ES256')", name="id_token_alg"),
        CheckConstraint("subject_type IN ('pairwise', 'public')", name="subject_type"),
        CheckConstraint("access_token_format IN ('opaque', 'jwt')", name="access_token_format"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(120), unique=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("applications.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    post_logout_redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    token_endpoint_auth_method: Mapped[str] = mapped_column(String(30))
    # Further methods the client may use (confidential clients: basic and post).
    extra_auth_methods: Mapped[list[str]] = mapped_column(JSON, default=list)
    # HMAC-SHA256 (server pepper) of the client secret; never the secret itself.
    secret_hash: Mapped[str | None] = mapped_column(String(64))
    jwks: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    grant_types: Mapped[list[str]] = mapped_column(JSON)
    id_token_signed_response_alg: Mapped[str] = mapped_column(String(10), default="RS256")
    claim_dialect: Mapped[str] = mapped_column(String(10), default="leerid")
    class_sharing_integrated: Mapped[bool] = mapped_column(Boolean, default=False)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(String(500))
    sector_identifier: Mapped[str | None] = mapped_column(String(200))
    # A staff-only client (the Schoolloket): pupils get access_denied, and vice versa.
    staff_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # The rest of the integratiedossier. NULL means the default (ACM's behaviour, or the
    # provider's setting for lifetimes); see datastore.vocabulary.
    allowed_scopes: Mapped[list[str] | None] = mapped_column(JSON)
    subject_type: Mapped[str] = mapped_column(String(10), default="pairwise")
    access_token_format: Mapped[str] = mapped_column(String(10), default="opaque")
    pkce_methods: Mapped[list[str] | None] = mapped_column(JSON)
    access_token_ttl_seconds: Mapped[int | None]
    id_token_ttl_seconds: Mapped[int | None]
    refresh_token_ttl_seconds: Mapped[int | None]
    acr_values: Mapped[list[str] | None] = mapped_column(JSON)
    jwks_uri: Mapped[str | None] = mapped_column(String(500))


class Visibility(Base):
    """An application made visible to a pupil, to a (sub)class or to a whole school."""

    __tablename__ = "visibility"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN pupil_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN class_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN school_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
        UniqueConstraint("application_id", "pupil_id", "class_id", "school_id", name="target"),
        Index("ix_visibility_pupil", "pupil_id", "application_id"),
        Index("ix_visibility_class", "class_id", "application_id"),
        Index("ix_visibility_school", "school_id", "application_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"))
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id", ondelete="CASCADE"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    school_id: Mapped[int | None] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime]


# --------------------------------------------------------------------------- provider state


class SigningKey(Base):
    """A signing key of the provider. Retired keys stay in the JWKS until ``expires_at``."""

    __tablename__ = "signing_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kid: Mapped[str] = mapped_column(String(80), unique=True)
    alg: Mapped[str] = mapped_column(String(10))
    private_jwk: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime]
    retired_at: Mapped[dt.datetime | None]
    # After this moment no token signed with the key is valid: drop it from the JWKS.
    expires_at: Mapped[dt.datetime | None]


class ProviderSecret(Base):
    """A random server secret shared by every worker (pairwise ``sub`` key, login-form signing).

    Made once, race-safe, on first use; never leaves the provider.
    """

    __tablename__ = "provider_secrets"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    value: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]


class AuthSession(Base):
    """A server-side SSO session (the login cookie holds a random id; we keep its SHA-256)."""

    __tablename__ = "auth_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sid: Mapped[str] = mapped_column(String(64), unique=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    auth_time: Mapped[dt.datetime]
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    ended_at: Mapped[dt.datetime | None]


class SessionClient(Base):
    """A client that received tokens within a session (for back-channel logout)."""

    __tablename__ = "session_clients"
    __table_args__ = (UniqueConstraint("session_id", "client_id", name="session_client"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("auth_sessions.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(120))


class AuthorizationCode(Base):
    """An authorization code (RFC 6749 §4.1.2), stored by SHA-256 only; consumed once."""

    __tablename__ = "authorization_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(120))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="SET NULL")
    )
    redirect_uri: Mapped[str] = mapped_column(String(500))
    scope: Mapped[str] = mapped_column(String(500))
    nonce: Mapped[str | None] = mapped_column(String(500))
    code_challenge: Mapped[str | None] = mapped_column(String(128))
    code_challenge_method: Mapped[str | None] = mapped_column(String(10))
    auth_time: Mapped[dt.datetime]
    # The login's authentication context class reference (OIDC Core §2), for its tokens.
    acr: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    consumed_at: Mapped[dt.datetime | None]


class Token(Base):
    """An access or refresh token, stored by the SHA-256 of the token only.

    Both kinds are looked up by that hash: opaque access tokens and refresh tokens are random
    strings, and an RFC 9068 access token (a dossier that asks for JWTs) is hashed whole, so
    the same lookup serves UserInfo, introspection and revocation whatever the format.

    Refresh tokens form a family (``family_id``); a rotated token that is used again revokes the
    whole family (OAuth 2.0 Security BCP §4.14). ``code_id`` ties tokens to the code that produced
    them, so that a reused code can revoke them (RFC 6749 §4.1.2).
    """

    __tablename__ = "tokens"
    __table_args__ = (
        CheckConstraint("kind IN ('access', 'refresh')", name="kind"),
        Index("ix_tokens_family", "family_id"),
        Index("ix_tokens_code", "code_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    client_id: Mapped[str] = mapped_column(String(120))
    # ``None``: a token for the client itself, of a grant without an account (RFC 6749 §4.4).
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("auth_sessions.id", ondelete="SET NULL"), index=True
    )
    code_id: Mapped[int | None] = mapped_column(
        ForeignKey("authorization_codes.id", ondelete="SET NULL")
    )
    family_id: Mapped[str] = mapped_column(String(64))
    scope: Mapped[str] = mapped_column(String(500))
    auth_time: Mapped[dt.datetime]
    issued_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    revoked_at: Mapped[dt.datetime | None]
    # Refresh tokens: when this one was exchanged for its successor.
    rotated_at: Mapped[dt.datetime | None]
    # The login's authentication context class reference (OIDC Core §2), kept by refreshes.
    acr: Mapped[str | None] = mapped_column(String(200))


class UsedAssertion(Base):
    """A ``jti`` of a ``private_key_jwt`` client assertion already seen (RFC 7523 §3, replay)."""

    __tablename__ = "used_assertions"
    __table_args__ = (UniqueConstraint("client_id", "jti", name="client_jti"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[str] = mapped_column(String(120))
    jti: Mapped[str] = mapped_column(String(200))
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)


# --------------------------------------------------------------------------- logs


class PrivacyLogEntry(Base):
    """One release of personal data to a client, for the privacy log: names, never values."""

    __tablename__ = "privacy_log"
    __table_args__ = (
        Index("ix_privacy_log_at", "at"),
        Index("ix_privacy_log_client_at", "client_id", "at"),
        Index("ix_privacy_log_account_at", "account_uuid", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    client_id: Mapped[str] = mapped_column(String(120))
    organisation: Mapped[str] = mapped_column(String(200))
    protocol_reference: Mapped[str] = mapped_column(String(120))
    account_uuid: Mapped[str] = mapped_column(String(36))
    attributes: Mapped[list[str]] = mapped_column(JSON)
    legal_basis: Mapped[str] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)
    channel: Mapped[str] = mapped_column(String(20))
    retention_days: Mapped[int] = mapped_column(Integer)


class Event(Base):
    """A protocol event (authorization, login, token, userinfo, logout) with its outcome."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    type: Mapped[str] = mapped_column(String(40))
    outcome: Mapped[str] = mapped_column(String(20))
    client_id: Mapped[str | None] = mapped_column(String(120))
    account_uuid: Mapped[str | None] = mapped_column(String(36))
    error: Mapped[str | None] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class AccessLogEntry(Base):
    """A read or change of pupil data by staff or an administration package, for the access log."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_at", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime]
    actor_kind: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(200))
    school: Mapped[str | None] = mapped_column(String(6))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str | None] = mapped_column(Text)
    purpose: Mapped[str] = mapped_column(Text)


class DropFile(Base):
    """A class-information file received on the drop server; same content twice changes nothing."""

    __tablename__ = "drop_files"
    __table_args__ = (UniqueConstraint("school_id", "sha256", name="school_sha256"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    school_id: Mapped[int] = mapped_column(ForeignKey("schools.id", ondelete="CASCADE"))
    sha256: Mapped[str] = mapped_column(String(64))
    received_at: Mapped[dt.datetime]
    report: Mapped[dict[str, Any]] = mapped_column(JSON)


class SchoolloketSession(Base):
    """A server-side session of the Schoolloket (the cookie holds a random id; we keep its SHA-256).

    Before login it holds the pending authorization request (state, nonce, PKCE verifier);
    after login the staff account and the ID token (the logout hint).
    """

    __tablename__ = "schoolloket_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime] = mapped_column(index=True)
    login_state: Mapped[str | None] = mapped_column(String(64))
    login_nonce: Mapped[str | None] = mapped_column(String(64))
    code_verifier: Mapped[str | None] = mapped_column(String(128))
    account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    id_token: Mapped[str | None] = mapped_column(Text)


# --------------------------------------------------------------------------- control state


class SimulatorState(Base):
    """The one row of state shared by every worker: the simulated clock and a generation counter.

    ``generation`` grows with every change that processes cache (clients, protocols, keys,
    fault rules, the clock); a process compares it at most once a second, so shared state
    costs no query per request yet reaches every worker within a second.
    """

    __tablename__ = "simulator_state"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    generation: Mapped[int] = mapped_column(Integer, default=0)
    # The simulated clock: when set, now = clock_base + (real now - clock_set_at).
    clock_base: Mapped[dt.datetime | None]
    clock_set_at: Mapped[dt.datetime | None]
    # A frozen clock does not move with real time.
    clock_frozen: Mapped[bool] = mapped_column(Boolean, default=False)


class FaultRule(Base):
    """A fault injected on purpose: an error, an HTTP status or a delay at an endpoint."""

    __tablename__ = "fault_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint: Mapped[str] = mapped_column(String(40))
    client_id: Mapped[str | None] = mapped_column(String(120))
    error: Mapped[str | None] = mapped_column(String(80))
    status_code: Mapped[int | None] = mapped_column(Integer)
    delay_ms: Mapped[int] = mapped_column(Integer, default=0)
    remaining: Mapped[int | None] = mapped_column(Integer)
    probability: Mapped[float] = mapped_column(default=1.0)
    created_at: Mapped[dt.datetime]


class LoginThrottle(Base):
    """Failed login attempts of one username, client address or login transaction.

    A fixed window on the simulated clock: ``failures`` counts from ``window_start`` until
    ``window_end``; when they reach the limit the key is refused until ``locked_until``. Every
    worker counts in the same row, so the limit holds however many processes serve the login
    page. A row whose window and lock have ended counts for nothing (retention purges it).
    """

    __tablename__ = "login_throttle"
    __table_args__ = (
        CheckConstraint("kind IN ('username', 'address', 'transaction')", name="kind"),
    )

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    window_start: Mapped[dt.datetime]
    window_end: Mapped[dt.datetime]
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None]


class Snapshot(Base):
    """A named snapshot of the world, for quick test isolation (admin API save/restore)."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[dt.datetime]
    data: Mapped[bytes] = mapped_column(LargeBinary)
