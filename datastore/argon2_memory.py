"""argon2id verification whose working memory is kept while logins come, and given back after.

argon2id needs ``m`` KiB of working memory per call (19 MiB at the OWASP minimum). Through
argon2-cffi that memory comes from ``malloc``: glibc serves a block that large from the calling
thread's arena and, once freed, keeps it there for the next call, for good (a thread arena's top
is never given back, not even by ``malloc_trim``). So every hashing thread holds 19 MiB for the
life of the process, which took a PostgreSQL worker past 150 MiB resident after a burst of logins
(docs/performance.md, "Memory"). Returning the memory after every call instead (an ``mmap`` per
call) makes each login fault it in again: about 4,900 page faults and 15 to 20 ms of kernel time.

Here argon2's own allocation hooks (``allocate_cbk`` and ``free_cbk`` of ``argon2_context``,
argon2.h of the reference implementation) give each hashing thread one anonymous mapping of its
own, reused from call to call, so logins under load fault nothing in; a reaper thread gives the
pages back to the kernel (``madvise(MADV_DONTNEED)``, madvise(2)) once no call has used a mapping
for ``IDLE_S``. The mapping stays reserved (address space, not memory) and faults back in on the
next call after a quiet spell. The computation is the reference implementation's, as with
argon2-cffi: only where its memory comes from differs. The result is compared with the stored
hash in constant time (``hmac.compare_digest``).

Only ``$argon2id$v=19$`` PHC strings are verified here; ``verify`` answers ``None`` for anything
else and the caller verifies it with argon2-cffi.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import mmap
import os
import re
import threading
import time
from typing import Any

from argon2.exceptions import InvalidHashError
from argon2.low_level import ffi, lib  # type: ignore[attr-defined]  # lib: the C library

__all__ = ["IDLE_S", "verify"]

# A mapping no call used for this long is given back to the kernel.
IDLE_S = 1.0
_VERSION = 0x13  # argon2 version 1.3, "v=19" in PHC strings
# The costs as the reference implementation writes them: decimal, no sign, no leading zero.
_COSTS = re.compile(r"m=([1-9][0-9]{0,9}),t=([1-9][0-9]{0,9}),p=([1-9][0-9]{0,9})")
_UINT32_MAX = 2**32 - 1


class _Slot:
    """One hashing thread's working memory."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.map: mmap.mmap | None = None
        self.pointer: Any = None  # the cffi view of ``map``, released before ``map`` is closed
        self.busy = False
        self.resident = False
        self.last_used = 0.0

    def memory(self, size: int) -> Any:
        with self.lock:
            if self.map is None or len(self.map) < size:
                self._unmap()
                self.map = mmap.mmap(-1, size, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
                self.pointer = ffi.from_buffer(self.map)
            self.busy = True
            self.resident = True
            return ffi.cast("uint8_t *", self.pointer)

    def done(self) -> None:
        with self.lock:
            self.busy = False
            self.last_used = time.monotonic()

    def give_back_if_idle(self, now: float) -> None:
        with self.lock:
            idle = not self.busy and now - self.last_used >= IDLE_S
            if self.map is not None and self.resident and idle:
                self.map.madvise(mmap.MADV_DONTNEED)  # reads as zeroes from now on
                self.resident = False

    def _unmap(self) -> None:
        if self.pointer is not None:
            ffi.release(self.pointer)
            self.pointer = None
        if self.map is not None:
            self.map.close()
            self.map = None


class _Memory:
    """Every hashing thread's slot, and the reaper that gives idle ones back."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._slots: list[_Slot] = []
        self._lock = threading.Lock()
        self._reaper_pid = 0

    def slot(self) -> _Slot:
        slot: _Slot | None = getattr(self._local, "slot", None)
        if slot is None:
            slot = self._local.slot = _Slot()
            with self._lock:
                self._slots.append(slot)
        if self._reaper_pid != os.getpid():  # none yet, or the parent's (threads die in a fork)
            self._start_reaper()
        return slot

    def slots(self) -> list[_Slot]:
        with self._lock:
            return list(self._slots)

    def _start_reaper(self) -> None:
        with self._lock:
            if self._reaper_pid == os.getpid():
                return
            self._reaper_pid = os.getpid()
        threading.Thread(target=self._reap, name="argon2-memory", daemon=True).start()

    def _reap(self) -> None:
        while True:
            time.sleep(IDLE_S / 2)
            now = time.monotonic()
            for slot in self.slots():
                slot.give_back_if_idle(now)


_MEMORY = _Memory()


def _allocate_memory(memory: Any, size: int) -> int:
    memory[0] = _MEMORY.slot().memory(size)
    return int(lib.ARGON2_OK)


def _free_memory(_memory: Any, _size: int) -> None:
    """The memory stays the slot's; ``verify`` marks the slot idle once argon2 returns (it must
    be given a free hook: without one argon2 would ``free()`` the mapping)."""


# argon2.h: allocate_fptr and deallocate_fptr. An exception in the first fails the call.
_allocate: Any = ffi.callback(
    "int(uint8_t **, size_t)", _allocate_memory, error=lib.ARGON2_MEMORY_ALLOCATION_ERROR
)
_free: Any = ffi.callback("void(uint8_t *, size_t)", _free_memory)


def _b64(text: str) -> bytes:
    """PHC strings spell salt and hash in standard base64 without padding."""
    return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)


def verify(encoded: str, password: bytes) -> bool | None:
    """Whether ``password`` matches the argon2id PHC string ``encoded``; ``None`` when
    ``encoded`` is not an ``$argon2id$v=19$`` string (the caller asks argon2-cffi). Raises
    ``InvalidHashError`` for an argon2id string that does not parse."""
    parts = encoded.split("$")
    if len(parts) != 6 or parts[1] != "argon2id" or parts[2] != "v=19":
        return None
    costs = _COSTS.fullmatch(parts[3])
    if costs is None or any(int(c) > _UINT32_MAX for c in costs.groups()):
        raise InvalidHashError(f"not m=M,t=T,p=P: {parts[3][:40]!r}")
    memory_cost, time_cost, parallelism = (int(c) for c in costs.groups())
    try:
        salt, expected = _b64(parts[4]), _b64(parts[5])
    except (binascii.Error, ValueError) as exc:
        raise InvalidHashError(str(exc)) from None
    out = ffi.new("uint8_t[]", len(expected))
    secret = ffi.from_buffer(password)
    salt_buffer = ffi.from_buffer(salt)
    context = ffi.new(
        "argon2_context *",
        {
            "out": out,
            "outlen": len(expected),
            "pwd": ffi.cast("uint8_t *", secret),
            "pwdlen": len(password),
            "salt": ffi.cast("uint8_t *", salt_buffer),
            "saltlen": len(salt),
            "secret": ffi.NULL,
            "secretlen": 0,
            "ad": ffi.NULL,
            "adlen": 0,
            "t_cost": time_cost,
            "m_cost": memory_cost,
            "lanes": parallelism,
            "threads": parallelism,
            "version": _VERSION,
            "allocate_cbk": _allocate,
            "free_cbk": _free,
            "flags": lib.ARGON2_DEFAULT_FLAGS,
        },
    )
    try:
        status = lib.argon2_ctx(context, lib.Argon2_id)
    finally:
        _MEMORY.slot().done()  # idle from now on, whether argon2 finished or failed
    if status != lib.ARGON2_OK:
        return False  # parameters the reference implementation refuses: no password matches
    return hmac.compare_digest(bytes(ffi.buffer(out, len(expected))), expected)
