"""Bounded async load generator: N virtual users for T seconds against one loopback provider.

Scenarios (adapted from the team's peer bench, ``shared/peer-bench/loadgen.py``):

- ``flow``: fresh cookie jar; GET authorize → login page(s) submitted (password checked by the
  server) → 30x to redirect_uri with ``code`` → POST token (PKCE S256, client_secret_basic) →
  GET UserInfo. state, ``iss`` (RFC 9207), tokens and the expected claims are checked each time.
- ``sso``: one untimed login per VU keeps its session cookie; then authorize → code without any
  page (OIDC Core §3.1.2.3: a live session) → token → UserInfo.
- ``refresh``: one untimed flow per VU, then ``grant_type=refresh_token`` (RFC 6749 §6),
  following rotation.
- ``discovery`` / ``jwks``: GET the provider metadata / the JWKS.

Bounds: at most 256 VUs, 300 s, ``MAX_OPS_PER_VU`` operations per VU; work still running at
T + ``GRACE_S`` is cancelled. Only 127.0.0.0/8 targets are accepted.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from typing import Any
from urllib.parse import urlsplit

from bench import procs
from bench.client import VuHttp
from bench.flows import Meta, Runner, Stats
from bench.targets import Target

__all__ = ["SCENARIOS", "run_scenario"]

SCENARIOS = ("flow", "sso", "refresh", "discovery", "jwks")
MAX_CONCURRENCY = 256
MAX_DURATION_S = 300.0
GRACE_S = 10.0


async def fetch_meta(target: Target) -> Meta:
    """Discovery (OIDC Discovery §4) and the JWKS, once per run."""
    http = VuHttp()
    try:
        doc = json.loads((await http.get(target.discovery_url)).body)
        jwks = json.loads((await http.get(doc["jwks_uri"])).body)
    finally:
        await http.close()
    return Meta(
        doc["issuer"],
        doc["authorization_endpoint"],
        doc["token_endpoint"],
        doc["userinfo_endpoint"],
        doc["jwks_uri"],
        jwks,
    )


def _check_bounds(target: Target, concurrency: int, duration: float) -> None:
    host = urlsplit(target.base_url).hostname or ""
    if not host.startswith("127."):
        raise ValueError(f"only loopback targets are allowed, not {host!r}")
    if not (1 <= concurrency <= MAX_CONCURRENCY and 0 < duration <= MAX_DURATION_S):
        raise ValueError(f"concurrency 1..{MAX_CONCURRENCY} and duration 0..{MAX_DURATION_S} s")


async def run_scenario(
    target: Target, scenario: str, concurrency: int, duration: float, server_pid: int | None
) -> dict[str, Any]:
    """Run one scenario; returns rate, latency percentiles, errors and the CPU split."""
    _check_bounds(target, concurrency, duration)
    meta = await fetch_meta(target)
    runner, stats = Runner(target, meta), Stats()
    clients = [VuHttp() for _ in range(concurrency)]
    try:
        tokens: list[dict[str, Any]] = []
        if scenario in ("refresh", "sso"):  # untimed: a login per VU (its session / refresh token)
            tokens = await asyncio.gather(*(runner.flow(c, None) for c in clients))
        own0, busy0, snap0 = time.process_time(), procs.machine_busy_seconds(), procs.snapshot()
        t0 = time.perf_counter()
        deadline = t0 + duration
        if scenario in ("flow", "sso"):
            coros = [runner.vu_flow(c, stats, deadline, scenario == "sso") for c in clients]
        elif scenario in ("discovery", "jwks"):
            url = target.discovery_url if scenario == "discovery" else meta.jwks_uri
            coros = [runner.vu_get(c, stats, deadline, url) for c in clients]
        elif scenario == "refresh":
            coros = [
                runner.vu_refresh(c, stats, deadline, t["refresh_token"])
                for c, t in zip(clients, tokens, strict=True)
            ]
        else:
            raise ValueError(f"unknown scenario {scenario!r}")
        tasks = [asyncio.ensure_future(c) for c in coros]
        done, pending = await asyncio.wait(tasks, timeout=duration + GRACE_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        elapsed = time.perf_counter() - t0
        own, busy, snap1 = (
            time.process_time() - own0,
            procs.machine_busy_seconds() - busy0,
            procs.snapshot(),
        )
        for task in done:
            if task.exception() is not None:
                stats.error(task.exception())  # type: ignore[arg-type]
        verified = [{"kind": k, **runner.verify_id_token(t, n)} for k, t, n in stats.to_verify]
    finally:
        await asyncio.gather(*(c.close() for c in clients))
    server_cpu = procs.tree_cpu_seconds(server_pid, snap0, snap1) if server_pid else None
    return _summary(scenario, concurrency, duration, elapsed, stats, own, busy, server_cpu) | {
        "client_id": target.client_id,
        "verified_id_tokens": verified,
    }


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    k = (len(values) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _summary(
    scenario: str,
    concurrency: int,
    duration: float,
    elapsed: float,
    stats: Stats,
    own_cpu: float,
    busy: float,
    server_cpu: float | None,
) -> dict[str, Any]:
    lat = sorted(stats.latencies)

    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 2)

    def pct(seconds: float) -> float:
        return round(100 * seconds / elapsed, 1)

    return {
        "scenario": scenario,
        "concurrency": concurrency,
        "duration_s": duration,
        "elapsed_s": round(elapsed, 3),
        "completed": len(lat),
        "errors": stats.errors,
        "error_samples": stats.samples,
        "rate_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": ms(_percentile(lat, 50)),
        "p95_ms": ms(_percentile(lat, 95)),
        "p99_ms": ms(_percentile(lat, 99)),
        "max_ms": ms(lat[-1] if lat else None),
        # % of one core over the run: the server's process tree, this generator, the machine.
        "server_cpu_pct": pct(server_cpu) if server_cpu is not None else None,
        "loadgen_cpu_pct": pct(own_cpu),
        "machine_busy_pct": pct(busy),
        "other_cpu_pct": pct(max(0.0, busy - own_cpu - (server_cpu or 0.0))),
        # operations per CPU-second of the server: what a target "per core" means
        "per_server_cpu_s": round(len(lat) / server_cpu, 1) if server_cpu else None,
        "loadgen_pid": os.getpid(),
    }
