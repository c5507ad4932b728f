"""rp_demo against the fake provider, both served with uvicorn on free ports."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from rp_demo import RPSettings, create_app
from tests.e2e.servers import bound_socket, serve
from tests.rp_demo.fake_provider import FakeProvider


@dataclass
class RPWorld:
    provider: FakeProvider
    rp_url: str


@pytest.fixture(scope="module")
def rp_world() -> Iterator[RPWorld]:
    provider_sock, rp_sock = bound_socket(), bound_socket()
    provider_port, rp_port = provider_sock.getsockname()[1], rp_sock.getsockname()[1]
    fake = FakeProvider(issuer=f"http://127.0.0.1:{provider_port}/op")
    settings = RPSettings(issuer=fake.issuer, base_url=f"http://127.0.0.1:{rp_port}")
    with serve(fake.app(), provider_sock), serve(create_app(settings), rp_sock) as rp_url:
        yield RPWorld(provider=fake, rp_url=rp_url)


@pytest.fixture
def fake(rp_world: RPWorld) -> Iterator[FakeProvider]:
    """The fake provider, reset to good behaviour after each test."""
    yield rp_world.provider
    rp_world.provider.wrong_audience = rp_world.provider.wrong_nonce = False
    rp_world.provider.foreign_key = rp_world.provider.omit_iss = False
    rp_world.provider.error = None
    rp_world.provider.lifetime_seconds = 600
    rp_world.provider.claims = {}


@pytest.fixture
def browser(rp_world: RPWorld) -> Iterator[httpx.Client]:
    """A cookie-keeping HTTP client that follows redirects, like a browser without JS."""
    with httpx.Client(base_url=rp_world.rp_url, follow_redirects=True, timeout=10) as client:
        yield client
