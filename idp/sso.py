"""The SSO session cookie (OIDC Core §3.1.2.3): a random id in the browser, its hash stored.

The cookie is HttpOnly, SameSite=Lax, Secure under https, scoped to the issuer path, and named
for the provider alone, since cookies ignore ports on localhost.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from fastapi.responses import Response

from datastore import AccountRecord, SessionRecord, sha256_hex
from idp.provider import Provider

__all__ = [
    "CSRF_COOKIE",
    "SESSION_COOKIE",
    "clear_session_cookie",
    "current_login",
    "current_session",
    "new_session_id",
    "set_cookie",
]

SESSION_COOKIE = "leerid_op_session"
CSRF_COOKIE = "leerid_op_csrf"


def current_session(provider: Provider, cookies: Mapping[str, str]) -> SessionRecord | None:
    """The live session of this browser, or ``None``."""
    value = cookies.get(SESSION_COOKIE)
    if not value or len(value) > 100:
        return None
    return provider.store.oidc.session(sha256_hex(value), provider.store.clock.now())


def current_login(
    provider: Provider, cookies: Mapping[str, str]
) -> tuple[SessionRecord, AccountRecord] | None:
    """The live session of this browser with its account (one query), or ``None``."""
    value = cookies.get(SESSION_COOKIE)
    if not value or len(value) > 100:
        return None
    return provider.store.oidc.session_with_account(sha256_hex(value), provider.store.clock.now())


def new_session_id() -> str:
    """A fresh, unguessable session id for the cookie."""
    return secrets.token_urlsafe(32)


def set_cookie(
    provider: Provider, response: Response, name: str, value: str, max_age: int | None
) -> None:
    """Set one of the provider's cookies with the security attributes."""
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=provider.endpoints.cookie_path,
        httponly=True,
        samesite="lax",
        secure=provider.settings.secure_cookies,
    )


def clear_session_cookie(provider: Provider, response: Response) -> None:
    """Remove the session cookie (logout)."""
    response.delete_cookie(
        SESSION_COOKIE,
        path=provider.endpoints.cookie_path,
        httponly=True,
        samesite="lax",
        secure=provider.settings.secure_cookies,
    )
