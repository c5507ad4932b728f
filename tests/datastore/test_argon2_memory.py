"""argon2id verification with working memory kept under load and given back when idle."""

from __future__ import annotations

import os
import resource
import sys
import time

import argon2
import pytest

from datastore import Argon2Parameters, PasswordHashing, argon2_memory

PASSWORDS = ["Leerling123!", "", "ünïcödé wachtwoord 🔑", "x" * 300]


@pytest.mark.parametrize(
    "parameters",
    [Argon2Parameters(8, 1, 1), Argon2Parameters(1024, 3, 1), Argon2Parameters(256, 1, 4)],
    ids=str,
)
def test_it_agrees_with_argon2_cffi(parameters: Argon2Parameters) -> None:
    reference = argon2.PasswordHasher(
        time_cost=parameters.time_cost,
        memory_cost=parameters.memory_cost,
        parallelism=parameters.parallelism,
    )
    hashing = PasswordHashing(parameters)
    for password in PASSWORDS:
        encoded = reference.hash(password)
        assert argon2_memory.verify(encoded, password.encode()) is True
        assert argon2_memory.verify(encoded, (password + "!").encode()) is False
        assert hashing.verify(encoded, password) is True
        assert hashing.verify(encoded, password[:-1] + "?") is False
        # and the other way round: its hashes verify with the reference implementation
        assert reference.verify(hashing.hash(password), password)


def test_a_damaged_hash_matches_nothing() -> None:
    hashing = PasswordHashing(Argon2Parameters(8, 1, 1))
    encoded = argon2.PasswordHasher(memory_cost=8, time_cost=1, parallelism=1).hash("geheim")
    head, salt, digest = encoded.rsplit("$", 2)
    flipped = ("B" if digest[0] == "A" else "A") + digest[1:]
    for damaged in (
        f"{head}${salt}${flipped}",  # another hash
        f"{head}${salt}${digest[:-4]}",  # a shorter one
        f"{head}${salt}${digest[:-1]}*",  # not base64
        f"{head}$${digest}",  # no salt
        encoded.replace("m=8,", "m=x,"),
        encoded.replace("m=8,", "m=-1,"),  # costs that do not fit argon2's 32 bits
        encoded.replace("t=1,", "t=4294967296,"),
        encoded.replace("p=1$", "p=99999999999$"),
        encoded.replace("m=8,", "m=+8,"),  # spelled as the reference implementation never does
        encoded.replace("m=8,", "m=08,"),
        encoded.replace("t=1,", "t=0,"),
        encoded.replace("argon2id", "argon2xx"),
    ):
        assert hashing.verify(damaged, "geheim") is False, damaged
    assert hashing.verify(None, "geheim") is False


@pytest.mark.parametrize("variant", [argon2.Type.I, argon2.Type.D])
def test_other_variants_are_verified_by_argon2_cffi(variant: argon2.Type) -> None:
    encoded = argon2.PasswordHasher(memory_cost=16, time_cost=1, parallelism=1, type=variant).hash(
        "geheim"
    )
    assert argon2_memory.verify(encoded, b"geheim") is None
    hashing = PasswordHashing(Argon2Parameters(16, 1, 1))
    assert hashing.verify(encoded, "geheim") is True
    assert hashing.verify(encoded, "Geheim") is False


def _resident_kib(address: int, length: int) -> int:
    """How much of ``length`` bytes at ``address`` is in memory (/proc/self/pagemap, bit 63 of
    each page's entry: present). Per page, not per mapping: the kernel merges neighbouring
    anonymous mappings, whose resident pages /proc/self/smaps would count too."""
    page = os.sysconf("SC_PAGE_SIZE")
    first, pages = address // page, (length + page - 1) // page
    with open("/proc/self/pagemap", "rb") as pagemap:
        pagemap.seek(first * 8)
        entries = pagemap.read(pages * 8)
    present = sum(
        1 for i in range(pages) if int.from_bytes(entries[i * 8 : i * 8 + 8], "little") >> 63
    )
    return present * page // 1024


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads Linux's /proc")
def test_the_memory_is_reused_under_load_and_given_back_when_idle(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(argon2_memory, "IDLE_S", 0.2)
    reference = argon2.PasswordHasher(memory_cost=19_456, time_cost=2, parallelism=1)
    encoded = reference.hash("Leerling123!")
    assert argon2_memory.verify(encoded, b"Leerling123!") is True
    slot = argon2_memory._MEMORY.slot()
    address = int(argon2_memory.ffi.cast("uintptr_t", slot.pointer))
    assert slot.map is not None
    length = len(slot.map)
    before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
    assert argon2_memory.verify(encoded, b"Leerling123!") is True
    # The second login faults almost nothing in (a fresh 19 MiB block: about 4,900 faults).
    assert resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before < 200
    assert int(argon2_memory.ffi.cast("uintptr_t", slot.pointer)) == address
    assert _resident_kib(address, length) >= 19_000
    deadline = time.monotonic() + 10
    while _resident_kib(address, length) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _resident_kib(address, length) == 0  # given back to the kernel
    assert argon2_memory.verify(encoded, b"Leerling123!") is True  # and usable again
    assert argon2_memory.verify(encoded, b"leerling123!") is False
