"""The provider's protocol state: signing keys, server secrets, SSO sessions, codes and tokens.

The one writer of their tables (``signing_keys``, ``provider_secrets``, ``auth_sessions``,
``session_clients``, ``authorization_codes``, ``tokens``, ``used_assertions``), with the
statements of ``datastore.protocol.oidc_sql``.

Every method is one short transaction and hands out frozen records. Single use is enforced by
the database, never by a read followed by a write: a code or a refresh token is claimed with
``UPDATE ... WHERE consumed_at IS NULL`` and the row count decides (RFC 6749 §4.1.2, §10.5;
OAuth 2.0 Security BCP §4.14). Several provider processes on one PostgreSQL therefore act as one.

The hot path (SSO authorize, the token grants, UserInfo) runs on Core connections with the
statements of ``datastore.protocol.oidc_sql``, compiled once (``datastore.db.prepared``); its
statement counts are pinned in tests/datastore/test_statement_counts.py.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import Connection, delete, exists, func, select, text, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from datastore.db.models import (
    Account,
    AuthorizationCode,
    AuthSession,
    ProviderSecret,
    SessionClient,
    SigningKey,
    Token,
    UsedAssertion,
)
from datastore.db.prepared import Prepared
from datastore.db.results import rowcount
from datastore.errors import Conflict, NotFound, RequestRefused
from datastore.protocol.logs import PrivacyRelease, ProtocolEvent, insert_log, log_rows
from datastore.protocol.oidc_sql import (
    CODE_CLAIM,
    CODE_LOOK,
    REFRESH_CLAIM,
    REFRESH_LOOK,
    SESSION_LOOKUP,
    SESSION_WITH_ACCOUNT,
    TOKEN_BY_HASH,
    insert_rows,
)
from datastore.protocol.release import (
    GrantKey,
    account_record,
    release_facts,
    release_facts_of_grant,
)
from datastore.records.protocol import AccountRecord, ReleaseFacts
from datastore.schoolloket.sessions import end_account_sessions

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = [
    "CodeGrant",
    "CodeRecord",
    "CodeRejected",
    "EndedSession",
    "ExpiredPurge",
    "OidcRepository",
    "ProtocolEvent",
    "RefreshRejected",
    "SessionRecord",
    "SigningKeyRecord",
    "TokenIssue",
    "TokenRecord",
    "end_account_access",
    "ping",
    "purge_expired",
]

_R = TypeVar("_R")
_G = TypeVar("_G", "CodeRecord", "TokenRecord")

# The retirement and expiry of a key that is never published.
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
# One advisory lock serialises "create if missing" of keys and secrets across processes.
_PROVIDER_LOCK = 0x1EE41D


@dataclass(frozen=True, slots=True)
class SigningKeyRecord:
    """A signing key; ``private_jwk`` is its JSON JWK with the private part."""

    kid: str
    alg: str
    private_jwk: str
    created_at: dt.datetime
    retired_at: dt.datetime | None
    expires_at: dt.datetime | None


@dataclass(frozen=True, slots=True)
class SessionRecord:
    """A live SSO session."""

    id: int
    sid: str
    account_id: int
    auth_time: dt.datetime
    expires_at: dt.datetime


@dataclass(frozen=True, slots=True)
class EndedSession:
    """A session just ended, with the clients that received tokens in it (back-channel)."""

    session: SessionRecord
    client_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CodeGrant:
    """What an authorization code stands for (RFC 6749 §4.1.2), before it is stored."""

    code_hash: str
    client_id: str
    account_id: int
    session_id: int | None
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: dt.datetime
    expires_at: dt.datetime
    # The authentication context class reference the login reports (OIDC Core §2 ``acr``).
    acr: str | None = None


@dataclass(frozen=True, slots=True)
class CodeRecord:
    """A consumed authorization code, with the sid of its session."""

    id: int
    client_id: str
    account_id: int
    session_id: int | None
    sid: str | None
    redirect_uri: str
    scope: str
    nonce: str | None
    code_challenge: str | None
    code_challenge_method: str | None
    auth_time: dt.datetime
    acr: str | None  # ``None``: stored before codes carried it (the dossier's own applies)


@dataclass(frozen=True, slots=True)
class TokenRecord:
    """An access or refresh token as stored (by hash), with the sid of its session."""

    id: int
    kind: str
    client_id: str
    account_id: int | None  # ``None``: a token of a grant without an account (RFC 6749 §4.4)
    session_id: int | None
    sid: str | None
    code_id: int | None
    family_id: str
    scope: str
    auth_time: dt.datetime
    issued_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    rotated_at: dt.datetime | None
    acr: str | None  # ``None``: stored before tokens carried it (the dossier's own applies)

    def usable_at(self, now: dt.datetime) -> bool:
        """Not revoked, not rotated, not expired."""
        return self.revoked_at is None and self.rotated_at is None and now < self.expires_at


@dataclass(frozen=True, slots=True)
class TokenIssue:
    """Tokens to store in one transaction, with the privacy-log entries and event they carry.

    ``scope`` is the access token's; the refresh token keeps ``refresh_scope``, the grant's
    scope, even when a refresh asked for less (RFC 6749 §6). ``refresh_expires_at`` is the end
    of the grant's refresh period: set at the login, copied by every rotation. ``account_id``
    ``None`` is a token for the client itself, of a grant without an account (RFC 6749 §4.4).
    """

    client_id: str
    account_id: int | None
    session_id: int | None
    code_id: int | None
    family_id: str
    scope: str
    auth_time: dt.datetime
    access_hash: str
    access_expires_at: dt.datetime
    refresh_hash: str | None
    refresh_expires_at: dt.datetime | None
    releases: tuple[PrivacyRelease, ...] = ()
    event: ProtocolEvent | None = None
    refresh_scope: str | None = None  # ``None``: the same as ``scope``
    acr: str | None = None


class CodeRejected(Conflict):
    """An authorization code that cannot be redeemed; ``reason`` says why.

    ``unknown``, ``expired``, ``other_client`` or ``reused`` (its tokens are revoked already).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"authorization code rejected: {reason}")


