"""``python -m bench --floor``: what a refresh grant costs at the least, measured piece by piece.

A refresh grant (RFC 6749 §6) of this provider must, whatever the code around it:

- sign one ID token with RS256 (ACM signs its ID tokens with RS256);
- store the rotation durably, where every worker sees it: the old refresh token claimed (it is
  single use, OAuth 2.0 Security BCP §4.14.2), the new access and refresh tokens, and the
  privacy-log entry of the release, in one transaction;
- answer one HTTP request.

This measures the first two in this process, one after the other, on a demo world in a fresh
SQLite file (the default database): RS256 through joserfc as the provider signs (``idp/tokens.py``)
and through ``cryptography`` alone; the rotation once through the datastore
(``store.oidc.rotate_refresh`` with a mint that signs nothing, every statement timed) and once as
the bare statements a rotation cannot do without, sent through Python's ``sqlite3`` driver with
nothing around them (no look before the transaction, no second read of the facts, no protocol
event), one commit per rotation and, for comparison, eight rotations per commit. The HTTP floor
is the server CPU of one discovery request (prepared bytes through the whole HTTP stack), which
``python -m bench`` measures; the peer's CPU per refresh is there too.
"""

from __future__ import annotations

import datetime as dt
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from joserfc import jwt
from joserfc.jwk import RSAKey

import datastore.db.database as database
import datastore.db.prepared as prepared
from datastore import Argon2Parameters, Datastore, PasswordHashing, sha256_hex, upgrade
from datastore.protocol.logs import PrivacyRelease
from datastore.protocol.oidc import ProtocolEvent, TokenIssue
from datastore.worlds.load import load_demo

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


class _Timed:
    """Every statement the datastore sends, with its arguments and time (``Prepared._run``)."""

    def __init__(self) -> None:
        self.seconds: Counter[str] = Counter()
        self.sent: list[tuple[str, Any, bool]] = []
        self._run = prepared.Prepared._run
        self._driver_call = database.sqlite_driver_call

    def __enter__(self) -> _Timed:
        run = self._run
        timed = self

        def _run(self: Any, connection: Any, params: Any, *, many: bool) -> Any:
            compiled = self._for(connection.dialect)
            args = [compiled.args(p) for p in params] if many else compiled.args(params[0])
            t = time.perf_counter()
            rows = run(self, connection, params, many=many)
            timed.seconds[_label(compiled.sql)] += time.perf_counter() - t
            timed.sent.append((compiled.sql, args, many))
            return rows

        def driver_call(driver: Any, sql: str) -> None:  # BEGIN IMMEDIATE, COMMIT
            t = time.perf_counter()
            self._driver_call(driver, sql)
            timed.seconds[sql] += time.perf_counter() - t

        prepared.Prepared._run = _run  # type: ignore[method-assign]
        database.sqlite_driver_call = driver_call
        return self

    def __exit__(self, *_: object) -> None:
        prepared.Prepared._run = self._run  # type: ignore[method-assign]
        database.sqlite_driver_call = self._driver_call


def _label(sql: str) -> str:
    """``SELECT tokens`` (the look), ``SELECT accounts`` (the facts), ``INSERT INTO tokens``..."""
    words = sql.split()
    if words[0] == "SELECT":
        return f"SELECT {words[1].split('.')[0]}"
    if words[0] == "INSERT":
        return f"INSERT INTO {words[2]}"
    return " ".join(words[:2])


