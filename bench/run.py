"""Measure one server configuration: cold starts, idle RSS, the scenarios at each concurrency
level, RSS after the load."""

from __future__ import annotations

import asyncio
import subprocess
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import IO, Any

from bench import procs
from bench.loadgen import SCENARIOS, run_scenario
from bench.servers import Server

__all__ = ["Plan", "load_once", "measure", "run_coro"]


@dataclass(frozen=True)
class Plan:
    """What one benchmark run measures, and for how long."""

    levels: tuple[int, ...] = (1, 8, 32)
    scenarios: tuple[str, ...] = SCENARIOS
    duration_s: float = 2.0
    repeats: int = 1  # runs at the main level (c=8); the median is reported
    main_level: int = 8
    cold_runs: int = 3
    warmup_s: float = 1.0
    idle_wait_s: float = 2.0


def run_coro(coro: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    try:
        import uvloop  # lowers the generator's own CPU cost per request

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def load_once(server: Server, scenario: str, c: int, seconds: float, pid: int) -> dict[str, Any]:
    target = server.target(server.base_url)
    try:
        result = run_coro(run_scenario(target, scenario, c, seconds, pid))
    except Exception as exc:  # a scenario that cannot even start is a result, not a crash
        result = {
            "scenario": scenario,
            "concurrency": c,
            "completed": 0,
            "errors": 1,
            "error_samples": {f"{type(exc).__name__}: {str(exc)[:200]}": 1},
            "rate_per_s": 0.0,
        }
    print(
        f"  {server.label:38} {scenario:9} c={c:<3} {result['rate_per_s']:8.1f}/s "
        f"p95={result.get('p95_ms')}ms err={result['errors']} "
        f"srv={result.get('server_cpu_pct')}% gen={result.get('loadgen_cpu_pct')}% "
        f"other={result.get('other_cpu_pct')}%",
        flush=True,
    )
    if result["errors"]:
        print(f"    errors: {result['error_samples']}", flush=True)
    return result


def _cold_start(server: Server, log: IO[bytes]) -> tuple[float, float]:
    """Spawn → first HTTP 200 on discovery: wall ms, and the CPU ms the server's process tree
    used until then (robust against a busy machine, unlike the wall time)."""
    t0 = time.perf_counter()
    proc = procs.start(server.cmd, cwd=server.cwd, env=server.env, log=log)
    try:
        seconds = procs.wait_ready(proc, server.port, server.discovery_path, t0)
        snap = procs.snapshot()
        used = sum(
            snap[p].cpu_s + snap[p].reaped_children_cpu_s for p in procs.tree(proc.pid, snap)
        )
        return round(1000 * seconds, 1), round(1000 * used, 1)
    finally:
        procs.stop(proc)


def measure(servers: list[Server], plan: Plan, log: IO[bytes]) -> list[dict[str, Any]]:
    """Cold starts of each server, then all of them running side by side (idle ones cost
    nothing) and loaded in turn, scenario by scenario and level by level: drift in the load
    of a shared machine then hits every server alike, not one configuration."""
    results: list[dict[str, Any]] = [
        {
            "server": s.name,
            "label": s.label,
            "version": s.version,
            "settings": s.settings,
            "runs": [],
        }
        for s in servers
    ]
    print(f"== cold starts x{plan.cold_runs}", flush=True)
    for out in results:
        out["cold_start_ms"], out["cold_start_cpu_ms"] = [], []
    # Round by round, every server once per round: drift hits them all alike here too.
    for _ in range(plan.cold_runs):
        for server, out in zip(servers, results, strict=True):
            wall, cpu = _cold_start(server, log)
            out["cold_start_ms"].append(wall)
            out["cold_start_cpu_ms"].append(cpu)
    for server, out in zip(servers, results, strict=True):
        print(
            f"  {server.label}: cold start ms {out['cold_start_ms']}, "
            f"CPU ms {out['cold_start_cpu_ms']}",
            flush=True,
        )
    running: list[subprocess.Popen[bytes]] = []
    try:
        for server in servers:
            t0 = time.perf_counter()
            running.append(procs.start(server.cmd, cwd=server.cwd, env=server.env, log=log))
            procs.wait_ready(running[-1], server.port, server.discovery_path, t0)
        time.sleep(plan.idle_wait_s)
        for server, proc, out in zip(servers, running, results, strict=True):
            out["rss_idle_kib"] = procs.rss_kib(proc.pid)
            target = server.target(server.base_url)
            out["warmup_errors"] = run_coro(run_scenario(target, "flow", 4, plan.warmup_s, None))[
                "errors"
            ]
        print("== load", flush=True)
        for scenario in plan.scenarios:
            for c in plan.levels:
                for _ in range(plan.repeats if c == plan.main_level else 1):
                    for server, proc, out in zip(servers, running, results, strict=True):
                        out["runs"].append(
                            load_once(server, scenario, c, plan.duration_s, proc.pid)
                        )
        for proc, out in zip(running, results, strict=True):
            out["rss_after_kib"] = procs.rss_kib(proc.pid)
    finally:
        for proc in running:
            procs.stop(proc)
    return results