class RefreshRejected(Conflict):
    """A refresh token that cannot be used; ``reason`` says why.

    ``unknown``, ``expired`` (its grant's refresh period is over), ``revoked``,
    ``other_client`` or ``reused`` (family revoked).
    """

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"refresh token rejected: {reason}")


class OidcRepository:
    """Protocol state of the identity provider (``store.oidc``)."""

    def __init__(self, store: Database) -> None:
        self._store = store

    def _lock(self, session: Session) -> None:
        # SQLite writers are serialised by BEGIN IMMEDIATE already; PostgreSQL needs a lock.
        if self._store.dialect == "postgresql":
            session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PROVIDER_LOCK})

    # ------------------------------------------------------------------ keys and secrets

    def signing_keys(self, now: dt.datetime) -> tuple[SigningKeyRecord, ...]:
        """Keys still valid at ``now`` (active and retired-but-unexpired), oldest first."""
        with self._store.read() as session:
            rows = session.scalars(
                select(SigningKey)
                .where((SigningKey.expires_at.is_(None)) | (SigningKey.expires_at > now))
                .order_by(SigningKey.id)
            ).all()
            return tuple(_key_record(row) for row in rows)

    def ensure_signing_keys(
        self, algs: Sequence[str], make: Callable[[str], tuple[str, str]], now: dt.datetime
    ) -> bool:
        """Create an active key for each alg that has none; ``make(alg)`` gives (kid, jwk).

        Race-safe across processes (one lock); True when a key was created.
        """
        with self._store.write() as session:
            self._lock(session)
            active = set(
                session.scalars(select(SigningKey.alg).where(SigningKey.retired_at.is_(None)))
            )
            missing = [alg for alg in algs if alg not in active]
            for alg in missing:
                kid, jwk = make(alg)
                session.add(SigningKey(kid=kid, alg=alg, private_jwk=jwk, created_at=now))
            if missing:
                self._store.clock.bump_generation(session)
        return bool(missing)

    def rotate_signing_keys(
        self,
        algs: Sequence[str],
        make: Callable[[str], tuple[str, str]],
        now: dt.datetime,
        keep_until: dt.datetime,
    ) -> tuple[str, ...]:
        """Retire the active keys of ``algs`` (kept in the JWKS until ``keep_until``), add new."""
        with self._store.write() as session:
            self._lock(session)
            session.execute(
                update(SigningKey)
                .where(SigningKey.retired_at.is_(None), SigningKey.alg.in_(algs))
                .values(retired_at=now, expires_at=keep_until)
            )
            kids = []
            for alg in algs:
                kid, jwk = make(alg)
                session.add(SigningKey(kid=kid, alg=alg, private_jwk=jwk, created_at=now))
                kids.append(kid)
            self._store.clock.bump_generation(session)
        return tuple(kids)

    def unpublished_key(self, kid: str, alg: str, make: Callable[[], str]) -> str:
        """The private JWK ``kid``, stored with ``make()`` on first use (race-safe across
        workers), retired and expired from the start: it signs, but the JWKS never shows it
        (the misbehaving-ACM scenario of a key the client cannot know yet)."""
        query = select(SigningKey.private_jwk).where(SigningKey.kid == kid)
        with self._store.read() as session:
            found = session.scalar(query)
        if found is not None:
            return found
        try:
            with self._store.write() as session:
                session.add(
                    SigningKey(
                        kid=kid,
                        alg=alg,
                        private_jwk=make(),
                        created_at=self._store.clock.now(),
                        retired_at=_EPOCH,
                        expires_at=_EPOCH,
                    )
                )
        except IntegrityError:
            pass  # another worker made it first: use that one
        with self._store.read() as session:
            made = session.scalar(query)
        if made is None:
            raise NotFound("the unpublished key could not be stored")
        return made

    def secret(self, name: str, make: Callable[[], str], now: dt.datetime) -> str:
        """The server secret ``name``, created with ``make()`` on first use (race-safe)."""
        query = select(ProviderSecret.value).where(ProviderSecret.name == name)
        with self._store.read() as session:
            value = session.scalar(query)
        if value is not None:
            return value
        with self._store.write() as session:
            self._lock(session)
            value = session.scalar(query)
            if value is None:
                value = make()
                session.add(ProviderSecret(name=name, value=value, created_at=now))
        return value

    # ------------------------------------------------------------------ sessions

    def create_session(
        self,
        *,
        id_hash: str,
        sid: str,
        account_id: int,
        now: dt.datetime,
        expires_at: dt.datetime,
        replaces_id_hash: str | None = None,
        event: ProtocolEvent | None = None,
    ) -> SessionRecord:
        """Start an SSO session (OIDC Core §3.1.2.3), ending the browser's previous one.

        An account disabled while its password was being checked gets a session that is born
        ended: no SSO, and its code is ``invalid_grant``. The account row is locked (shared)
        first, so a concurrent disabling either waits for this session and ends it, or commits
        before and is seen here.
        """
        with self._store.write() as session:
            status = session.scalar(
                select(Account.status).where(Account.id == account_id).with_for_update(read=True)
            )
            if replaces_id_hash is not None:
                session.execute(
                    update(AuthSession)
                    .where(AuthSession.id_hash == replaces_id_hash, AuthSession.ended_at.is_(None))
                    .values(ended_at=now)
                )
            row = AuthSession(
                id_hash=id_hash,
                sid=sid,
                account_id=account_id,
                auth_time=now,
                created_at=now,
                expires_at=expires_at,
                ended_at=None if status == "active" else now,
            )
            session.add(row)
            insert_log(session.connection(), now, events=[event])
            session.flush()
            return _session_record(row)

    def session(self, id_hash: str, now: dt.datetime) -> SessionRecord | None:
        """The live session behind a cookie, or ``None`` (unknown, ended or expired)."""
        with self._store.connect_read() as connection:
            row = SESSION_LOOKUP.first(connection, {"id_hash": id_hash, "now": now})
        return None if row is None else _session_record(row)

    def session_with_account(
        self, id_hash: str, now: dt.datetime
    ) -> tuple[SessionRecord, AccountRecord] | None:
        """The live session behind a cookie and its account, in one query (the SSO hot path)."""
        with self._store.connect_read() as connection:
            row = SESSION_WITH_ACCOUNT.first(connection, {"id_hash": id_hash, "now": now})
        if row is None:
            return None
        record = SessionRecord(
            id=row.session_pk,
            sid=row.sid,
            account_id=row.id,
            auth_time=row.auth_time,
            expires_at=row.expires_at,
        )
        return record, account_record(row)

    def end_session(
        self,
        *,
        now: dt.datetime,
        id_hash: str | None = None,
        sid: str | None = None,
        event: ProtocolEvent | None = None,
    ) -> EndedSession | None:
        """End a live session (by cookie hash or sid) and revoke its online tokens.

        Tokens granted with ``offline_access`` outlive the session (OIDC Core §11).
        Returns the clients that received tokens in it, for back-channel logout.
        """
        condition = AuthSession.id_hash == id_hash if id_hash else AuthSession.sid == sid
        with self._store.write() as session:
            row = session.scalar(
                select(AuthSession).where(
                    condition, AuthSession.ended_at.is_(None), AuthSession.expires_at > now
                )
            )
            insert_log(session.connection(), now, events=[event])
            if row is None:
                return None
            row.ended_at = now
            tokens = session.execute(
                select(Token.id, Token.scope).where(
                    Token.session_id == row.id, Token.revoked_at.is_(None)
                )
            ).all()
            online = [t.id for t in tokens if "offline_access" not in t.scope.split()]
            if online:
                session.execute(update(Token).where(Token.id.in_(online)).values(revoked_at=now))
            clients = tuple(
                session.scalars(
                    select(SessionClient.client_id)
                    .where(SessionClient.session_id == row.id)
                    .order_by(SessionClient.id)
                )
            )
            return EndedSession(_session_record(row), clients)

    # ------------------------------------------------------------------ codes

    def create_code(self, grant: CodeGrant, now: dt.datetime, event: ProtocolEvent | None) -> None:
        """Store an authorization code by its hash (RFC 6749 §4.1.2) with its event.

        Core inserts in one transaction; on PostgreSQL one statement in autocommit.
        """
        code = {
            "code_hash": grant.code_hash,
            "client_id": grant.client_id,
            "account_id": grant.account_id,
            "session_id": grant.session_id,
            "redirect_uri": grant.redirect_uri,
            "scope": grant.scope,
            "nonce": grant.nonce,
            "code_challenge": grant.code_challenge,
            "code_challenge_method": grant.code_challenge_method,
            "auth_time": grant.auth_time,
            "acr": grant.acr,
            "created_at": now,
            "expires_at": grant.expires_at,
        }
        with self._store.connect_write(single_statement=True) as connection:
            insert_rows(connection, [("codes", [code]), *log_rows(now, events=[event])])

    def redeem_code(
        self,
        code_hash: str,
        client_id: str,
        application_id: int,
        now: dt.datetime,
        mint: Callable[[CodeRecord, ReleaseFacts | None], tuple[TokenIssue, _R]],
    ) -> _R:
        """Consume a code once and store the tokens it buys, in ONE transaction (RFC 6749 §4.1.2).

        The conditional ``UPDATE ... RETURNING`` is the single-use gate: of two concurrent
        redemptions exactly one gets the row. ``mint(code, facts)`` (facts ``None`` when the
        account is gone) checks the request and signs the tokens; it must not touch the
        database. Its tokens are stored before the claim commits, so a second use, which
        revokes every token the code produced, always finds them: on PostgreSQL the loser's
        ``UPDATE`` waits for the winner's row lock and its revocation runs after the winner
        committed; on SQLite writers are serialised. When ``mint`` refuses the request
        (``RequestRefused``), the code stays consumed and the refusal is raised after the
        commit; any other exception rolls the claim back. Raises ``CodeRejected``.
        """
        return self._claim_and_mint(
            "code",
            CODE_LOOK,
            CODE_CLAIM,
            {"b_code_hash": code_hash, "b_client_id": client_id, "b_now": now},
            _code_record,
            lambda connection: CodeRejected(_code_rejection(connection, code_hash, client_id, now)),
            mint,
            application_id,
            now,
            mint_first=self._store.dialect == "sqlite",
        )

    # ------------------------------------------------------------------ tokens

    def rotate_refresh(
        self,
        token_hash: str,
        client_id: str,
        application_id: int,
        now: dt.datetime,
        mint: Callable[[TokenRecord, ReleaseFacts | None], tuple[TokenIssue, _R]],
        *,
        signs: bool = True,
        releases: bool = True,
    ) -> _R:
        """Rotate a refresh token once and store its successors, in ONE transaction.

        RFC 6749 §6 and OAuth 2.0 Security BCP §4.14.2: a rotated token used again means it
        leaked, so the whole family (every token of that grant) is revoked, including the
        tokens the rotation just issued: they are stored before the rotation commits, and a
        replay's revocation runs after it (see ``redeem_code``). ``mint`` as there; when it
        refuses, the token stays rotated. ``signs=False`` says ``mint`` signs nothing (opaque
        tokens only): it then runs inside the transaction on every database, which saves
        SQLite the read before it (see ``_claim_and_mint``). ``releases=False`` says ``mint``
        releases no attribute (no ID token): its facts hold the account alone
        (``ReleaseFacts.of_account_only``), read without the release's joins. Raises
        ``RefreshRejected``.
        """
        return self._claim_and_mint(
            "refresh",
            REFRESH_LOOK,
            REFRESH_CLAIM,
            {"b_token_hash": token_hash, "b_client_id": client_id, "b_now": now},
            _token_record,
            lambda connection: RefreshRejected(
                _refresh_rejection(connection, token_hash, client_id, now)
            ),
            mint,
            application_id,
            now,
            mint_first=signs and self._store.dialect == "sqlite",
            account_only=not releases,
        )

    def _claim_and_mint(
        self,
        key: GrantKey,
        look: Prepared,
        claim: Prepared,
        params: dict[str, Any],
        to_record: Callable[[Any], _G],
        rejection: Callable[[Connection], Exception],
        mint: Callable[[_G, ReleaseFacts | None], tuple[TokenIssue, _R]],
        application_id: int,
        now: dt.datetime,
        *,
        mint_first: bool,
        account_only: bool = False,
    ) -> _R:
        """The single-use gate shared by code redemption and refresh rotation.

        ``claim`` is a conditional ``UPDATE ... RETURNING``: of concurrent claims exactly one gets
        the row. No row: ``rejection(connection)`` works out why (revoking what a reuse produced)
        and is raised after the commit. A row: the tokens ``mint`` made are stored before the
        claim commits. When ``mint`` refused (``RequestRefused``), the claim still commits (the
        code stays consumed, the token rotated) and the refusal is raised after it.

        The write transaction reads the account's facts first (on PostgreSQL locking the
        account row shared, see ``_claim_and_store``), then claims, then stores: the tokens
        stored are always minted from the row it claimed and the facts it read.

        ``mint_first`` (SQLite, when ``mint`` signs): ``mint`` (checks and signatures) runs
        BEFORE the write transaction, on the row
        ``look`` reads with the claim's own conditions and the account's facts, so that the
        write transaction (the one writer of every process) holds only the facts, the claim
        and the inserts. Every condition of a claim can only turn false over time (a code is
        consumed, a token rotated or revoked, a session ended; expiry is tested at the same
        ``now``) and none of the row's columns the tokens are made of ever changes, so the
        claim takes the row the look saw, or none. The facts can change (an enrolment ends, a
        protocol ends, a school stops sharing classes): when the transaction's facts or row
        differ from what the look saw, ``mint`` runs again inside the transaction.

        Otherwise (PostgreSQL, which has no single writer and where each statement is a round
        trip; or a ``mint`` that signs nothing, so that reading twice would cost more than it
        keeps out of the lock) it mints inside the transaction, after the claim, and reads the
        row only there (``key`` says which row names the account: the code or the refresh token
        of ``params``).
        """
        minted: tuple[TokenIssue, _R] | RequestRefused | None = None
        facts: ReleaseFacts | None = None
        looked = None
        if mint_first:
            with self._store.connect_read() as connection:
                looked = look.first(connection, params)
                if looked is not None:
                    record = to_record(looked)
                    facts = _facts(
                        connection, record.account_id, application_id, account_only=account_only
                    )
            if looked is not None:
                minted = _mint_or_error(mint, record, facts)
        for attempt in range(1, _DEADLOCK_ATTEMPTS + 1):
            try:
                return self._claim_and_store(
                    key,
                    claim,
                    params,
                    to_record,
                    rejection,
                    mint,
                    application_id,
                    now,
                    looked,
                    facts,
                    minted,
                    account_only=account_only,
                )
            except OperationalError as exc:
                if attempt == _DEADLOCK_ATTEMPTS or not _is_deadlock(exc):
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _claim_and_store(
        self,
        key: GrantKey,
        claim: Prepared,
        params: dict[str, Any],
        to_record: Callable[[Any], _G],
        rejection: Callable[[Connection], Exception],
        mint: Callable[[_G, ReleaseFacts | None], tuple[TokenIssue, _R]],
        application_id: int,
        now: dt.datetime,
        looked: Any,
        facts: ReleaseFacts | None,
        minted: tuple[TokenIssue, _R] | RequestRefused | None,
        *,
        account_only: bool,
    ) -> _R:
        """The write transaction of ``_claim_and_mint``: the claim, and the tokens or the
        rejection. PostgreSQL may end it as a deadlock victim (concurrent replays revoking one
        family); it then rolled back whole, and ``_claim_and_mint`` runs it again."""
        failure: Exception
        with self._store.connect_write() as connection:
            # The account row first, locked: a disable or a delete (``end_account_access``)
            # locks it before it revokes, so it either commits before this read (the facts say
            # the account is gone or disabled, and nothing is minted) or waits until this
            # transaction has stored its tokens and then revokes them too. Locked after the
            # claim instead, the two would take the rows in opposite orders and deadlock.
            # (SQLite has no row locks: its one writer orders the two.)
            current = release_facts_of_grant(
                connection, key, params, application_id, lock=True, account_only=account_only
            )
            row = claim.first(connection, params)
            if row is None:
                failure = rejection(connection)
            else:
                record = to_record(row)
                if minted is None or current != facts or not _same_row(row, looked):
                    minted = _mint_or_error(mint, record, current)
                if isinstance(minted, RequestRefused):  # the claim stands
                    failure = minted
                else:
                    issue, result = minted
                    _store_issue(connection, issue, now, _has_session_client(record, issue))
                    return result
        raise failure

    def issue_tokens(self, issue: TokenIssue, now: dt.datetime) -> None:
        """Store tokens that no code or refresh token buys, in one transaction.

        For a grant that claims nothing single-use (``client_credentials``, RFC 6749 §4.4):
        its tokens, privacy-log entries and event are stored as ``redeem_code`` stores them.
        """
        with self._store.connect_write() as connection:
            _store_issue(connection, issue, now, has_session_client=False)

    def token(self, token_hash: str) -> TokenRecord | None:
        """The token stored under this hash, whatever its state."""
        with self._store.connect_read() as connection:
            row = TOKEN_BY_HASH.first(connection, {"token_hash": token_hash})
        return None if row is None else _token_record(row)

    def revoke(self, token_hash: str, client_id: str, now: dt.datetime) -> bool:
        """Revoke a token of ``client_id`` (RFC 7009 §2.1); a refresh token takes its family.

        False when no such token of this client exists (which RFC 7009 answers with 200 too).
        """
        with self._store.write() as session:
            row = session.scalar(
                select(Token).where(Token.token_hash == token_hash, Token.client_id == client_id)
            )
            if row is None:
                return False
            if row.kind == "refresh":
                _revoke_family(session, row.family_id, now)
            elif row.revoked_at is None:
                row.revoked_at = now
        return True

    def record_release(
        self, releases: Sequence[PrivacyRelease], event: ProtocolEvent | None, now: dt.datetime
    ) -> None:
        """Log a release made outside token issuance (UserInfo, introspection) with its event."""
        if not releases and event is None:
            return
        with self._store.connect_write(single_statement=True) as connection:
            insert_log(connection, now, releases, [event])

    # ------------------------------------------------------------------ replay and passwords

    def remember_assertion(self, client_id: str, jti: str, expires_at: dt.datetime) -> bool:
        """Record a client assertion's ``jti`` (RFC 7523 §3); False when it was seen before."""
        try:
            with self._store.write() as session:
                seen = session.scalar(
                    select(
                        exists().where(
                            UsedAssertion.client_id == client_id, UsedAssertion.jti == jti
                        )
                    )
                )
                if seen:
                    return False
                session.add(UsedAssertion(client_id=client_id, jti=jti, expires_at=expires_at))
        except IntegrityError:
            return False  # a concurrent request recorded the same jti first
        return True

    def count_live_sessions(self, now: dt.datetime) -> int:
        """How many SSO sessions are live (for tests and the admin API)."""
        with self._store.read() as session:
            return (
                session.scalar(
                    select(func.count())
                    .select_from(AuthSession)
                    .where(AuthSession.ended_at.is_(None), AuthSession.expires_at > now)
                )
                or 0
            )


