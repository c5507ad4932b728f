"""Where the server's time goes: py-spy samples of a leerid-sim worker under one scenario.

    python -m bench --profile sso [--db postgres] [-t 8]

Starts one configuration (1 worker, so the sampled process is the one that serves), warms it
up, records py-spy's raw (collapsed) stacks while the generator runs the scenario at c=8, and
prints the functions with the most samples, self and inclusive. Idle frames (the event loop
waiting in ``select``, pool threads waiting for work) are left out of the percentages.
"""

from __future__ import annotations

import collections
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

from bench import procs
from bench.loadgen import run_scenario
from bench.run import Plan, load_once, run_coro
from bench.servers import leerid_server

__all__ = ["profile", "summarise"]

_IDLE = re.compile(
    r"(select \(selectors\.py|Condition\.wait|_worker \(concurrent|Queue\.get|"
    r"Runner\.run \(asyncio/runners\.py|"
    # argon2's memory reaper sleeps in ``time.sleep``, which leaves no frame of its own
    r"_Memory\._reap \(datastore/argon2_memory\.py)"
)


def _py_spy() -> str | None:
    local = Path(sys.executable).parent / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def summarise(raw: Path, top: int = 25) -> dict[str, list[tuple[float, str]]]:
    """Self and inclusive shares (of non-idle samples) per function of a collapsed-stack file."""
    packages: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    inclusive: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        if not frames or _IDLE.search(frames[-1]):
            continue
        n = int(count)
        total += n
        own[frames[-1]] += n
        packages[_package(frames[-1])] += n
        for frame in set(frames):
            inclusive[frame] += n

    def share(counter: collections.Counter[str]) -> list[tuple[float, str]]:
        return [(round(100 * v / max(total, 1), 1), k) for k, v in counter.most_common(top)]

    return {
        "by package": share(packages),
        "self": share(own),
        "inclusive": share(inclusive),
        "samples": [(total, "busy")],
    }


_PACKAGES = (
    "sqlalchemy",
    "argon2",
    "joserfc",
    "cryptography",
    "fastapi",
    "starlette",
    "uvicorn",
    "anyio",
    "pydantic",
    "jinja2",
    "authlib",
    "itsdangerous",
    "idp/",
    "datastore/",
    "schoolloket/",
    "asyncio",
    "threading",
    "logging",
)


def _package(frame: str) -> str:
    """The library a frame's file belongs to (self time by package)."""
    match = re.search(r"\(([^()]*?)(:\d+)?\)$", frame)
    path = match.group(1) if match else frame
    return next((p.rstrip("/") for p in _PACKAGES if p in path), "other")


def _worker_pid(root: int) -> int:
    """The process that serves: with one uvicorn worker, the deepest process of the tree."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        snap = procs.snapshot()
        tree = procs.tree(root, snap)
        leaves = [p for p in tree if not any(snap[c].ppid == p for c in tree)]
        if leaves:
            return max(leaves)
        time.sleep(0.1)
    return root


def profile(scenario: str, db: str, plan: Plan, out_dir: Path, log: IO[bytes]) -> dict[str, Any]:
    spy = _py_spy()
    if spy is None:
        raise SystemExit("py-spy not found: pip install py-spy (the `bench` extra)")
    server = leerid_server(db, 1, log)
    raw = out_dir / f"profile-{scenario}-{db}.txt"
    try:
        t0 = time.perf_counter()
        proc = procs.start(server.cmd, cwd=server.cwd, env=server.env, log=log)
        try:
            procs.wait_ready(proc, server.port, server.discovery_path, t0)
            run_coro(run_scenario(server.target(server.base_url), "flow", 4, plan.warmup_s, None))
            pid = _worker_pid(proc.pid)
            seconds = plan.duration_s + 3  # covers the untimed logins of sso/refresh too
            spy_proc = subprocess.Popen(
                [
                    spy,
                    "record",
                    "-p",
                    str(pid),
                    "-d",
                    str(int(seconds)),
                    "-r",
                    "250",
                    "-f",
                    "raw",
                    "-o",
                    str(raw),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            result = load_once(server, scenario, plan.main_level, plan.duration_s, proc.pid)
            spy_proc.wait(timeout=seconds + 30)
        finally:
            procs.stop(proc)
    finally:
        server.cleanup()
    summary = summarise(raw)
    print(f"== profile of {scenario} on {db} ({raw}): share of busy samples", flush=True)
    for kind in ("by package", "self", "inclusive"):
        print(f"-- {kind}", flush=True)
        for pct, name in summary[kind]:
            print(f"{pct:5.1f}% {name}", flush=True)
    return {"scenario": scenario, "db": db, "result": result, "profile": summary}
