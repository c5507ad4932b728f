"""``python -m bench --floor``: what a refresh grant costs at the least, measured piece by piece.

A refresh grant (RFC 6749 §6) of this provider answers as ACM's does, with new access and refresh
tokens and no ID token, so it signs nothing. Whatever the code around it, it must:

- check that the grant's account still exists and is active;
- store the rotation durably, where every worker sees it: the old refresh token claimed (it is
  single use, OAuth 2.0 Security BCP §4.14.2), the new access and refresh tokens, and the
  protocol event, in one transaction;
- answer one HTTP request.

This measures the second in this process on a demo world in a fresh SQLite file (the default
database): once through the datastore (``store.oidc.rotate_refresh`` as the provider calls it for
a refresh: ``signs=False, releases=False``, every statement counted) and once as the bare
statements a rotation cannot do without, sent through Python's ``sqlite3`` driver with nothing
around them (the datastore's own account statement as SQLite ran it, the claim, the two
tokens, the event), one commit per rotation and, for comparison, eight per commit. It also
measures one RS256 signature through joserfc as the provider signs (``idp/tokens.py``) and
through ``cryptography`` alone: the one signature of a code redemption (an SSO flow's ID
token), which a refresh no longer makes. The HTTP floor is the server CPU of one discovery
request (prepared bytes through the whole HTTP stack), which ``python -m bench`` measures; the
peer's CPU per refresh is there too.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

from datastore import (
    Argon2Parameters,
    Datastore,
    PasswordHashing,
    PrivacyRelease,
    ProtocolEvent,
    TokenIssue,
    load_demo,
    sha256_hex,
    upgrade,
)

__all__ = ["floor"]

ROTATIONS = 3000


def _per_call_us(call: Callable[[], object], n: int) -> tuple[float, float]:
    """(wall, CPU) µs per call, median of 5 rounds of ``n`` calls."""
    walls, cpus = [], []
    for _ in range(5):
        t, c = time.perf_counter(), time.process_time()
        for _ in range(n):
            call()
        walls.append((time.perf_counter() - t) / n * 1e6)
        cpus.append((time.process_time() - c) / n * 1e6)
    return statistics.median(walls), statistics.median(cpus)


def _signatures() -> dict[str, float]:
    key = RSAKey.generate_key(2048, parameters={"kid": "floor"})
    claims = {"iss": "http://127.0.0.1:8000/op", "sub": "x" * 43, "aud": "i-learn", "iat": 0}
    header = {"alg": "RS256", "kid": "floor", "typ": "JWT"}
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    message = b"x" * 600
    joserfc_us = _per_call_us(lambda: jwt.encode(header, claims, key), 300)[1]
    raw_us = _per_call_us(lambda: private.sign(message, padding.PKCS1v15(), hashes.SHA256()), 300)[
        1
    ]
    return {
        "rs256_joserfc_cpu_us": round(joserfc_us, 1),
        "rs256_cryptography_cpu_us": round(raw_us, 1),
    }


_SQLITE_TIME = "%Y-%m-%d %H:%M:%S.%f"  # how the datastore stores a UTC time in SQLite


class _Rotations:
    """Refresh rotations of one demo pupil's tokens through ``store.oidc.rotate_refresh``, with a
    mint that signs nothing: each call rotates the token the call before it issued."""

    def __init__(self, store: Datastore, first: int = 0) -> None:
        self.store = store
        client = store.world.client("i-learn")
        account = store.world.account_by_username("jan.peeters")
        assert client is not None
        assert account is not None
        self.client, self.account = client, account
        self.now = store.clock.now()
        self.later = self.now + dt.timedelta(hours=1)
        self.n = first
        self.session_id = 0

    def issue(
        self, n: int, code_id: int | None, family: str, *, released: bool = False
    ) -> TokenIssue:
        release = PrivacyRelease(
            client_id=self.client.client_id,
            organisation="Floor",
            protocol_reference="FLOOR-1",
            account_uuid=self.account.account_uuid,
            attributes=("naam", "voornaam"),
            legal_basis="AVG art. 6.1.c",
            purpose="floor",
            channel="id_token",
            retention_days=30,
        )
        return TokenIssue(
            client_id=self.client.client_id,
            account_id=self.account.id,
            session_id=self.session_id,
            code_id=code_id,
            family_id=family,
            scope="openid offline_access",
            auth_time=self.now,
            access_hash=sha256_hex(f"a{n}"),
            access_expires_at=self.later,
            refresh_hash=sha256_hex(f"r{n}"),
            refresh_expires_at=self.later,
            releases=(release,) if released else (),  # a refresh releases nothing
            event=ProtocolEvent("token", "success", client_id=self.client.client_id),
        )

    def __call__(self) -> None:
        self.n += 1
        n = self.n
        self.store.oidc.rotate_refresh(
            sha256_hex(f"r{n - 1}"),
            self.client.client_id,
            self.client.application_id,
            self.now,
            lambda token, _facts: (self.issue(n, token.code_id, token.family_id), None),
            signs=False,
            releases=False,
        )


def _rotations(directory: Path) -> dict[str, Any]:
    url = f"sqlite:///{directory / 'floor.db'}"
    upgrade(url)
    store = Datastore.from_url(url)
    try:
        load_demo(store, hashing=PasswordHashing(Argon2Parameters(8, 1, 1)))
        rotate = _Rotations(store)
        session = store.oidc.create_session(
            id_hash=sha256_hex("floor"),
            sid="floor",
            account_id=rotate.account.id,
            now=rotate.now,
            expires_at=rotate.later,
        )
        rotate.session_id = session.id
        store.oidc.issue_tokens(rotate.issue(0, None, "floor", released=True), rotate.now)
        for _ in range(100):  # warm: statements compiled, caches filled
            rotate()
        wall, cpu = _per_call_us(rotate, ROTATIONS // 5)
        with store.statement_log() as log:
            rotate()
        account_sql = _account_sql(url, rotate)
    finally:
        store.dispose()
    bare = _bare_rotations(directory / "floor.db", rotate, account_sql)
    return {
        "datastore_rotation_wall_us": round(wall, 1),
        "datastore_rotation_cpu_us": round(cpu, 1),
        "datastore_statements_per_rotation": len(log.statements),
        "datastore_commits_per_rotation": log.commits,
        **bare,
    }


def _account_sql(url: str, rotations: _Rotations) -> str:
    """The account statement of one rotation, as SQLite runs it (its values written in),
    seen through the driver's trace on a second datastore of the same file: its pool's one
    connection, which the rotation's read and write transactions take in turn."""
    traced: list[str] = []
    store = Datastore.from_url(url)
    try:
        with store.connect_read() as connection:
            connection.connection.driver_connection.set_trace_callback(traced.append)
        traced_rotation = _Rotations(store, rotations.n)
        traced_rotation.session_id = rotations.session_id
        traced_rotation()
        rotations.n += 1
    finally:
        store.dispose()
    return next(sql for sql in traced if sql.startswith("SELECT accounts."))