@dataclass(frozen=True, slots=True)
class ExpiredPurge:
    """How many rows ``purge_expired`` deleted, per kind."""

    sessions: int
    authorization_codes: int
    tokens: int
    used_assertions: int


def purge_expired(session: Session, now: dt.datetime) -> ExpiredPurge:
    """Delete, inside the caller's transaction, what no request can use any more: expired and
    ended SSO sessions, expired codes and tokens, and client assertions (RFC 7523 §3) past
    their ``exp``, whose ``jti`` need not be remembered."""
    counts = [
        rowcount(session.execute(statement))
        for statement in (
            delete(AuthSession).where(
                (AuthSession.expires_at < now) | AuthSession.ended_at.is_not(None)
            ),
            delete(AuthorizationCode).where(AuthorizationCode.expires_at < now),
            delete(Token).where(Token.expires_at < now),
            delete(UsedAssertion).where(UsedAssertion.expires_at < now),
        )
    ]
    return ExpiredPurge(*counts)


def end_account_access(
    session: Session, account_ids: Collection[int], now: dt.datetime
) -> tuple[EndedSession, ...]:
    """Stop everything the accounts hold, inside the caller's transaction (a disable, a delete).

    Their SSO sessions end (so a code issued in one is ``invalid_grant``, see ``CODE_CLAIM``),
    every access and refresh token is revoked, ``offline_access`` ones included (a disabled
    account keeps no grant, unlike a logout, OIDC Core §11), codes without a session are
    consumed, and their Schoolloket sessions are deleted. Done in the same transaction as the
    status change, so no request sees a disabled account that still has a live session, and
    re-enabling the account brings none of it back. Returns the sessions that were live, with
    their clients, for back-channel logout (OIDC Back-Channel Logout 1.0 §2.7).
    """
    ids = sorted(set(account_ids))
    if not ids:
        return ()
    # The caller's change first, then the account rows locked, before any session or token:
    # a concurrent login (``create_session``) and a concurrent grant (``_claim_and_store``) lock
    # the account row shared before anything else, so both sides take the rows in one order
    # (a delete revokes first and deletes the account last, which alone would deadlock).
    session.flush()
    session.execute(
        select(Account.id).where(Account.id.in_(ids)).order_by(Account.id).with_for_update()
    )
    rows = session.scalars(
        select(AuthSession)
        .where(AuthSession.account_id.in_(ids), AuthSession.ended_at.is_(None))
        .order_by(AuthSession.id)
    ).all()
    live = [row for row in rows if row.expires_at > now]
    for row in rows:
        row.ended_at = now
    session.flush()
    clients: dict[int, list[str]] = {row.id: [] for row in live}
    if live:
        for session_id, client_id in session.execute(
            select(SessionClient.session_id, SessionClient.client_id)
            .where(SessionClient.session_id.in_(list(clients)))
            .order_by(SessionClient.id)
        ):
            clients[session_id].append(client_id)
    _revoke_all(session, Token.account_id.in_(ids), now)
    session.execute(
        update(AuthorizationCode)
        .where(
            AuthorizationCode.account_id.in_(ids),
            AuthorizationCode.consumed_at.is_(None),
            AuthorizationCode.session_id.is_(None),
        )
        .values(consumed_at=now)
    )
    end_account_sessions(session, ids)
    return tuple(EndedSession(_session_record(row), tuple(clients[row.id])) for row in live)


