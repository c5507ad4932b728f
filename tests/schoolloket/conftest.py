"""Fixtures of the Schoolloket tests: the demo world, the app, and logged-in staff.

``logged_in`` is a test-only shortcut that creates a logged-in Schoolloket session directly in
the datastore; tests of the real login through the provider live in ``test_login.py``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from datastore import SIGNING_ALGS, Argon2Parameters, Datastore, PasswordHashing, load_demo
from idp import create_app
from idp.keys import make_signing_key
from idp.settings import ProviderSettings
from schoolloket import create_schoolloket
from tests.databases import TemplateDatabases

ISSUER = "http://testserver/op"
CHEAP = Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1)
# After ex.leerling's enrolment ended (2026-06-30), before ilse.interim's assignment ends (08-31).
SCHOOL_DAY = dt.datetime(2026, 8, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def demo_template(templates: TemplateDatabases) -> Path:
    """A migrated SQLite file with the demo world and signing keys, made once per session."""
    path = templates.workdir / "schoolloket-demo.db"
    shutil.copyfile(templates.sqlite_template(), path)
    store = Datastore.from_url(f"sqlite:///{path}")
    try:
        load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
        store.oidc.ensure_signing_keys(SIGNING_ALGS, make_signing_key, store.clock.now())
    finally:
        store.dispose()
    return path


@pytest.fixture
def db_url(demo_template: Path, tmp_path: Path) -> str:
    """A copy of the demo template (SQLite) for the page and API tests: they test HTTP
    behaviour; the SQL under them runs on both databases in ``test_datastore.py`` and
    ``test_roles.py``, which override this fixture.
    """
    path = tmp_path / "demo.db"
    shutil.copyfile(demo_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def demo(store: Datastore) -> Datastore:
    """The documented demo world, with the simulated clock on a school day (never today)."""
    if store.world.account_by_username("jan.peeters") is None:
        load_demo(store, issuer=ISSUER, hashing=PasswordHashing(CHEAP))
    store.clock.set(SCHOOL_DAY, frozen=True)
    return store


@pytest.fixture
def settings(demo: Datastore) -> ProviderSettings:
    return ProviderSettings(
        issuer=ISSUER,
        database_url=demo.engine.url.render_as_string(hide_password=False),
        argon2_memory_kib=CHEAP.memory_cost,
        argon2_time_cost=CHEAP.time_cost,
        argon2_parallelism=CHEAP.parallelism,
    )


@pytest.fixture
def server(settings: ProviderSettings, demo: Datastore) -> FastAPI:
    """The provider with the Schoolloket mounted, as ``leerid_sim.server`` composes them.

    The Schoolloket reaches the provider's token endpoint and JWKS over HTTP; here that HTTP
    goes through an in-process ASGI transport to the same app (async, as in one process).
    """
    app = create_app(settings, store=demo)
    schoolloket = create_schoolloket(settings, demo)
    schoolloket.state.schoolloket.oidc.transport = httpx.ASGITransport(app=app)
    app.mount("/schoolloket", schoolloket)
    return app


@pytest.fixture
def client(server: FastAPI) -> Iterator[TestClient]:
    with TestClient(server, base_url="http://testserver", follow_redirects=False) as test_client:
        yield test_client


@pytest.fixture
def logged_in(
    client: TestClient, demo: Datastore, settings: ProviderSettings
) -> Callable[[str], TestClient]:
    """Log ``username`` in to the Schoolloket without the provider (test-only shortcut)."""

    def login(username: str) -> TestClient:
        account = demo.world.account_by_username(username)
        assert account is not None
        pending, session_id = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        token = secrets.token_urlsafe(16)
        demo.schoolloket.start_session(
            pending, token, 3600, state="s", nonce="n", code_verifier="v"
        )
        assert demo.schoolloket.complete_login(pending, session_id, account.id, "not-a-token")
        client.cookies.set("leerid_schoolloket", session_id, path="/schoolloket")
        client.csrf_token = token  # type: ignore[attr-defined]
        return client

    return login


def csrf(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)
