"""`leerid-sim seed demo|FILE` as a user runs it: one line of error and exit 2 on bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from datastore import Datastore


def run(
    *args: str, database_url: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "LEERID_DATABASE_URL": database_url, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "leerid_sim.cli", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
        check=False,
    )


def assert_one_line_error(result: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for text in expected:
        assert text in lines[0]


def test_seed_demo_twice(sqlite_url: str) -> None:
    first = run("seed", "demo", database_url=sqlite_url)
    assert first.returncode == 0, first.stderr
    assert "6 pupils" in first.stdout
    assert "8 clients" in first.stdout
    second = run("seed", "demo", database_url=sqlite_url)
    assert second.returncode == 0, second.stderr
    assert second.stdout == first.stdout


def test_seed_demo_registers_rp_demo_where_it_is_configured(sqlite_url: str) -> None:
    result = run("seed", "demo", database_url=sqlite_url, env={"LEERID_RP_PORT": "9123"})
    assert result.returncode == 0, result.stderr
    store = Datastore.from_url(sqlite_url)
    try:
        client = store.world.client("ididdit")
    finally:
        store.dispose()
    assert client is not None
    assert "http://localhost:9123/callback" in client.redirect_uris
    assert "http://127.0.0.1:9123/callback" in client.redirect_uris
    assert not any(":8001" in uri for uri in client.redirect_uris)
    assert client.backchannel_logout_uri == "http://localhost:9123/backchannel-logout"


def test_seed_names_every_problem_of_a_file_and_writes_nothing(
    sqlite_url: str, tmp_path: Path
) -> None:
    file = tmp_path / "world.yaml"
    file.write_text(
        "format: leerid-world/1\n"
        "passwords: {pupils: Leerling123!}\n"
        "schools:\n"
        '  - {instellingsnummer: "123456", name: A, name: B, admin_package: broekx,'
        " classes: [{name: 3A}]}\n"
        "pupils:\n"
        "  - naam: Peeters\n"
        "    voornaam: [Jan]\n"
        "    accounts: [{username: jan.x, account_uuid: a6f98ebd-1280-4294-a90f-a5858c1f6f47,"
        " temporary: true}]\n"
        '    enrolments: [{school: "123456", class: 3A, start: 2025-13-45}]\n',
        encoding="utf-8",
    )
    result = run("seed", str(file), database_url=sqlite_url)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert [line.split(": ")[3] for line in lines] == [
        "schools[0].name",
        "pupils[0].voornaam",
        "pupils[0].enrolments[0].start",
    ]
    for line in lines:
        assert line.startswith(f"leerid-sim seed: error: {file}: ")
    assert "2025-13-45" in lines[2]
    assert "duplicate key 'name'" in lines[0]
    store = Datastore.from_url(sqlite_url)
    try:
        assert store.world.client("ididdit") is None
        assert store.world.account_by_username("jan.x") is None
    finally:
        store.dispose()


def test_seed_with_a_bad_rp_demo_setting_says_which(sqlite_url: str) -> None:
    result = run("seed", "demo", database_url=sqlite_url, env={"LEERID_RP_PORT": "abc"})
    assert_one_line_error(result, "leerid-sim seed: error:", "LEERID_RP_PORT")


def test_seed_missing_file(sqlite_url: str) -> None:
    result = run("seed", "nosuchfile", database_url=sqlite_url)
    assert_one_line_error(result, "leerid-sim seed: error:", "nosuchfile", "no such file")


def test_seed_bad_file_names_the_path(sqlite_url: str, tmp_path: Path) -> None:
    file = tmp_path / "world.yaml"
    file.write_text(
        'schools:\n  - {instellingsnummer: "12345", name: X, admin_package: broekx}\n',
        encoding="utf-8",
    )
    result = run("seed", str(file), database_url=sqlite_url)
    assert_one_line_error(result, str(file), "schools[0].instellingsnummer", "6 digits")


@pytest.mark.parametrize(
    "args",
    [("seed",), ("seed", "demo", "--bogus"), ("seed", "demo", "extra")],
    ids=["missing-world", "unknown-flag", "extra-argument"],
)
def test_seed_bad_flags(sqlite_url: str, args: tuple[str, ...]) -> None:
    assert_one_line_error(run(*args, database_url=sqlite_url), "leerid-sim")


def test_seed_bad_issuer(sqlite_url: str) -> None:
    result = run("seed", "demo", database_url=sqlite_url, env={"LEERID_ISSUER": "localhost"})
    assert_one_line_error(result, "LEERID_ISSUER")


@pytest.mark.parametrize("command", [("seed", "demo"), ("generate", "--pupils", "3")])
def test_database_without_schema(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = run(*command, database_url=f"sqlite:///{tmp_path / 'empty.db'}")
    assert_one_line_error(result, "leerid-sim db upgrade")