def _store_issue(
    connection: Connection, issue: TokenIssue, now: dt.datetime, has_session_client: bool
) -> None:
    """Store an access token (and refresh token) with its privacy-log entries and event.

    Plain Core inserts (``insert_rows``): one statement on PostgreSQL, one per table on SQLite.
    The (session, client) pair for back-channel logout (OIDC Back-Channel Logout 1.0 §2.7) is
    added unless ``has_session_client`` says it is there already.
    """
    common = {
        "client_id": issue.client_id,
        "account_id": issue.account_id,
        "session_id": issue.session_id,
        "code_id": issue.code_id,
        "family_id": issue.family_id,
        "auth_time": issue.auth_time,
        "acr": issue.acr,
        "issued_at": now,
    }
    tokens = [
        {
            "token_hash": issue.access_hash,
            "kind": "access",
            "scope": issue.scope,
            "expires_at": issue.access_expires_at,
        }
        | common
    ]
    if issue.refresh_hash is not None and issue.refresh_expires_at is not None:
        tokens.append(
            {
                "token_hash": issue.refresh_hash,
                "kind": "refresh",
                "scope": issue.scope if issue.refresh_scope is None else issue.refresh_scope,
                "expires_at": issue.refresh_expires_at,
            }
            | common
        )
    pairs = []
    if issue.session_id is not None and not has_session_client:
        pairs.append({"session_id": issue.session_id, "client_id": issue.client_id})
    insert_rows(
        connection,
        [
            ("tokens", tokens),
            ("session_clients", pairs),
            *log_rows(now, issue.releases, [issue.event]),
        ],
    )


