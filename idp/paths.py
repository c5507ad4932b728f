"""The provider's endpoint paths under the issuer, as on the real ACM (one place for each).

Discovery (OIDC Discovery 1.0 §3) publishes them as URLs; the protocol dispatcher
(``idp.dispatch``), fault injection and CORS match them under the issuer's path.
"""

from __future__ import annotations

from typing import Final

__all__ = [
    "AUTHORIZATION",
    "DISCOVERY",
    "INTROSPECTION",
    "JWKS",
    "LOGIN",
    "LOGOUT",
    "REVOCATION",
    "TOKEN",
    "USERINFO",
]

DISCOVERY: Final = "/.well-known/openid-configuration"  # OIDC Discovery 1.0 §4
JWKS: Final = "/v1/keys"  # RFC 7517 §5
AUTHORIZATION: Final = "/v1/auth"  # OIDC Core §3.1.2
LOGIN: Final = "/v1/login"  # the login form's action
TOKEN: Final = "/v1/token"  # noqa: S105 - a path; RFC 6749 §3.2
USERINFO: Final = "/v1/userinfo"  # OIDC Core §5.3
INTROSPECTION: Final = "/v1/introspect"  # RFC 7662 §2
REVOCATION: Final = "/v1/revoke"  # RFC 7009 §2
LOGOUT: Final = "/v1/logout"  # OIDC RP-Initiated Logout 1.0 §2
