"""Measure one server configuration: cold starts, idle RSS, the scenarios at each concurrency
level, RSS after the load."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import IO, Any

from bench import procs
from bench.loadgen import SCENARIOS, run_scenario
from bench.servers import Server

__all__ = ["Plan", "measure"]


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


def _run(coro: Coroutine[Any, Any, dict[str, Any]]) -> dict[str, Any]:
    try:
        import uvloop  # lowers the generator's own CPU cost per request

        return uvloop.run(coro)
    except ImportError:
        return asyncio.run(coro)


def _load(server: Server, scenario: str, c: int, seconds: float, pid: int) -> dict[str, Any]:
    target = server.target(server.base_url)
    try:
        result = _run(run_scenario(target, scenario, c, seconds, pid))
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


def measure(server: Server, plan: Plan, log: IO[bytes]) -> dict[str, Any]:
    """Cold starts (spawn → first HTTP 200 on discovery), then one long-lived process under load."""
    out: dict[str, Any] = {
        "server": server.name,
        "label": server.label,
        "version": server.version,
        "settings": server.settings,
        "cold_start_ms": [],
        "runs": [],
    }
    print(f"== {server.label}: cold start x{plan.cold_runs}", flush=True)
    for _ in range(plan.cold_runs):
        t0 = time.perf_counter()
        proc = procs.start(server.cmd, cwd=server.cwd, env=server.env, log=log)
        try:
            seconds = procs.wait_ready(proc, server.port, server.discovery_path, t0)
            out["cold_start_ms"].append(round(1000 * seconds, 1))
        finally:
            procs.stop(proc)
    print(f"  cold start ms: {out['cold_start_ms']}", flush=True)
    t0 = time.perf_counter()
    proc = procs.start(server.cmd, cwd=server.cwd, env=server.env, log=log)
    try:
        procs.wait_ready(proc, server.port, server.discovery_path, t0)
        time.sleep(plan.idle_wait_s)
        out["rss_idle_kib"] = procs.rss_kib(proc.pid)
        warm = _run(run_scenario(server.target(server.base_url), "flow", 4, plan.warmup_s, None))
        out["warmup_errors"] = warm["errors"]
        for scenario in plan.scenarios:
            for c in plan.levels:
                for _ in range(plan.repeats if c == plan.main_level else 1):
                    out["runs"].append(_load(server, scenario, c, plan.duration_s, proc.pid))
        out["rss_after_kib"] = procs.rss_kib(proc.pid)
    finally:
        procs.stop(proc)
    return out