def _has_session_client(record: CodeRecord | TokenRecord, issue: TokenIssue) -> bool:
    """Whether the (session, client) pair of ``issue`` is stored already.

    A refresh token of the same session and client was stored by ``_store_issue``, which
    stored the pair with it; the pair goes only with its session (ON DELETE CASCADE), and
    then the token's ``session_id`` is NULL (ON DELETE SET NULL). A code's pair is not
    stored until its tokens are.
    """
    return (
        isinstance(record, TokenRecord)
        and record.session_id is not None
        and record.session_id == issue.session_id
        and record.client_id == issue.client_id
    )


# A write transaction PostgreSQL ended as a deadlock victim is run again, up to this many times
# in all (PostgreSQL manual, "Deadlocks": the victim's transaction is to be retried).
_DEADLOCK_ATTEMPTS = 3


def _is_deadlock(exc: OperationalError) -> bool:
    """SQLSTATE 40P01 (``deadlock_detected``)."""
    return getattr(exc.orig, "sqlstate", None) == "40P01"


# Columns a claim sets (and returns, with their new value): the rest of a claimed row is as the
# look read it.
_SET_BY_CLAIM = frozenset({"consumed_at", "rotated_at"})


def _same_row(claimed: Any, looked: Any) -> bool:
    """Whether the claim took the row the look read (the columns the claim sets aside)."""
    if looked is None:
        return False
    return all(
        getattr(looked, name) == getattr(claimed, name)
        for name in claimed._fields
        if name not in _SET_BY_CLAIM
    )


