"""argon2id runs on a few threads of its own, whoever asks (bounded memory, no page faults)."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

from datastore import Argon2Parameters, PasswordHashing

CHEAP = Argon2Parameters(memory_cost=64, time_cost=1, parallelism=1)


def test_many_callers_share_a_few_hashing_threads() -> None:
    hashing = PasswordHashing(CHEAP)
    seen: set[str] = set()
    original = hashing._verify

    def spy(password_hash: str | None, password: str) -> bool:
        seen.add(threading.current_thread().name)
        return original(password_hash, password)

    hashing._verify = spy  # type: ignore[method-assign]
    stored = hashing.hash("geheim")
    with ThreadPoolExecutor(max_workers=16) as callers:
        results = list(
            callers.map(lambda i: hashing.verify(stored, "geheim" if i % 2 else "x"), range(64))
        )
    assert results == [bool(i % 2) for i in range(64)]
    assert seen
    assert all(name.startswith("argon2") for name in seen)
    assert len(seen) <= min(4, os.cpu_count() or 1)


def test_an_unknown_user_costs_a_verification_and_never_matches() -> None:
    hashing = PasswordHashing(CHEAP)
    assert hashing.verify(None, "not a password of anyone") is False
    assert hashing.needs_rehash(hashing.hash("x")) is False


def test_one_hashing_object_and_one_thread_pool_per_process() -> None:
    assert PasswordHashing.shared(CHEAP) is PasswordHashing.shared(CHEAP)
    other = PasswordHashing(Argon2Parameters(memory_cost=128, time_cost=1, parallelism=1))
    seen: set[str] = set()

    def record(hashing: PasswordHashing) -> None:
        original = hashing._verify

        def spy(password_hash: str | None, password: str) -> bool:
            seen.add(threading.current_thread().name)
            return original(password_hash, password)

        hashing._verify = spy  # type: ignore[method-assign]

    first = PasswordHashing.shared(CHEAP)
    record(first)
    record(other)
    with ThreadPoolExecutor(max_workers=8) as callers:
        list(callers.map(lambda i: (first if i % 2 else other).verify(None, "x"), range(32)))
    # Two objects with different parameters still share the process's few hashing threads.
    assert len(seen) <= min(4, os.cpu_count() or 1)
