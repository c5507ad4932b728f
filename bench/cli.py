"""``python -m bench`` (``make bench``): leerid-sim on SQLite and PostgreSQL with 1 and 2 workers,
and node-oidc-provider, measured by one load generator in one run.

    python -m bench            # default: every configuration, 2 s runs at c=1, 8, 32 (~5 min)
    python -m bench --quick    # smoke test: SQLite 1 worker + peer, c=8, 1 s runs (~1 min)
    python -m bench --full     # 10 s runs, c=8 repeated 3×, 5 cold starts (~20 min)
    python -m bench --floor    # what a refresh grant costs at the least, piece by piece (~30 s)
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import sqlite3
import sys
import time
from importlib import metadata
from pathlib import Path
from typing import Any

import psycopg

from bench.loadgen import SCENARIOS
from bench.report import ROOT, write_docs, write_json
from bench.run import Plan, measure
from bench.servers import PG_ADMIN_DSN, Server, leerid_server, peer_missing, peer_server

__all__ = ["main"]


def _csv(kind: type, allowed: tuple[Any, ...] | None = None):  # type: ignore[no-untyped-def]
    def parse(text: str) -> tuple[Any, ...]:
        values = tuple(kind(v.strip()) for v in text.split(",") if v.strip())
        if allowed is not None and not set(values) <= set(allowed):
            raise argparse.ArgumentTypeError(f"choose from {', '.join(map(str, allowed))}")
        return values

    return parse


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mode = p.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smoke test (~1 min)")
    mode.add_argument("--full", action="store_true", help="the full matrix, long runs (~20 min)")
    p.add_argument("--db", type=_csv(str, ("sqlite", "postgres")), help="sqlite,postgres")
    p.add_argument("--workers", type=_csv(int, (1, 2, 3, 4)), help="e.g. 1,2")
    p.add_argument(
        "--http-server",
        type=_csv(str, ("uvicorn", "granian")),
        help="leerid-sim serve --http-server: each configuration under each, e.g. uvicorn,granian",
    )
    p.add_argument("--levels", type=_csv(int), help="concurrency levels, e.g. 1,8,32")
    p.add_argument("--scenarios", type=_csv(str, SCENARIOS), help=",".join(SCENARIOS))
    p.add_argument("-t", "--duration", type=float, help="seconds per run (≤ 300)")
    p.add_argument("--repeats", type=int, help="runs at c=8 (median reported)")
    p.add_argument("--cold-runs", type=int, help="cold starts per configuration")
    p.add_argument("--no-peer", action="store_true", help="skip node-oidc-provider")
    p.add_argument(
        "--scale",
        type=int,
        metavar="PUPILS",
        help="instead: demo world vs `leerid-sim generate --pupils PUPILS` on PostgreSQL",
    )
    p.add_argument(
        "--profile",
        choices=SCENARIOS,
        metavar="SCENARIO",
        help="instead: py-spy profile of one leerid-sim worker under SCENARIO (c=8, or --levels N)",
    )
    p.add_argument(
        "--floor",
        action="store_true",
        help="instead: what a refresh grant costs at the least, piece by piece (bench/floor.py)",
    )
    p.add_argument(
        "--report",
        metavar="JSON",
        help="instead: only render docs/performance.md from a results file",
    )
    p.add_argument("--no-leerid", action="store_true", help="only the peer")
    p.add_argument(
        "--no-docs",
        action="store_true",
        help="only the raw JSON: leave docs/performance.md and bench/results/latest.json alone",
    )
    return p


def _plan(args: argparse.Namespace) -> tuple[Plan, tuple[str, ...], tuple[int, ...]]:
    if args.quick:
        plan, dbs, workers = (
            Plan(levels=(8,), duration_s=1.0, cold_runs=1, idle_wait_s=1.0),
            ("sqlite",),
            (1,),
        )
    elif args.full:
        plan, dbs, workers = (
            Plan(duration_s=10.0, repeats=3, cold_runs=5, warmup_s=3.0),
            ("sqlite", "postgres"),
            (1, 2),
        )
    else:
        plan, dbs, workers = Plan(), ("sqlite", "postgres"), (1, 2)
    changes = {
        "levels": args.levels,
        "scenarios": args.scenarios,
        "duration_s": args.duration,
        "repeats": args.repeats,
        "cold_runs": args.cold_runs,
    }
    plan = Plan(**{**plan.__dict__, **{k: v for k, v in changes.items() if v is not None}})
    if not 0 < plan.duration_s <= 300 or plan.repeats < 1 or plan.cold_runs < 0:
        raise SystemExit("python -m bench: duration must be 0..300 s, repeats ≥ 1")
    return plan, args.db or dbs, args.workers or workers


def _pg_version() -> str | None:
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3) as conn:
            row = conn.execute("SHOW server_version").fetchone()
            return str(row[0]).split()[0] if row else "?"
    except psycopg.Error:
        return None


def _machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    meminfo = Path("/proc/meminfo").read_text().splitlines()
    models = [ln.split(":", 1)[1].strip() for ln in cpuinfo if ln.startswith("model name")]
    model = models[0] if models else "?"
    mem = next(int(ln.split()[1]) for ln in meminfo if ln.startswith("MemTotal:"))
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "mem_gib": round(mem / 2**20, 1),
        "kernel": platform.release(),
    }


def _versions(pg: str | None) -> dict[str, str]:
    out = {
        "Python": platform.python_version(),
        "SQLite": sqlite3.sqlite_version,
        "PostgreSQL": pg or "not reachable",
    }
    for pkg in (
        "leerid-sim",
        "uvicorn",
        "granian",
        "fastapi",
        "starlette",
        "sqlalchemy",
        "psycopg",
        "authlib",
        "joserfc",
        "argon2-cffi",
        "aiohttp",
        "uvloop",
    ):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "–"
    return out


def _settings() -> dict[str, str]:
    from idp.settings import ProviderSettings

    s = ProviderSettings()
    return {
        "argon2id": (
            f"m={s.argon2_memory_kib} KiB t={s.argon2_time_cost} p={s.argon2_parallelism}"
        ),
        "PostgreSQL pool": (
            f"pool_size={s.db_pool_size} max_overflow={s.db_max_overflow} per worker"
        ),
        "generator": "aiohttp client per VU (≤ 4 keep-alive connections), uvloop",
    }


def _scale(
    args: argparse.Namespace,
    plan: Plan,
    workers: tuple[int, ...],
    started: dt.datetime,
    stamp: str,
    pg: str | None,
) -> int:
    from bench.report_scale import write_scale
    from bench.scale import run_scale

    if pg is None:
        raise SystemExit(f"python -m bench --scale needs PostgreSQL at {PG_ADMIN_DSN}")
    if not 1 <= args.scale <= 5_000_000:
        raise SystemExit("python -m bench: --scale takes 1..5,000,000 pupils")
    plan = Plan(
        **{**plan.__dict__, "duration_s": args.duration or 5.0, "repeats": args.repeats or 2}
    )
    with open(ROOT / "bench" / "results" / "raw" / f"{stamp}-scale.log", "ab") as log:
        result = run_scale(args.scale, max(workers), plan, log)
    meta = {
        "started_utc": started.strftime("%Y-%m-%d %H:%M"),
        "command": "python -m bench " + " ".join(sys.argv[1:]),
        "machine": _machine(),
        "versions": _versions(pg),
        "settings": _settings(),
        "plan": plan.__dict__,
    }
    path = write_scale(result, meta)
    print(f"scale results written to {path.relative_to(ROOT)}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.report:
        data = json.loads(Path(args.report).read_text())
        print(f"tables written to {write_docs(data).relative_to(ROOT)}", flush=True)
        return 0
    if args.floor:
        from bench.floor import floor

        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        (ROOT / "bench" / "results" / "raw").mkdir(parents=True, exist_ok=True)
        path = ROOT / "bench" / "results" / "raw" / f"{stamp}-floor.json"
        path.write_text(json.dumps(floor(), indent=1) + "\n")
        print(f"raw results: {path.relative_to(ROOT)}", flush=True)
        return 0
    plan, dbs, workers = _plan(args)
    pg = _pg_version()
    if "postgres" in dbs and pg is None:
        print(f"skipping PostgreSQL: not reachable at {PG_ADMIN_DSN}", flush=True)
        dbs = tuple(d for d in dbs if d != "postgres")
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    stamp = started.strftime("%Y%m%dT%H%M%SZ")
    (ROOT / "bench" / "results" / "raw").mkdir(parents=True, exist_ok=True)
    if args.scale:
        return _scale(args, plan, workers, started, stamp, pg)
    if args.profile:
        from bench.profile import profile

        level = args.levels[0] if args.levels else 8
        plan = Plan(**{**plan.__dict__, "duration_s": args.duration or 8.0, "main_level": level})
        with open(ROOT / "bench" / "results" / "raw" / f"{stamp}-profile.log", "ab") as log:
            profile(args.profile, dbs[0], plan, ROOT / "bench" / "results" / "raw", log)
        return 0
    prepared: list[Server] = []
    with open(ROOT / "bench" / "results" / "raw" / f"{stamp}-servers.log", "ab") as log:
        try:
            missing = None if args.no_peer else peer_missing()
            if missing:
                print(f"skipping node-oidc-provider: {missing}", flush=True)
            elif not args.no_peer:
                prepared.append(peer_server(log))
            http_servers: tuple[str | None, ...] = args.http_server or (None,)
            for db in () if args.no_leerid else dbs:
                for n in workers:
                    for http in http_servers:
                        print(f"== leerid-sim {db} {n} worker(s) {http or ''}: prepare", flush=True)
                        prepared.append(leerid_server(db, n, log, http_server=http))
            if not args.no_leerid:
                # The defaults are ACM's opaque access tokens; JWT dossiers cost a signature
                # more per grant, shown in one configuration so no number hides it.
                print(f"== leerid-sim {dbs[0]} {workers[0]} worker(s), JWT access tokens: prepare")
                jwt = leerid_server(
                    dbs[0], workers[0], log, access_token_format="jwt", http_server=http_servers[0]
                )
                prepared.append(jwt)
            servers = measure(prepared, plan, log)
        finally:
            for server in prepared:
                server.cleanup()
    data = {
        "started_utc": started.strftime("%Y-%m-%d %H:%M"),
        "wall_s": round(time.perf_counter() - t0, 1),
        "command": "python -m bench " + " ".join(argv if argv is not None else sys.argv[1:]),
        "machine": _machine(),
        "versions": _versions(pg),
        "settings": _settings(),
        "plan": plan.__dict__,
        "servers": servers,
    }
    raw = write_json(data, stamp, latest=not args.no_docs)
    print(f"raw results: {raw.relative_to(ROOT)}", flush=True)
    if not args.no_docs:
        print(f"tables written to {write_docs(data).relative_to(ROOT)}", flush=True)
    return 0