def _mint_or_error(
    mint: Callable[[_G, ReleaseFacts | None], tuple[TokenIssue, _R]],
    record: _G,
    facts: ReleaseFacts | None,
) -> tuple[TokenIssue, _R] | RequestRefused:
    """``mint``'s tokens, or the refusal it answered the request with. Any other exception is
    a fault of the provider and propagates: nothing is claimed (or the claim rolls back)."""
    try:
        return mint(record, facts)
    except RequestRefused as exc:
        return exc


def _facts(
    connection: Connection,
    account_id: int | None,
    application_id: int,
    *,
    lock: bool = False,
    account_only: bool = False,
) -> ReleaseFacts | None:
    if account_id is None:
        return None
    try:
        return release_facts(
            connection, account_id, application_id, lock=lock, account_only=account_only
        )
    except NotFound:
        return None


def _code_rejection(session: Connection, code_hash: str, client_id: str, now: dt.datetime) -> str:
    # A new statement, so on PostgreSQL (READ COMMITTED) it sees what a concurrent winner
    # committed while this transaction's UPDATE waited for its row lock.
    row = session.execute(
        select(
            AuthorizationCode.id,
            AuthorizationCode.client_id,
            AuthorizationCode.consumed_at,
            AuthSession.ended_at,
        )
        .outerjoin(AuthSession, AuthSession.id == AuthorizationCode.session_id)
        .where(AuthorizationCode.code_hash == code_hash)
    ).one_or_none()
    if row is None:
        return "unknown"
    if row.client_id != client_id:
        return "other_client"
    if row.consumed_at is not None:
        _revoke_all(session, Token.code_id == row.id, now)
        return "reused"
    if row.ended_at is not None:
        return "session_ended"
    return "expired"


