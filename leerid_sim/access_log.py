"""The access log (``leerid-sim serve --access-log``) never records secrets from query strings.

A browser brings ``id_token_hint`` to the logout endpoint and codes back to a client in the
query string, and a careless client may put a secret there too; uvicorn logs the full path.
This filter on the access logger of uvicorn and of granian replaces the value of every
sensitive parameter with ``[redacted]`` before the line is written, and keeps the parameter
names and the rest of the path, so the log still tells which endpoint was called with what
(granian's line has the path without its query: the filter puts the redacted query back).
"""

from __future__ import annotations

import logging
from urllib.parse import unquote_plus

__all__ = ["SENSITIVE_PARAMETERS", "RedactQuery", "redact_access_log", "redact_path"]

ACCESS_LOGGERS = ("uvicorn.access", "granian.access")
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
    """Redact the path of access-log records: uvicorn's arguments
    (``'%s - "%s %s HTTP/%s" %d'``, the path with its query third) or granian's (a mapping
    with ``path`` and ``query_string``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], redact_path(args[2]), *args[3:])
        elif isinstance(args, dict) and isinstance(args.get("path"), str):
            query = args.get("query_string")
            if query:
                path = redact_path(f"{args['path']}?{query}")
                record.args = {**args, "path": path, "query_string": path.partition("?")[2]}
        return True


def redact_access_log() -> None:
    """Install the filter on the access loggers (once per process)."""
    for name in ACCESS_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactQuery) for f in logger.filters):
            logger.addFilter(RedactQuery())