def _rotations(directory: Path) -> dict[str, Any]:
    url = f"sqlite:///{directory / 'floor.db'}"
    upgrade(url)
    store = Datastore.from_url(url)
    try:
        load_demo(store, hashing=PasswordHashing(Argon2Parameters(8, 1, 1)))
        client = store.world.client("i-learn")
        account = store.world.account_by_username("jan.peeters")
        assert client is not None
        assert account is not None
        now = store.clock.now()
        later = now + dt.timedelta(hours=1)
        session = store.oidc.create_session(
            id_hash=sha256_hex("floor"),
            sid="floor",
            account_id=account.id,
            now=now,
            expires_at=later,
        )
        release = PrivacyRelease(
            client_id=client.client_id,
            organisation="Floor",
            protocol_reference="FLOOR-1",
            account_uuid=account.account_uuid,
            attributes=("naam", "voornaam"),
            legal_basis="AVG art. 6.1.c",
            purpose="floor",
            channel="id_token",
            retention_days=30,
        )

        def issue(n: int, code_id: int | None, family: str) -> TokenIssue:
            return TokenIssue(
                client_id=client.client_id,
                account_id=account.id,
                session_id=session.id,
                code_id=code_id,
                family_id=family,
                scope="openid offline_access",
                auth_time=now,
                access_hash=sha256_hex(f"a{n}"),
                access_expires_at=later,
                refresh_hash=sha256_hex(f"r{n}"),
                refresh_expires_at=later,
                releases=(release,),
                event=ProtocolEvent("token", "success", client_id=client.client_id),
            )

        store.oidc.issue_tokens(issue(0, None, "floor"), now)
        step = iter(range(1, 10**9))

        def rotate() -> None:
            n = next(step)
            store.oidc.rotate_refresh(
                sha256_hex(f"r{n - 1}"),
                client.client_id,
                client.application_id,
                now,
                lambda token, _facts: (issue(n, token.code_id, token.family_id), None),
            )

        for _ in range(100):  # warm: statements compiled, caches filled
            rotate()
        wall, cpu = _per_call_us(rotate, ROTATIONS // 5)
        with _Timed() as timed:
            for _ in range(ROTATIONS // 5):
                rotate()
        per_statement = {k: round(v / (ROTATIONS // 5) * 1e6, 1) for k, v in timed.seconds.items()}
        last = timed.sent[-7:]  # one rotation: look, facts, facts again, claim, 3 inserts
        successor = sha256_hex(f"r{next(step) - 1}")
    finally:
        store.dispose()
    return {
        "datastore_rotation_wall_us": round(wall, 1),
        "datastore_rotation_cpu_us": round(cpu, 1),
        "datastore_statement_wall_us": per_statement,
        **_bare_rotations(directory / "floor.db", last, successor),
    }


def _bare_rotations(
    database: Path, sent: list[tuple[str, Any, bool]], first: str
) -> dict[str, Any]:
    """The rotation's indispensable statements on the bare driver: facts, claim, tokens, log."""
    facts = next(s for s in sent if s[0].startswith("SELECT accounts."))
    claim = next(s for s in sent if s[0].startswith("UPDATE tokens"))
    tokens = next(s for s in sent if s[0].startswith("INSERT INTO tokens"))
    privacy = next(s for s in sent if s[0].startswith("INSERT INTO privacy_log"))
    out: dict[str, Any] = {}
    for per_commit in (1, 8):
        copy = database.with_name(f"bare-{per_commit}.db")
        shutil.copy(database, copy)
        db = sqlite3.connect(copy, isolation_level=None)
        for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL"):
            db.execute(f"PRAGMA {pragma}")
        rotation = _BareRotation(db, per_commit, first, facts, claim, tokens, privacy)
        wall, cpu = _per_call_us(rotation, ROTATIONS // 5 // 8 * 8)
        db.close()
        out[f"bare_rotation_{per_commit}_per_commit_wall_us"] = round(wall, 1)
        out[f"bare_rotation_{per_commit}_per_commit_cpu_us"] = round(cpu, 1)
    return out


class _BareRotation:
    """One rotation per call on the bare driver; ``per_commit`` rotations share a commit."""

    def __init__(self, db: sqlite3.Connection, per_commit: int, first: str, *sent: Any) -> None:
        self.db, self.per_commit, self.previous = db, per_commit, first
        self.facts, self.claim, self.tokens, self.privacy = sent
        self.i = 0

    def __call__(self) -> None:
        db, i, per_commit = self.db, self.i, self.per_commit
        self.i += 1
        if i % per_commit == 0:
            db.execute("BEGIN IMMEDIATE")
        db.execute(self.facts[0], self.facts[1]).fetchall()
        args = list(self.claim[1])
        args[1] = self.previous  # b_token_hash: the token the last rotation issued
        assert db.execute(self.claim[0], args).fetchall(), "the claim took no row"
        rows = [list(row) for row in self.tokens[1]]
        rows[0][0] = sha256_hex(f"bare-a-{per_commit}-{i}")
        rows[1][0] = self.previous = sha256_hex(f"bare-r-{per_commit}-{i}")
        db.executemany(self.tokens[0], rows)
        db.execute(self.privacy[0], self.privacy[1])
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
