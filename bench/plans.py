"""The query plans of the hot path, as PostgreSQL really executed them.

``auto_explain`` is switched on for one benchmark database only (``ALTER DATABASE ... SET
session_preload_libraries``), so the provider's own queries, with their real parameters, are
explained by the server while one login, one SSO flow, a refresh and UserInfo run. The plans
are read back from the server log (Debian's default: stderr to
``/var/log/postgresql/postgresql-<version>-main.log``, line prefix ``%m [%p] %q%u@%d``).
"""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

from bench.servers import PG_ADMIN_DSN

__all__ = ["Plan", "auto_explain", "log_file", "read_plans"]

# Tables that grow with the world or with traffic: a sequential scan of one is a finding.
LARGE_TABLES = (
    "accounts",
    "pupils",
    "account_history",
    "enrolments",
    "visibility",
    "tokens",
    "auth_sessions",
    "authorization_codes",
    "session_clients",
    "privacy_log",
    "events",
    "staff",
    "classes",
)


@dataclass(frozen=True)
class Plan:
    query: str
    plan: str

    @property
    def seq_scans(self) -> list[str]:
        """Tables that grow with the world or traffic and are read by a sequential scan."""
        return [t for t in re.findall(r"Seq Scan on (\w+)", self.plan) if t in LARGE_TABLES]

    @property
    def is_driver_chatter(self) -> bool:
        """Catalogue lookups of the driver and SQLAlchemy, not queries of the provider."""
        q = self.query.lower()
        return any(k in q for k in ("pg_catalog", "pg_type", "current_schema", "pg_advisory"))


def log_file() -> Path | None:
    """The PostgreSQL server log on this machine, if it can be read."""
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=3) as conn:
            row = conn.execute("SELECT pg_current_logfile()").fetchone()
            data_dir = conn.execute("SHOW data_directory").fetchone()
        if row and row[0] and data_dir:
            path = Path(row[0]) if row[0].startswith("/") else Path(data_dir[0]) / row[0]
            if path.exists():
                return path
    except (psycopg.Error, OSError):
        pass
    candidates = sorted(glob.glob("/var/log/postgresql/postgresql-*-main.log"))
    return Path(candidates[-1]) if candidates else None


def auto_explain(database: str, on: bool) -> None:
    """Switch auto_explain on or off for new sessions of one database (superuser needed)."""
    settings = {
        "session_preload_libraries": "auto_explain",
        "auto_explain.log_min_duration": "0",
        "auto_explain.log_analyze": "on",
        "auto_explain.log_timing": "off",
        "auto_explain.log_format": "text",
    }
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        for name, value in settings.items():
            if on:
                conn.execute(f"ALTER DATABASE \"{database}\" SET {name} = '{value}'".encode())
            else:
                conn.execute(f'ALTER DATABASE "{database}" RESET {name}'.encode())


_ENTRY = re.compile(r"@(?P<db>\S+) LOG:\s+duration: [\d.]+ ms\s+plan:")


def read_plans(path: Path, offset: int, database: str) -> list[Plan]:
    """Distinct (query, plan) pairs logged for ``database`` after byte ``offset``."""
    with path.open("rb") as f:
        f.seek(offset)
        lines = f.read().decode("utf-8", "replace").splitlines()
    plans: dict[str, Plan] = {}
    i = 0
    while i < len(lines):
        match = _ENTRY.search(lines[i])
        i += 1
        if not match or match.group("db") != database:
            continue
        body: list[str] = []
        while i < len(lines) and lines[i].startswith("\t"):
            body.append(lines[i][1:])
            i += 1
        # The query text may span lines; the plan starts at the first node ("... (cost=").
        start = next((n for n, line in enumerate(body) if "(cost=" in line), len(body))
        query = " ".join(" ".join(body[:start]).removeprefix("Query Text:").split())
        if query and query not in plans and not Plan(query, "").is_driver_chatter:
            plans[query] = Plan(query, "\n".join(body[start:]))
    return list(plans.values())
