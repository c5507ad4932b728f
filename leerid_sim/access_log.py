"""The access log (``leerid-sim serve --access-log``) never records secrets from query strings.

A browser brings ``id_token_hint`` to the logout endpoint and codes back to a client in the
query string, and a careless client may put a secret there too; uvicorn logs the full path.
This filter on uvicorn's access logger replaces the value of every sensitive parameter with
``[redacted]`` before the line is written, and keeps the parameter names and the rest of the
path, so the log still tells which endpoint was called with what.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

__all__ = ["SENSITIVE_PARAMETERS", "RedactQuery", "redact_access_log", "redact_path"]

ACCESS_LOGGER = "uvicorn.access"
REDACTED = "[redacted]"
# Tokens, codes, secrets and what identifies a person (RFC 6749, OIDC Core, RP-Initiated
# Logout, RFC 7009/7662), and the provider's own login and logout form fields.
SENSITIVE_PARAMETERS = frozenset(
    {
        "access_token",
        "client_assertion",
        "client_secret",
        "code",
        "code_verifier",
        "csrf_token",
        "id_token",
        "id_token_hint",
        "login_hint",
        "logout_hint",
        "logout_token",
        "logout_tx",
        "password",
        "refresh_token",
        "state",
        "token",
        "tx",
        "username",
    }
)


def redact_path(path: str) -> str:
    """``path?query`` with the value of each sensitive parameter replaced by ``[redacted]``."""
    base, sep, query = path.partition("?")
    if not sep:
        return path
    parts = []
    for part in query.split("&"):
        name, has_value, _ = part.partition("=")
        if has_value and unquote_plus(name).strip().lower() in SENSITIVE_PARAMETERS:
            parts.append(f"{name}={REDACTED}")
        else:
            parts.append(part)
    return f"{base}?{'&'.join(parts)}"


class RedactQuery(logging.Filter):
    """Redact the path argument of uvicorn's access-log records (``'%s - "%s %s HTTP/%s" %d'``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        return True


def redact_access_log() -> None:
    """Install the filter on uvicorn's access logger (once per process)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactQuery) for f in logger.filters):
        logger.addFilter(RedactQuery())
