"""Signing keys: made once in the datastore, cached per process, rotated by ``keys rotate``.

No key is loaded or parsed per request, which would cost every token: a process keeps the parsed
joserfc keys and the JWKS bytes, and reloads them only when the generation counter changes (a
rotation bumps it) or when a retired key passes its ``expires_at``.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from dataclasses import dataclass
from typing import Any

from joserfc.jwk import ECKey, KeySet, RSAKey

from datastore import SIGNING_ALGS, Datastore

__all__ = ["KeyRing", "SigningKey", "make_signing_key"]

# RS256 is every client's default; ES256 for clients registered for it (OIDC Registration §2).

SigningKey = RSAKey | ECKey


def make_signing_key(alg: str) -> tuple[str, str]:
    """A fresh private key for ``alg`` as (kid, JWK JSON): RSA-2048 or EC P-256 (RFC 7518 §3)."""
    key: SigningKey
    if alg == "RS256":
        key = RSAKey.generate_key(2048, auto_kid=True)
    elif alg == "ES256":
        key = ECKey.generate_key("P-256", auto_kid=True)
    else:
        raise ValueError(f"unsupported signing algorithm {alg!r}")
    jwk = key.as_dict(private=True)
    jwk.update({"alg": alg, "use": "sig"})
    return str(key.kid), json.dumps(jwk)


@dataclass(frozen=True, slots=True)
class _Snapshot:
    generation: int
    signing: dict[str, SigningKey]
    verification: KeySet
    jwks: bytes
    valid_until: dt.datetime | None


class KeyRing:
    """The provider's keys as parsed objects, shared by every request of a process."""

    def __init__(self, store: Datastore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def ensure(self) -> None:
        """Make the keys that are missing (first start; race-safe across workers)."""
        self._store.oidc.ensure_signing_keys(
            SIGNING_ALGS, make_signing_key, self._store.clock.now()
        )

    def rotate(self, keep_for_seconds: int) -> tuple[str, ...]:
        """Retire the active keys (kept in the JWKS ``keep_for_seconds``) and make new ones."""
        now = self._store.clock.now()
        kids = self._store.oidc.rotate_signing_keys(
            SIGNING_ALGS, make_signing_key, now, now + dt.timedelta(seconds=keep_for_seconds)
        )
        self._snapshot = None
        return kids

    def signing_key(self, alg: str) -> SigningKey:
        """The active key for ``alg`` (with its ``kid``)."""
        return self._current().signing[alg]

    def verification_keys(self) -> KeySet:
        """Every key still valid, for verifying our own tokens (``id_token_hint``)."""
        return self._current().verification

    def jwks_bytes(self) -> bytes:
        """The JWKS document (RFC 7517 §5), public parts only, as prepared bytes."""
        return self._current().jwks

    def _current(self) -> _Snapshot:
        generation = self._store.clock.generation()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == generation and self._fresh(snapshot):
            return snapshot
        with self._lock:
            snapshot = self._snapshot
            if snapshot is None or snapshot.generation != generation or not self._fresh(snapshot):
                snapshot = self._load(generation)
                self._snapshot = snapshot
            return snapshot

    def _fresh(self, snapshot: _Snapshot) -> bool:
        return snapshot.valid_until is None or self._store.clock.now() < snapshot.valid_until

    def _load(self, generation: int) -> _Snapshot:
        now = self._store.clock.now()
        records = self._store.oidc.signing_keys(now)
        if not {r.alg for r in records if r.retired_at is None} >= set(SIGNING_ALGS):
            self.ensure()
            generation = self._store.clock.generation()
            records = self._store.oidc.signing_keys(now)
        signing: dict[str, SigningKey] = {}
        keys: list[SigningKey] = []
        for record in records:
            data = json.loads(record.private_jwk)
            key: SigningKey = (
                RSAKey.import_key(data) if data["kty"] == "RSA" else ECKey.import_key(data)
            )
            keys.append(key)
            if record.retired_at is None:
                signing[record.alg] = key  # records are oldest first: the newest wins
        public = [
            {**k.as_dict(private=False), "use": "sig", "alg": _alg(k)} for k in reversed(keys)
        ]
        expiries = [r.expires_at for r in records if r.expires_at is not None]
        return _Snapshot(
            generation=generation,
            signing=signing,
            verification=KeySet(list[Any](keys)),
            jwks=json.dumps({"keys": public}, separators=(",", ":")).encode(),
            valid_until=min(expiries) if expiries else None,
        )


def _alg(key: SigningKey) -> str:
    return "RS256" if isinstance(key, RSAKey) else "ES256"
