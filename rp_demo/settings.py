"""The settings of rp_demo: environment variables with the ``LEERID_RP_`` prefix.

rp_demo knows the provider only by its issuer URL and its own client credentials, like any
relying party (STYLE.md); the admin token is optional and only feeds the DOV demo page.
"""

from __future__ import annotations

import functools
import ssl
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["DEFAULT_CLIENTS", "ClientCredentials", "RPSettings"]


class ClientCredentials(BaseModel):
    """One OIDC client registration that rp_demo can log in as.

    ``client_secret`` is ``None`` for a public client, which then relies on PKCE alone
    (RFC 7636; ``token_endpoint_auth_method=none``).
    """

    client_id: str
    client_secret: SecretStr | None = None
    scope: str = "openid ov_leerling"

    @property
    def is_public(self) -> bool:
        return self.client_secret is None


def _demo(client_id: str, *, offline: bool = True) -> ClientCredentials:
    # What real LeerID clients ask on ACM; offline_access where rp_demo refreshes.
    scope = "openid profile vo ov_leerling" + (" offline_access" if offline else "")
    return ClientCredentials(
        client_id=client_id, client_secret=SecretStr(f"{client_id}-demo-secret"), scope=scope
    )


# The demo clients of CONTRACT.md "Relying parties", with their documented demo secrets.
DEFAULT_CLIENTS: tuple[ClientCredentials, ...] = (
    _demo("ididdit"),
    _demo("i-learn"),
    _demo("i-learn-acm"),
    _demo("klasapp"),
    ClientCredentials(client_id="spa-demo", client_secret=None, scope="openid ov_leerling"),
    _demo("stopgezet"),
)


class RPSettings(BaseSettings):
    """Settings of rp_demo (``LEERID_RP_*``). See docs/rp-demo.md."""

    model_config = SettingsConfigDict(env_prefix="LEERID_RP_", extra="ignore")

    issuer: str = "http://localhost:8000/op"
    base_url: str = "http://localhost:8001"
    host: str = "localhost"
    port: int = Field(default=8001, ge=1, le=65535)
    clients: list[ClientCredentials] = Field(default_factory=lambda: list(DEFAULT_CLIENTS))
    # The applications shown side by side on the DOV demo page, in this order.
    dov_clients: list[str] = Field(default_factory=lambda: ["ididdit", "i-learn", "klasapp"])
    # Optional: the provider's admin API token; shows withheld reasons and the privacy log.
    admin_token: SecretStr | None = None
    # Default: the issuer's origin + /admin/api (where the simulator serves it).
    admin_api_url: str | None = None
    # Signs the session cookie; a random one per process when unset (sessions end on restart).
    session_secret: SecretStr | None = None
    session_cookie: str = "leerid_rp_session"
    # A CA certificate (PEM) trusted besides the system's, for a provider whose certificate a
    # local CA issued (``leerid-sim tls ca``). Verification itself is never switched off.
    ca_file: str | None = None
    http_timeout_seconds: float = Field(default=5.0, gt=0)
    # Allowed clock difference with the provider for exp/iat checks (OIDC Core §3.1.3.7).
    leeway_seconds: int = Field(default=120, ge=0)

    @field_validator("issuer", "base_url")
    @classmethod
    def _http_url_without_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL")
        return value.rstrip("/")

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/callback"

    @property
    def post_logout_redirect_uri(self) -> str:
        return f"{self.base_url}/"

    @property
    def discovery_url(self) -> str:
        """OIDC Discovery 1.0 §4: the issuer + ``/.well-known/openid-configuration``."""
        return f"{self.issuer}/.well-known/openid-configuration"

    @property
    def admin_api(self) -> str:
        if self.admin_api_url:
            return self.admin_api_url.rstrip("/")
        parts = urlsplit(self.issuer)
        return f"{parts.scheme}://{parts.netloc}/admin/api"

    @property
    def admin_token_value(self) -> str | None:
        if self.admin_token is None or not self.admin_token.get_secret_value():
            return None
        return self.admin_token.get_secret_value()

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")

    def ssl_context(self) -> ssl.SSLContext:
        """The system's trusted CAs plus ``ca_file``: what rp_demo verifies the provider with."""
        return _ssl_context(self.ca_file)

    def client(self, client_id: str) -> ClientCredentials | None:
        """The configured client with this ``client_id``, if any."""
        return next((c for c in self.clients if c.client_id == client_id), None)


@functools.cache
def _ssl_context(ca_file: str | None) -> ssl.SSLContext:
    # Loading the system's CAs takes tens of milliseconds: once per process and file.
    context = ssl.create_default_context()
    if ca_file:
        context.load_verify_locations(cafile=ca_file)
    return context