def _refresh_rejection(
    session: Connection, token_hash: str, client_id: str, now: dt.datetime
) -> str:
    # As in _code_rejection: this statement sees a concurrent winner's committed rotation.
    row = session.execute(
        select(Token.client_id, Token.family_id, Token.revoked_at, Token.rotated_at).where(
            Token.token_hash == token_hash, Token.kind == "refresh"
        )
    ).one_or_none()
    if row is None:
        return "unknown"
    if row.client_id != client_id:
        return "other_client"
    if row.revoked_at is not None:
        return "revoked"
    if row.rotated_at is not None:
        _revoke_family(session, row.family_id, now)
        return "reused"
    return "expired"


def _revoke_family(session: Session | Connection, family_id: str, now: dt.datetime) -> None:
    _revoke_all(session, Token.family_id == family_id, now)


def _revoke_all(session: Session | Connection, condition: Any, now: dt.datetime) -> None:
    """Revoke every live token matching ``condition``, successors committed meanwhile included.

    On PostgreSQL (READ COMMITTED) an UPDATE that waited for a concurrent rotation's row lock
    does not see the successor that rotation committed (it was not in the statement's
    snapshot); the next UPDATE does. So repeat until one finds nothing left.

    Concurrent replays of one family each revoke it: every UPDATE locks its rows in the order
    of their ids (``SELECT ... ORDER BY id FOR UPDATE``), so one waits for the other instead
    of each holding a row the other needs (a deadlock, which PostgreSQL would break by failing
    one of them). SQLite serialises writers and ignores ``FOR UPDATE``.
    """
    live = (
        select(Token.id)
        .where(condition, Token.revoked_at.is_(None))
        .order_by(Token.id)
        .with_for_update()
    )
    statement = update(Token).where(Token.id.in_(live)).values(revoked_at=now)
    while rowcount(session.execute(statement)) > 0:
        pass


