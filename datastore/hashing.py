"""Hashes of secrets at rest.

- People's passwords: argon2id (RFC 9106), parameters configurable and stored in each hash;
  a hash made with weaker parameters is re-hashed on the next successful login.
- Client secrets, codes, tokens and session ids are random and long already: SHA-256 is enough
  and keeps the token endpoint fast, where a slow hash would cap it at a few dozen requests a
  second. They are compared in constant time.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from datastore import argon2_memory

_T = TypeVar("_T")

__all__ = [
    "OWASP_MINIMUM",
    "Argon2Parameters",
    "PasswordHashing",
    "sha256_hex",
    "verify_sha256",
]


@dataclass(frozen=True, slots=True)
class Argon2Parameters:
    """argon2id cost parameters: memory in KiB, iterations, parallelism."""

    memory_cost: int = 19_456
    time_cost: int = 2
    parallelism: int = 1


# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
OWASP_MINIMUM = Argon2Parameters()


class PasswordHashing:
    """argon2id hashing with a dummy verification for unknown users (constant timing).

    Every hash and verification runs on one of the process's few hashing threads (one per core, at
    most four), whoever calls and whichever object it calls; ``shared`` gives each process one
    object per set of parameters. argon2id needs its memory (19 MiB at the OWASP minimum) on every
    call: a verification takes it from its thread's own mapping, kept from call to call while
    logins come (no page faults) and given back to the kernel a second after they stop
    (``argon2_memory``); a new hash (rare: a password set, a rehash) takes it from ``malloc``,
    where glibc keeps it in the thread's arena. argon2 releases the GIL, so the threads use
    every core.
    """

    def __init__(self, parameters: Argon2Parameters = OWASP_MINIMUM) -> None:
        self.parameters = parameters
        self._hasher = PasswordHasher(
            time_cost=parameters.time_cost,
            memory_cost=parameters.memory_cost,
            parallelism=parameters.parallelism,
        )
        self._dummy_hash = _dummy_hash(parameters)

    @classmethod
    def shared(cls, parameters: Argon2Parameters = OWASP_MINIMUM) -> PasswordHashing:
        """The process's one hashing object for these parameters.

        The provider, the admin API, the Schoolloket and the command line of one process all
        ask here, so they share one dummy hash and, above all, the one pool of hashing threads.
        """
        with _SHARED_LOCK:
            hashing = _SHARED.get(parameters)
            if hashing is None:
                hashing = _SHARED[parameters] = cls(parameters)
            return hashing

    @staticmethod
    def _run(work: Callable[[], _T]) -> _T:
        return _THREADS.run(work)

    def hash(self, password: str) -> str:
        """A fresh argon2id hash (PHC string, parameters and salt included)."""
        return self._run(lambda: self._hasher.hash(password))

    def verify(self, password_hash: str | None, password: str) -> bool:
        """True when ``password`` matches; an unknown user (``None``) costs the same time."""
        return self._run(lambda: self._verify(password_hash, password))

    def _verify(self, password_hash: str | None, password: str) -> bool:
        encoded = password_hash or self._dummy_hash
        try:
            # argon2id with memory that is given back once logins stop (argon2_memory.py);
            # anything else (another variant, an older version) through argon2-cffi.
            matched = argon2_memory.verify(encoded, password.encode("utf-8"))
            if matched is None:
                matched = self._hasher.verify(encoded, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        """True when the hash was made with other parameters than the configured ones."""
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True


class _HashingThreads:
    """The process's few argon2 threads (one per core, at most four), whatever object asks.

    Made on first use, and again in a forked child (threads do not survive a fork).
    """

    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._pid = 0
        self._lock = threading.Lock()

    def run(self, work: Callable[[], _T]) -> _T:
        pool = self._pool
        if pool is None or self._pid != os.getpid():
            with self._lock:
                if self._pool is None or self._pid != os.getpid():
                    self._pool = ThreadPoolExecutor(
                        max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="argon2"
                    )
                    self._pid = os.getpid()
                pool = self._pool
        return pool.submit(work).result()


_THREADS = _HashingThreads()
_SHARED: dict[Argon2Parameters, PasswordHashing] = {}
_SHARED_LOCK = threading.Lock()


def _dummy_hash(parameters: Argon2Parameters) -> str:
    """A well-formed argon2id PHC string that no password matches, made without hashing.

    Random salt and random hash bytes: verifying a password against it costs one full argon2id
    computation with the configured parameters, like a real hash, and computing a real one at
    start would cost the same again on every worker's start.
    """
    salt, digest = (base64.b64encode(os.urandom(n)).decode().rstrip("=") for n in (16, 32))
    return (
        f"$argon2id$v=19$m={parameters.memory_cost},t={parameters.time_cost},"
        f"p={parameters.parallelism}${salt}${digest}"
    )


def sha256_hex(value: str) -> str:
    """SHA-256 of a random secret (client secret, code, token, session id), as hex."""
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def verify_sha256(value: str, expected_hex: str | None) -> bool:
    """Compare a secret with its stored SHA-256 in constant time."""
    if expected_hex is None:
        return False
    return hmac.compare_digest(sha256_hex(value), expected_hex)
