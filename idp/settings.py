"""The provider's settings: environment variables with the ``LEERID_`` prefix."""

from __future__ import annotations

import functools
import ssl
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEMO_ADMIN_TOKEN", "ProviderSettings"]

# Only in demo mode (``leerid-sim demo``) does the admin token default to this: a default token
# anywhere else would leave the admin API open.
DEMO_ADMIN_TOKEN = "leerid-admin-demo"  # noqa: S105 - a documented demo value, not a secret


class ProviderSettings(BaseSettings):
    """Settings of the identity provider (the ACM role). See README "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="LEERID_", extra="ignore")

    host: str = "localhost"
    port: int = Field(default=8000, ge=1, le=65535)
    issuer: str = "http://localhost:8000/op"
    database_url: str = "sqlite:///leerid.db"
    admin_token: SecretStr | None = None
    demo_mode: bool = False
    # Serve https with a certificate of the local CA (``leerid-sim serve --tls``); the issuer
    # then defaults to https. ``tls_dir`` is the CA's folder (default: the XDG data folder).
    tls: bool = False
    tls_dir: str | None = None

    code_ttl_seconds: int = Field(default=30, ge=1)
    session_ttl_seconds: int = Field(default=7200, ge=60)
    # ACM's access and ID tokens live one hour; a client's dossier may set its own lifetimes.
    access_token_ttl_seconds: int = Field(default=3600, ge=30)
    id_token_ttl_seconds: int = Field(default=3600, ge=30)
    # The refresh period, counted from the login: rotation never extends it. ACM does not
    # publish its length, so 30 days is an assumption.
    refresh_token_ttl_seconds: int = Field(default=30 * 24 * 3600, ge=60)
    # ACM answers a refresh with new access and refresh tokens only. True: also a refreshed ID
    # token and the ``scope`` (OIDC Core §12.2), for clients written against other providers.
    refresh_id_token: bool = False
    # How long a login page (its CSRF token and pending authorization request) stays valid.
    login_ttl_seconds: int = Field(default=1800, ge=60)
    # Wrong passwords (docs/provider.md "Too many wrong passwords"): this many within the window
    # lock a username, or a client address, for ``login_lock_seconds``; 0 turns a limit off.
    login_username_limit: int = Field(default=5, ge=0, le=1_000_000)
    login_address_limit: int = Field(default=20, ge=0, le=1_000_000)
    login_window_seconds: int = Field(default=900, ge=1, le=366 * 24 * 3600)
    login_lock_seconds: int = Field(default=900, ge=1, le=366 * 24 * 3600)
    # Password attempts per login page (transaction); after them the user starts again.
    login_transaction_attempts: int = Field(default=5, ge=0, le=1_000_000)
    # A retired signing key stays in the JWKS this long after rotation (longest token lifetime).
    key_retention_seconds: int = Field(default=24 * 3600, ge=60)

    # argon2id parameters for people's passwords (OWASP minimum by default).
    argon2_memory_kib: int = Field(default=19_456, ge=8)
    argon2_time_cost: int = Field(default=2, ge=1)
    argon2_parallelism: int = Field(default=1, ge=1)

    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    backchannel_logout_timeout_seconds: float = Field(default=2.0, gt=0)

    @field_validator("issuer")
    @classmethod
    def _issuer_has_no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("the issuer must be an http(s) URL")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _issuer_follows_tls(self) -> ProviderSettings:
        if not self.tls:
            return self
        if "issuer" not in self.model_fields_set:
            self.issuer = "https://localhost:8000/op"
        elif not self.issuer.startswith("https://"):
            raise ValueError("with LEERID_TLS=true the issuer must be an https URL")
        return self

    @property
    def secure_cookies(self) -> bool:
        """Cookies get ``Secure`` when the issuer is served over https."""
        return self.issuer.startswith("https://")

    def outbound_ssl_context(self) -> ssl.SSLContext:
        """What the provider verifies https peers with: the system's CAs, plus the local CA
        when it serves https itself (its Schoolloket and the demo's rp_demo carry its
        certificates). Verification is never switched off."""
        ca_file = None
        if self.tls and self.tls_dir:
            candidate = Path(self.tls_dir) / "ca.pem"
            ca_file = str(candidate) if candidate.exists() else None
        return _ssl_context(ca_file)

    def effective_admin_token(self) -> str | None:
        """The admin token, or the demo token in demo mode, or ``None`` (admin API refused)."""
        if self.admin_token is not None and self.admin_token.get_secret_value():
            return self.admin_token.get_secret_value()
        return DEMO_ADMIN_TOKEN if self.demo_mode else None


@functools.cache
def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    # Loading the system's CAs takes tens of milliseconds: once per process and file.
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context
