"""Fixtures of the Schoolloket tests: the demo world, the app, and logged-in staff.

``logged_in`` is a test-only shortcut that creates a logged-in Schoolloket session directly in
the datastore; tests of the real login through the provider live in ``test_login.py``.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from datastore import Argon2Parameters, Datastore, PasswordHashing
from datastore.fixtures import load_demo
from idp import create_app
from idp.settings import ProviderSettings
from schoolloket import create_schoolloket

ISSUER = "http://testserver/op"
CHEAP = Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1)
# After ex.leerling's enrolment ended (2026-06-30), before ilse.interim's assignment ends (08-31).
SCHOOL_DAY = dt.datetime(2026, 8, 24, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def db_url(sqlite_url: str) -> str:
    """SQLite for the page and API tests: they test HTTP behaviour, and the SQL under them
    runs on both databases in ``test_datastore.py`` and ``test_roles.py`` (which override this).
    """
    return sqlite_url


@pytest.fixture
def demo(store: Datastore) -> Datastore:
    """The demo world of CONTRACT.md, with the clock on a school day (DECISIONS 10)."""
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
    """The provider with the Schoolloket mounted, as ``leerid_sim.server`` composes them."""
    app = create_app(settings, store=demo)
    app.mount("/schoolloket", create_schoolloket(settings, demo))
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
