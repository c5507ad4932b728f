"""Is the provider flat as the world grows? (``python -m bench --scale N``)

On one fresh PostgreSQL database: the demo world is measured (full flows, SSO flows and refresh
grants at c=8), then ``leerid-sim generate --pupils N`` adds N pupils, ``ANALYZE`` refreshes the
planner's statistics, the same load runs again, and the real query plans of the hot path are
captured with auto_explain (bench.plans).
"""

from __future__ import annotations

import statistics
import subprocess
import time
from typing import IO, Any

import psycopg

from bench import plans, procs
from bench.loadgen import run_scenario
from bench.run import Plan, load_once, run_coro
from bench.servers import Server, leerid_cli, leerid_server

__all__ = ["SCALE_SCENARIOS", "p95_ratios", "run_scale"]

SCALE_SCENARIOS = ("flow", "sso", "refresh")


def _dsn(server: Server) -> str:
    return str(server.settings["database_url"]).replace("postgresql+psycopg://", "postgresql://")


def _side_by_side(
    servers: dict[str, Server], plan: Plan, log: IO[bytes]
) -> dict[str, dict[str, Any]]:
    """Both worlds served at once and loaded in turn, run by run, so that the drift of a
    shared machine hits both alike; the p95 ratio is then a fair one."""
    running: dict[str, subprocess.Popen[bytes]] = {}
    out: dict[str, dict[str, Any]] = {name: {"runs": []} for name in servers}
    try:
        for name, server in servers.items():
            t0 = time.perf_counter()
            running[name] = procs.start(server.cmd, cwd=server.cwd, env=server.env, log=log)
            procs.wait_ready(running[name], server.port, server.discovery_path, t0)
            out[name]["ready_ms"] = round(1000 * (time.perf_counter() - t0), 1)
            target = server.target(server.base_url)
            run_coro(run_scenario(target, "flow", 4, plan.warmup_s, None))
        for scenario in SCALE_SCENARIOS:
            for _ in range(plan.repeats):
                for name, server in servers.items():
                    pid = running[name].pid
                    out[name]["runs"].append(
                        load_once(server, scenario, plan.main_level, plan.duration_s, pid)
                    )
        for name, proc in running.items():
            out[name]["rss_after_kib"] = procs.rss_kib(proc.pid)
    finally:
        for proc in running.values():
            procs.stop(proc)
    return out


def _sizes(server: Server) -> list[dict[str, Any]]:
    query = (
        "SELECT c.relname, c.reltuples::bigint, pg_total_relation_size(c.oid) "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY 3 DESC LIMIT 12"
    )
    with psycopg.connect(_dsn(server)) as conn:
        return [
            {"table": name, "rows": rows, "bytes": size}
            for name, rows, size in conn.execute(query.encode()).fetchall()
        ]


def _pool(server: Server) -> dict[str, Any]:
    with psycopg.connect(_dsn(server)) as conn:
        row = conn.execute(b"SHOW max_connections").fetchone()
    return {"max_connections": int(row[0]) if row else None}


def _capture_plans(server: Server, log: IO[bytes]) -> list[dict[str, Any]]:
    path = plans.log_file()
    if path is None:
        return []
    database = _dsn(server).rsplit("/", 1)[1]
    plans.auto_explain(database, on=True)
    offset = path.stat().st_size
    t0 = time.perf_counter()
    proc = procs.start(server.cmd, cwd=server.cwd, env=server.env, log=log)
    try:
        procs.wait_ready(proc, server.port, server.discovery_path, t0)
        target = server.target(server.base_url)
        for scenario in SCALE_SCENARIOS:
            run_coro(run_scenario(target, scenario, 1, 0.3, None))
    finally:
        procs.stop(proc)
        plans.auto_explain(database, on=False)
    time.sleep(0.5)  # the server flushes its log asynchronously
    return [
        {"query": p.query, "plan": p.plan, "seq_scans_of_large_tables": p.seq_scans}
        for p in plans.read_plans(path, offset, database)
    ]


def _generate(server: Server, pupils: int, log: IO[bytes], out: dict[str, Any]) -> bool:
    print(f"== scale: leerid-sim generate --pupils {pupils}", flush=True)
    t0 = time.perf_counter()
    done = subprocess.run(
        [leerid_cli(), "generate", "--pupils", str(pupils), "--quiet"],
        cwd=server.cwd,
        env=server.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        timeout=4 * 3600,
        check=False,
    )
    out["generate_s"] = round(time.perf_counter() - t0, 1)
    if done.returncode:
        out["generate_error"] = f"leerid-sim generate exited with {done.returncode}"
        return False
    t0 = time.perf_counter()
    with psycopg.connect(_dsn(server), autocommit=True) as conn:
        conn.execute(b"ANALYZE")
    out["analyze_s"] = round(time.perf_counter() - t0, 1)
    return True


def run_scale(pupils: int, workers: int, plan: Plan, log: IO[bytes]) -> dict[str, Any]:
    """The demo world vs the demo world + ``pupils`` generated pupils, two PostgreSQL databases
    served side by side."""
    print(f"== scale: two PostgreSQL databases, {workers} worker(s) each", flush=True)
    demo = leerid_server("postgres", workers, log)
    out: dict[str, Any] = {"pupils": pupils, "workers": workers, "label": demo.label}
    try:
        large = leerid_server("postgres", workers, log)
        try:
            if _generate(large, pupils, log, out):
                out["sizes"] = _sizes(large)
                print("== scale: both worlds under the same load, in turn", flush=True)
                out |= _side_by_side({"demo": demo, "large": large}, plan, log)
                out["pool"] = _pool(large)
                print("== scale: query plans of the hot path (auto_explain)", flush=True)
                out["plans"] = _capture_plans(large, log)
        finally:
            large.cleanup()
    finally:
        demo.cleanup()
    return out


def p95_ratios(result: dict[str, Any]) -> dict[str, float | None]:
    """large p95 / demo p95 per scenario (median over repeats)."""

    def p95(part: str, scenario: str) -> float | None:
        vals = [
            r["p95_ms"]
            for r in result.get(part, {}).get("runs", [])
            if r["scenario"] == scenario and r.get("p95_ms") is not None
        ]
        return statistics.median(vals) if vals else None

    ratios: dict[str, float | None] = {}
    for scenario in SCALE_SCENARIOS:
        small, large = p95("demo", scenario), p95("large", scenario)
        ratios[scenario] = round(large / small, 2) if small and large else None
    return ratios
