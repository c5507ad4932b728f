"""Shared fixtures of the browser tests: the provider and rp_demo over real HTTP, and Chromium.

Every browser test (rp_demo's and the Schoolloket's) uses these:

- ``demo_servers`` (session): a fresh SQLite database, migrated, with the demo world of
  CONTRACT.md; the provider (``leerid_sim.server.create_server_app``, with the Schoolloket at
  ``/schoolloket``) and rp_demo, each served by uvicorn on a free port of 127.0.0.1. The
  demo clients' redirect URIs are those of the demo world with port 8001 replaced by
  rp_demo's port. Do not change the world through it; use ``fresh_demo_servers`` for that.
- ``fresh_demo_servers`` (function): the same, but a world of its own, for a test that
  changes it (class sharing, the clock, protocols); ``postgres_demo_servers`` likewise on a
  fresh PostgreSQL database (mark the test ``postgres``).
- ``chromium`` (session) and ``page`` (function): Debian's Chromium through Playwright; the
  tests skip with a reason without /usr/bin/chromium, and fail under ``CI=true``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from datastore import Argon2Parameters, Datastore, PasswordHashing
from datastore.fixtures import DEMO_WORLD, load_world
from datastore.migrations import upgrade
from tests.databases import TemplateDatabases
from tests.e2e.servers import bound_socket, serve

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ADMIN_TOKEN = "e2e-admin-token"
PUPIL_PASSWORD = "Leerling123!"
STAFF_PASSWORD = "Personeel123!"
# Cheap argon2id: the hash cost is not what these tests test.
CHEAP = Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1)


@dataclass(frozen=True)
class DemoServers:
    """Where the running provider and rp_demo are, and the datastore behind the provider."""

    provider_url: str
    issuer: str
    rp_url: str
    database_url: str
    admin_token: str
    store: Datastore

    @property
    def schoolloket_url(self) -> str:
        return f"{self.provider_url}/schoolloket/"


@contextmanager
def running_demo(workdir: Path, database_url: str | None = None) -> Iterator[DemoServers]:
    """Migrate a fresh database (SQLite in ``workdir`` unless ``database_url`` names an empty
    one), load the demo world and serve the provider and rp_demo."""
    from idp.settings import ProviderSettings
    from leerid_sim.server import create_server_app
    from rp_demo import RPSettings, create_app

    database_url = database_url or f"sqlite:///{workdir / 'e2e.db'}"
    upgrade(database_url)
    provider_sock, rp_sock = bound_socket(), bound_socket()
    provider_url = f"http://127.0.0.1:{provider_sock.getsockname()[1]}"
    rp_url = f"http://127.0.0.1:{rp_sock.getsockname()[1]}"
    issuer = f"{provider_url}/op"
    world = workdir / "demo-world.yaml"
    world.write_text(
        DEMO_WORLD.read_text(encoding="utf-8").replace(":8001/", f":{rp_url.rsplit(':', 1)[1]}/"),
        encoding="utf-8",
    )
    store = Datastore.from_url(database_url)
    load_world(store, world, issuer=issuer, hashing=PasswordHashing(CHEAP))
    provider_settings = ProviderSettings(
        issuer=issuer,
        host="127.0.0.1",
        port=int(provider_url.rsplit(":", 1)[1]),
        database_url=database_url,
        admin_token=SecretStr(ADMIN_TOKEN),
        # As ``leerid-sim demo`` runs it (the landing page lists the personas); the explicit
        # admin token still wins over the demo one.
        demo_mode=True,
        argon2_memory_kib=CHEAP.memory_cost,
        argon2_time_cost=CHEAP.time_cost,
    )
    rp_settings = RPSettings(issuer=issuer, base_url=rp_url, admin_token=SecretStr(ADMIN_TOKEN))
    with ExitStack() as stack:
        stack.callback(store.dispose)
        stack.enter_context(serve(create_server_app(provider_settings), provider_sock))
        stack.enter_context(serve(create_app(rp_settings), rp_sock))
        yield DemoServers(provider_url, issuer, rp_url, database_url, ADMIN_TOKEN, store)


@pytest.fixture(scope="session")
def demo_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServers]:
    """The provider and rp_demo on the demo world, shared by the session (do not change it)."""
    with running_demo(tmp_path_factory.mktemp("e2e")) as servers:
        yield servers


@pytest.fixture
def fresh_demo_servers(tmp_path: Path) -> Iterator[DemoServers]:
    """The provider and rp_demo on a demo world of this test's own, free to change."""
    with running_demo(tmp_path) as servers:
        yield servers


@pytest.fixture
def postgres_demo_servers(tmp_path: Path, templates: TemplateDatabases) -> Iterator[DemoServers]:
    """Like ``fresh_demo_servers``, on a fresh PostgreSQL database (skips without one)."""
    with templates.fresh("postgresql") as url, running_demo(tmp_path, url) as servers:
        yield servers


def require_chromium() -> None:
    """Skip (locally) or fail (CI=true) when Debian's Chromium is not installed."""
    if Path(CHROMIUM).exists():
        return
    reason = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"CI=true requires Chromium: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium, launched once per session through Playwright."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page, 1280x900, Dutch."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nl-BE")
    context.set_default_timeout(30_000)  # generous: a busy CI machine is slow, not broken
    page = context.new_page()
    yield page
    context.close()
