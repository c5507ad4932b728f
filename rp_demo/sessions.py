"""rp_demo's own sessions, kept on the server so back-channel logout can end them.

The cookie (``leerid_rp_session``, signed) carries only a random key and the pending
authorization requests; the tokens stay here. A back-channel logout token ends every login
with its ``sid`` (or, without ``sid``, its ``sub``) for that client (Back-Channel Logout 1.0
§2.7). Kept in memory: rp_demo is one demo process.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from dataclasses import dataclass, field
from typing import Any

__all__ = ["SESSION_MAX_AGE_SECONDS", "Login", "Outcome", "RPSession", "SessionRegistry"]

# How long rp_demo's session cookie (and the session it points to) lives.
SESSION_MAX_AGE_SECONDS = 8 * 3600


@dataclass
class Login:
    """One completed code flow of one client: its tokens and what the checks said."""

    client_id: str
    id_token: str
    access_token: str
    refresh_token: str | None
    token_type: str
    expires_in: int | None
    scope: str | None
    header: dict[str, Any]
    claims: dict[str, Any]
    access_token_header: dict[str, Any] | None
    access_token_claims: dict[str, Any] | None
    signature_check: str
    userinfo_status: int | None = None
    userinfo: Any = None
    refreshes: int = 0
    refresh_rotated: bool = False
    at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))

    @property
    def sid(self) -> str | None:
        value = self.claims.get("sid")
        return value if isinstance(value, str) else None

    @property
    def sub(self) -> str:
        return str(self.claims.get("sub", ""))

    def released_claims(self) -> dict[str, Any]:
        """The released claims: UserInfo when it answered, else the ID token's claims."""
        if isinstance(self.userinfo, dict) and self.userinfo_status == 200:
            return self.userinfo
        return self.claims


@dataclass
class Outcome:
    """What happened when the DOV demo logged in with one client."""

    client_id: str
    login: Login | None = None
    error: str | None = None
    error_description: str | None = None
    refused: bool = False


@dataclass
class RPSession:
    """The logins of one browser, per client, and the DOV demo's results."""

    key: str
    created: float = field(default_factory=time.monotonic)
    logins: dict[str, Login] = field(default_factory=dict)
    dov: dict[str, Outcome] = field(default_factory=dict)
    ended_by_provider: list[str] = field(default_factory=list)


class SessionRegistry:
    """Every browser session of this rp_demo process, by random key."""

    def __init__(self) -> None:
        self._sessions: dict[str, RPSession] = {}
        self._lock = threading.Lock()
        self._seen_jti: dict[str, None] = {}

    def get(self, key: str | None) -> RPSession | None:
        if not key:
            return None
        with self._lock:
            return self._sessions.get(key)

    def create(self) -> RPSession:
        session = RPSession(key=secrets.token_urlsafe(24))
        with self._lock:
            # Forget sessions older than the cookie that points to them (bounded memory).
            cutoff = time.monotonic() - SESSION_MAX_AGE_SECONDS
            for key in [k for k, s in self._sessions.items() if s.created < cutoff]:
                del self._sessions[key]
            self._sessions[session.key] = session
        return session

    def drop(self, key: str | None) -> None:
        with self._lock:
            self._sessions.pop(key or "", None)

    def remember_jti(self, jti: str) -> bool:
        """Back-Channel Logout §2.6 step 7: False when this ``jti`` was seen before (replay)."""
        with self._lock:
            if jti in self._seen_jti:
                return False
            self._seen_jti[jti] = None
            if len(self._seen_jti) > 10_000:  # bounded: forget the oldest
                self._seen_jti.pop(next(iter(self._seen_jti)))
            return True

    def end_logins(self, client_id: str, *, sid: str | None, sub: str | None) -> int:
        """Back-Channel Logout §2.7: end the logins of ``client_id`` with this sid (or sub)."""
        ended = 0
        with self._lock:
            for session in self._sessions.values():
                login = session.logins.get(client_id)
                if login is None:
                    continue
                if (sid is not None and login.sid == sid) or (
                    sid is None and sub is not None and login.sub == sub
                ):
                    del session.logins[client_id]
                    session.ended_by_provider.append(client_id)
                    ended += 1
        return ended