def _key_record(row: SigningKey) -> SigningKeyRecord:
    return SigningKeyRecord(
        kid=row.kid,
        alg=row.alg,
        private_jwk=row.private_jwk,
        created_at=row.created_at,
        retired_at=row.retired_at,
        expires_at=row.expires_at,
    )


def _session_record(row: Any) -> SessionRecord:
    """From an ``AuthSession`` or a row of its columns."""
    return SessionRecord(
        id=row.id,
        sid=row.sid,
        account_id=row.account_id,
        auth_time=row.auth_time,
        expires_at=row.expires_at,
    )


def _code_record(row: Any) -> CodeRecord:
    """From a row of ``CODE_COLUMNS`` and ``sid``."""
    return CodeRecord(
        id=row.id,
        client_id=row.client_id,
        account_id=row.account_id,
        session_id=row.session_id,
        sid=row.sid,
        redirect_uri=row.redirect_uri,
        scope=row.scope,
        nonce=row.nonce,
        code_challenge=row.code_challenge,
        code_challenge_method=row.code_challenge_method,
        auth_time=row.auth_time,
        acr=row.acr,
    )


def _token_record(row: Any) -> TokenRecord:
    """From a row of ``TOKEN_COLUMNS`` and ``sid``."""
    return TokenRecord(
        id=row.id,
        kind=row.kind,
        client_id=row.client_id,
        account_id=row.account_id,
        session_id=row.session_id,
        sid=row.sid,
        code_id=row.code_id,
        family_id=row.family_id,
        scope=row.scope,
        auth_time=row.auth_time,
        issued_at=row.issued_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        rotated_at=row.rotated_at,
        acr=row.acr,
    )


def ping(store: Database) -> None:
    """Raise when the database does not answer (``/health`` readiness)."""
    with store.read() as session:
        session.execute(text("SELECT 1"))
