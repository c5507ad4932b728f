"""Server processes: start, wait for readiness, CPU and memory of a process tree, stop by PID.

A server may fork workers (``leerid-sim serve --workers 2``): its CPU and RSS are summed over
the started process and all its descendants, found through the ppid links in ``/proc/*/stat``.
Only processes started here (and their own children) are ever signalled, by PID.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from typing import IO

__all__ = [
    "ProcSnapshot",
    "free_port",
    "machine_busy_seconds",
    "rss_kib",
    "snapshot",
    "start",
    "stop",
    "tree",
    "tree_cpu_seconds",
    "wait_ready",
]

_TICK = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True, slots=True)
class ProcInfo:
    start: str
    cpu_s: float  # utime + stime, all threads
    ppid: int
    reaped_children_cpu_s: float  # cutime + cstime


ProcSnapshot = dict[int, ProcInfo]


def snapshot() -> ProcSnapshot:
    """Every process on the machine, from ``/proc/PID/stat``."""
    snap: ProcSnapshot = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            snap[int(entry)] = ProcInfo(
                fields[19],
                (int(fields[11]) + int(fields[12])) / _TICK,
                int(fields[1]),
                (int(fields[13]) + int(fields[14])) / _TICK,
            )
        except (OSError, IndexError, ValueError):
            continue
    return snap


def tree(root: int, snap: ProcSnapshot) -> set[int]:
    """``root`` and all its descendants in a snapshot."""
    children: dict[int, list[int]] = {}
    for pid, info in snap.items():
        children.setdefault(info.ppid, []).append(pid)
    found: set[int] = set()
    todo = [root]
    while todo:
        pid = todo.pop()
        if pid in snap and pid not in found:
            found.add(pid)
            todo.extend(children.get(pid, ()))
    return found


def tree_cpu_seconds(root: int, before: ProcSnapshot, after: ProcSnapshot) -> float | None:
    """CPU seconds used by ``root`` and its descendants between two snapshots (reaped children
    are in their parent's cutime/cstime, so none is lost or counted twice)."""
    first = tree(root, before)
    if not first or root not in after or after[root].start != before[root].start:
        return None
    second = tree(root, after) | {
        p for p in first if p in after and after[p].start == before[p].start
    }

    def total(snap: ProcSnapshot, pids: set[int]) -> float:
        return sum(snap[p].cpu_s + snap[p].reaped_children_cpu_s for p in pids)

    return max(0.0, total(after, second) - total(before, first))


def machine_busy_seconds() -> float:
    """Busy CPU seconds of the whole machine, all cores (``/proc/stat``)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / _TICK


def rss_kib(root: int) -> dict[str, int]:
    """VmRSS, VmHWM (peak) summed over the tree, the largest single VmRSS, and the count."""
    out = {"rss": 0, "peak": 0, "max_process_rss": 0, "processes": 0}
    for pid in tree(root, snapshot()):
        try:
            with open(f"/proc/{pid}/status") as f:
                values = {
                    parts[0].rstrip(":"): int(parts[1])
                    for parts in (line.split() for line in f)
                    if parts and parts[0] in ("VmRSS:", "VmHWM:")
                }
        except OSError:
            continue
        out["rss"] += values.get("VmRSS", 0)
        out["peak"] += values.get("VmHWM", 0)
        out["max_process_rss"] = max(out["max_process_rss"], values.get("VmRSS", 0))
        out["processes"] += 1
    return out


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start(
    cmd: list[str], *, cwd: str, env: dict[str, str], log: IO[bytes]
) -> subprocess.Popen[bytes]:
    """Start a server process; its output goes to ``log``."""
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)


def _answers(port: int, path: str) -> bool:
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=0.5)
        conn.request("GET", path)
        ok = conn.getresponse().status == 200
        conn.close()
        return ok
    except OSError:
        return False


def wait_ready(
    proc: subprocess.Popen[bytes], port: int, path: str, t0: float, limit_s: float = 60.0
) -> float:
    """Seconds from ``t0`` to the first HTTP 200 on ``path`` (polled every 5 ms)."""
    while time.perf_counter() - t0 < limit_s:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited early with status {proc.returncode}")
        if _answers(port, path):
            return time.perf_counter() - t0
        time.sleep(0.005)
    raise RuntimeError(f"server not ready within {limit_s:.0f} s")


def _start_time(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return None if fields[0] == "Z" else fields[19]
    except (OSError, IndexError):
        return None


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to our child (it stops its own workers), SIGKILL after 10 s; then any of its
    descendants seen before that are still alive (same PID and start time)."""
    if proc.poll() is not None:
        return
    snap = snapshot()
    children = {p: snap[p].start for p in tree(proc.pid, snap) if p != proc.pid}
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
    for sig in (signal.SIGTERM, signal.SIGKILL):
        left = [p for p, st in children.items() if _start_time(p) == st]
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)
        deadline = time.perf_counter() + 5
        while time.perf_counter() < deadline and any(
            _start_time(p) == st for p, st in children.items()
        ):
            time.sleep(0.1)
