"""The Schoolloket's own settings: environment variables with the ``LEERID_SCHOOLLOKET_`` prefix.

The issuer and cookie security come from the provider's settings (the Schoolloket lives on the
provider's origin); what is the Schoolloket's own is here.
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["SchoolloketSettings"]


class SchoolloketSettings(BaseSettings):
    """Settings of the LeerID Schoolloket. See docs/schoolloket.md "Configuration"."""

    model_config = SettingsConfigDict(env_prefix="LEERID_SCHOOLLOKET_", extra="ignore")

    client_id: str = "schoolloket"
    # Where the Schoolloket reaches the provider's token endpoint, JWKS and UserInfo from the
    # server side.
    # Empty: the issuer itself (right whenever the server can reach the URL browsers use).
    provider_internal_url: str = ""
    session_ttl_seconds: int = Field(default=8 * 3600, ge=60)
    # A pending login (between the redirect to the provider and the callback) lives this long.
    login_ttl_seconds: int = Field(default=900, ge=60)
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    cookie_name: str = "leerid_schoolloket"
