"""Server-side sessions of the Schoolloket (its own cookie: cookies ignore ports on localhost).

The cookie holds a random id; only its SHA-256 is stored. A session starts before login with
the pending authorization request (state, nonce, PKCE verifier, OIDC Core §3.1.2.1) and gets a
fresh id once the staff member is logged in, so an id planted before login is worth nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from typing import TYPE_CHECKING

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from datastore.db.models import SchoolloketSession
from datastore.hashing import sha256_hex
from datastore.records.schoolloket import SchoolloketSessionRecord
from datastore.schoolloket.base import reading

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["SessionsMixin", "end_account_sessions"]


def _record(row: SchoolloketSession) -> SchoolloketSessionRecord:
    return SchoolloketSessionRecord(
        id=row.id,
        csrf_token=row.csrf_token,
        expires_at=row.expires_at,
        login_state=row.login_state,
        login_nonce=row.login_nonce,
        code_verifier=row.code_verifier,
        account_id=row.account_id,
        id_token=row.id_token,
    )


def end_account_sessions(session: Session, account_ids: Collection[int]) -> None:
    """Delete the Schoolloket sessions of these accounts, in the caller's transaction: the
    staff member's next request finds no session and is sent to log in again."""
    session.execute(
        delete(SchoolloketSession).where(SchoolloketSession.account_id.in_(list(account_ids)))
    )


class SessionsMixin:
    """Create, read, complete and end Schoolloket sessions."""

    _store: Database

    def start_session(
        self,
        session_id: str,
        csrf_token: str,
        ttl_seconds: int,
        *,
        state: str | None = None,
        nonce: str | None = None,
        code_verifier: str | None = None,
    ) -> SchoolloketSessionRecord:
        """A new session (usually a pending login); expired sessions are swept on the way."""
        now = self._store.clock.now()
        with self._store.write() as session:
            session.execute(delete(SchoolloketSession).where(SchoolloketSession.expires_at < now))
            row = SchoolloketSession(
                id_hash=sha256_hex(session_id),
                csrf_token=csrf_token,
                created_at=now,
                expires_at=now + dt.timedelta(seconds=ttl_seconds),
                login_state=state,
                login_nonce=nonce,
                code_verifier=code_verifier,
            )
            session.add(row)
            session.flush()
            return _record(row)

    def session(self, session_id: str) -> SchoolloketSessionRecord | None:
        """The live session with this cookie value, or ``None``."""
        with reading(self._store) as session:
            row = session.scalar(
                select(SchoolloketSession).where(
                    SchoolloketSession.id_hash == sha256_hex(session_id),
                    SchoolloketSession.expires_at > self._store.clock.now(),
                )
            )
            return None if row is None else _record(row)

    def complete_login(
        self, old_session_id: str, new_session_id: str, account_id: int, id_token: str
    ) -> bool:
        """Turn the pending login into a logged-in session under a new id (single use)."""
        with self._store.write() as session:
            row = session.scalar(
                select(SchoolloketSession).where(
                    SchoolloketSession.id_hash == sha256_hex(old_session_id)
                )
            )
            if row is None or row.login_state is None:
                return False
            row.id_hash = sha256_hex(new_session_id)
            row.login_state = row.login_nonce = row.code_verifier = None
            row.account_id = account_id
            row.id_token = id_token
            return True

    def end_session(self, session_id: str) -> str | None:
        """End the session; returns its ID token (the logout hint), if any."""
        with self._store.write() as session:
            row = session.scalar(
                select(SchoolloketSession).where(
                    SchoolloketSession.id_hash == sha256_hex(session_id)
                )
            )
            if row is None:
                return None
            id_token = row.id_token
            session.delete(row)
            return id_token
