"""Shared fixtures of the browser tests: the provider and rp_demo over real HTTP, and Chromium.

Every browser test (rp_demo's and the Schoolloket's) uses these:

- ``demo_servers`` (session): a fresh SQLite database, migrated, with the documented
  demo world; the provider (``leerid_sim.server.create_server_app``, with the Schoolloket at
  ``/schoolloket``) and rp_demo, each served by uvicorn on a free port of 127.0.0.1. The
  demo world is loaded with rp_demo's address as ``{rp_origin}``, as ``leerid-sim seed``
  does, so the demo clients' redirect and back-channel URIs are rp_demo's. Do not change
  the world through it; use ``fresh_demo_servers`` for that.
- ``fresh_demo_servers`` (function): the same, but a world of its own, for a test that
  changes it (class sharing, the clock, protocols); ``postgres_demo_servers`` likewise on a
  fresh PostgreSQL database (mark the test ``postgres``).
- ``tls_demo_servers`` (session): the same over https, as ``leerid-sim demo --tls`` serves
  them: certificates of a local CA made for the session (``ca_file``), Secure cookies.
- ``chromium`` (session) and ``page`` (function): Debian's Chromium through Playwright; the
  tests skip with a reason without /usr/bin/chromium, and fail under ``CI=true``.
- ``tls_page`` (function): a page of a Chromium that trusts the local CA of
  ``tls_demo_servers`` (an NSS database in its HOME, made with ``certutil``) and nothing more:
  certificates are verified as for any site.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from datastore import DEMO_WORLD, Argon2Parameters, Datastore, PasswordHashing, load_world, upgrade
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
    # Under TLS: the local CA's certificate that verifies both servers.
    ca_file: str | None = None

    @property
    def schoolloket_url(self) -> str:
        return f"{self.provider_url}/schoolloket/"


@contextmanager
def running_demo(
    workdir: Path, database_url: str | None = None, *, tls: bool = False
) -> Iterator[DemoServers]:
    """Migrate a fresh database (SQLite in ``workdir`` unless ``database_url`` names an empty
    one), load the demo world and serve the provider and rp_demo (over https with ``tls``,
    with certificates of a local CA made in ``workdir/tls``)."""
    from idp.settings import ProviderSettings
    from leerid_sim.options import server_tls
    from leerid_sim.server import create_server_app
    from rp_demo import RPSettings, create_app

    database_url = database_url or f"sqlite:///{workdir / 'e2e.db'}"
    upgrade(database_url)
    provider_sock, rp_sock = bound_socket(), bound_socket()
    scheme = "https" if tls else "http"
    provider_url = f"{scheme}://127.0.0.1:{provider_sock.getsockname()[1]}"
    rp_url = f"{scheme}://127.0.0.1:{rp_sock.getsockname()[1]}"
    issuer = f"{provider_url}/op"
    store = Datastore.from_url(database_url)
    load_world(store, DEMO_WORLD, issuer=issuer, rp_origin=rp_url, hashing=PasswordHashing(CHEAP))
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
        tls=tls,
        tls_dir=str(workdir / "tls") if tls else None,
    )
    files = server_tls(provider_settings)
    ssl_files: dict[str, str] = {}
    if files is not None:
        ssl_files = {"ssl_certfile": str(files.certfile), "ssl_keyfile": str(files.keyfile)}
    ca_file = str(files.ca_file) if files is not None else None
    rp_settings = RPSettings(
        issuer=issuer, base_url=rp_url, admin_token=SecretStr(ADMIN_TOKEN), ca_file=ca_file
    )
    provider_app = create_server_app(provider_settings)
    provider_app.state.world_rp_origin = rp_url
    with ExitStack() as stack:
        stack.callback(store.dispose)
        stack.enter_context(serve(provider_app, provider_sock, **ssl_files))
        stack.enter_context(serve(create_app(rp_settings), rp_sock, **ssl_files))
        yield DemoServers(
            provider_url, issuer, rp_url, database_url, ADMIN_TOKEN, store, ca_file=ca_file
        )


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


@pytest.fixture(scope="session")
def tls_demo_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServers]:
    """The provider and rp_demo over https, on the demo world (do not change it)."""
    with running_demo(tmp_path_factory.mktemp("e2e-tls"), tls=True) as servers:
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
def playwright_session() -> Iterator[Any]:
    """Playwright, started once per session (one instance drives every browser)."""
    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as running:
        yield running


@pytest.fixture(scope="session")
def chromium(playwright_session: Any) -> Iterator[Any]:
    """Debian's Chromium, launched once per session through Playwright."""
    browser = playwright_session.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _new_page(browser: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-BE")
    context.set_default_timeout(30_000)  # generous: a busy CI machine is slow, not broken
    return context.new_page()


@pytest.fixture
def page(chromium: Any) -> Iterator[Any]:
    """A fresh browser context (no cookies) and page, 1280x900, Dutch."""
    page = _new_page(chromium)
    yield page
    page.context.close()


def require_certutil() -> None:
    """Skip (locally) or fail (CI=true) when NSS's certutil is not installed."""
    if shutil.which("certutil"):
        return
    reason = "certutil is not installed (apt-get install libnss3-tools)"
    if IN_CI:
        pytest.fail(f"CI=true requires certutil: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def tls_chromium(
    playwright_session: Any, tls_demo_servers: DemoServers, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """Chromium whose HOME holds an NSS database trusting the local CA of ``tls_demo_servers``.

    Chromium on Linux reads its trust anchors there, not from ``SSL_CERT_FILE``; nothing is
    relaxed (no ``ignore_https_errors``), so a certificate of another CA still fails.
    """
    require_certutil()
    from leerid_sim.testing_tls import browser_home

    assert tls_demo_servers.ca_file is not None
    home = browser_home(tls_demo_servers.ca_file, tmp_path_factory.mktemp("tls-browser-home"))
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, args=CHROMIUM_ARGS, env={**os.environ, "HOME": str(home)}
    )
    yield browser
    browser.close()


@pytest.fixture
def tls_page(tls_chromium: Any) -> Iterator[Any]:
    """A fresh page of the Chromium that trusts the local CA of ``tls_demo_servers``."""
    page = _new_page(tls_chromium)
    yield page
    page.context.close()