def _bare_rotations(database: Path, rotations: _Rotations, account_sql: str) -> dict[str, Any]:
    """The rotation's indispensable statements on the bare driver: facts, claim, tokens, log."""
    out: dict[str, Any] = {}
    for per_commit in (1, 8):
        copy = database.with_name(f"bare-{per_commit}.db")
        shutil.copy(database, copy)
        db = sqlite3.connect(copy, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            db.execute(f"PRAGMA {pragma}")
        rotation = _BareRotation(db, per_commit, rotations, account_sql)
        wall, cpu = _per_call_us(rotation, ROTATIONS // 5 // 8 * 8)
        db.close()
        out[f"bare_rotation_{per_commit}_per_commit_wall_us"] = round(wall, 1)
        out[f"bare_rotation_{per_commit}_per_commit_cpu_us"] = round(cpu, 1)
    return out


class _BareRotation:
    """One rotation per call on the bare driver; ``per_commit`` rotations share a commit."""

    CLAIM = (
        "UPDATE tokens SET rotated_at = ? WHERE token_hash = ? AND kind = 'refresh'"
        " AND client_id = ? AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ?"
        " RETURNING id, account_id, session_id, code_id, family_id, scope, auth_time"
    )
    TOKEN = (
        "INSERT INTO tokens (token_hash, kind, client_id, account_id, session_id, code_id,"
        " family_id, scope, auth_time, issued_at, expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
    )
    EVENT = (
        "INSERT INTO events (at, type, outcome, client_id, account_uuid, error, reason, detail)"
        " VALUES (?, 'token', 'success', ?, NULL, NULL, NULL, 'null')"
    )

    def __init__(
        self, db: sqlite3.Connection, per_commit: int, rotations: _Rotations, account_sql: str
    ) -> None:
        self.db, self.per_commit, self.account_sql = db, per_commit, account_sql
        self.previous = sha256_hex(f"r{rotations.n}")  # the last token the datastore issued
        self.client_id = rotations.client.client_id
        self.account = rotations.account
        self.session_id = rotations.session_id
        self.now = rotations.now.strftime(_SQLITE_TIME)
        self.later = rotations.later.strftime(_SQLITE_TIME)
        self.i = 0

    def __call__(self) -> None:
        db, i, per_commit, now = self.db, self.i, self.per_commit, self.now
        self.i += 1
        if i % per_commit == 0:
            db.execute("BEGIN IMMEDIATE")
        db.execute(self.account_sql).fetchall()
        claimed = db.execute(self.CLAIM, (now, self.previous, self.client_id, now)).fetchall()
        assert claimed, "the claim took no row"
        _id, account_id, session_id, code_id, family, scope, auth_time = claimed[0]
        access = sha256_hex(f"bare-a-{per_commit}-{i}")
        self.previous = sha256_hex(f"bare-r-{per_commit}-{i}")
        common = (self.client_id, account_id, session_id, code_id, family, scope, auth_time)
        rows = [
            (token, kind, *common, now, self.later)
            for token, kind in ((access, "access"), (self.previous, "refresh"))
        ]
        db.executemany(self.TOKEN, rows)
        db.execute(self.EVENT, (now, self.client_id))
        if i % per_commit == per_commit - 1:
            db.execute("COMMIT")


def floor() -> dict[str, Any]:
    """The measurements described in the module docstring, printed and returned."""
    directory = Path(tempfile.mkdtemp(prefix="leerid-floor-"))
    try:
        result = {**_signatures(), **_rotations(directory)}
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    for name, value in result.items():
        print(f"  {name}: {value}", flush=True)
    return result
