"""pytest plugin (entry point ``pytest11``): a LeerID provider for service providers' tests.

Fixtures (docs/pytest-plugin.md), each started only when a test asks for it:

- ``leerid_provider``: a provider on a free 127.0.0.1 port, in this process, on a fresh SQLite
  database with the demo world (or ``--leerid-fixture FILE``, or a test's
  ``@pytest.mark.leerid_fixture(FILE)``). Started once per session; before each test the world
  goes back to the seeded state (a snapshot restore: clock, faults and changes undone).
- ``leerid_admin``: a typed client of the admin API (``leerid_sim.testing.LeerIDAdmin``).
- ``leerid_login``: ``leerid_login(client_id, username, password=..., scope=...)`` logs in
  through the real authorization endpoint, login form and token endpoint, and returns tokens.

This module is imported by every pytest run where the package is installed: it imports
nothing heavy at the top.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from leerid_sim.testing import LeerIDAdmin
    from leerid_sim.testing_login import LeerIDTokens
    from leerid_sim.testing_server import LeerIDProvider

__all__ = ["leerid_admin", "leerid_login", "leerid_provider"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leerid", "LeerID simulator (leerid_provider fixture)")
    group.addoption(
        "--leerid-fixture",
        metavar="FILE",
        default=None,
        help="world fixture (YAML, docs/fixtures.md) for leerid_provider; default: the demo world",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "leerid_fixture(path): run this test on another world fixture (YAML) in leerid_provider",
    )


@pytest.fixture(scope="session")
def _leerid_provider_session(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LeerIDProvider]:
    from leerid_sim.testing_server import running_provider

    option = request.config.getoption("--leerid-fixture")
    fixture = Path(option).resolve() if option else None
    with running_provider(tmp_path_factory.mktemp("leerid"), fixture) as provider:
        yield provider


@pytest.fixture
def leerid_provider(
    request: pytest.FixtureRequest, _leerid_provider_session: LeerIDProvider
) -> LeerIDProvider:
    """The running provider, its world back at the seeded state (or the marker's fixture)."""
    from leerid_sim.testing_server import BASELINE_SNAPSHOT, DEMO_SECRETS

    provider = _leerid_provider_session
    provider.client_secrets.clear()
    provider.client_secrets.update(DEMO_SECRETS)
    marker = request.node.get_closest_marker("leerid_fixture")
    if marker is not None:
        path = Path(marker.args[0])
        if not path.is_absolute():
            path = Path(request.node.path).parent / path
        provider.reseed(path)
    else:
        provider.store.control.restore_snapshot(BASELINE_SNAPSHOT)
    return provider


@pytest.fixture
def leerid_admin(leerid_provider: LeerIDProvider) -> Iterator[LeerIDAdmin]:
    """A typed admin client of ``leerid_provider``."""
    from leerid_sim.testing import LeerIDAdmin

    with LeerIDAdmin(
        leerid_provider.base_url,
        leerid_provider.admin_token,
        client_secrets=leerid_provider.client_secrets,
    ) as admin:
        yield admin


@pytest.fixture
def leerid_login(leerid_provider: LeerIDProvider) -> Callable[..., LeerIDTokens]:
    """``leerid_login(client_id, username, password=..., scope=..., client_secret=...)``.

    Without ``client_secret``, a confidential client uses its demo secret, or the secret
    ``leerid_admin.create_client`` received for it in this test.
    """
    from leerid_sim.testing import LeerIDAdmin
    from leerid_sim.testing_login import PUPIL_PASSWORD, login

    def do_login(
        client_id: str,
        username: str,
        password: str = PUPIL_PASSWORD,
        *,
        scope: str = "openid",
        redirect_uri: str | None = None,
        client_secret: str | None = None,
        **extra: Any,
    ) -> LeerIDTokens:
        with LeerIDAdmin(leerid_provider.base_url, leerid_provider.admin_token) as admin:
            client = admin.client(client_id)
        if client_secret is None and client["has_secret"]:
            client_secret = leerid_provider.client_secrets.get(client_id)
        return login(
            leerid_provider.issuer,
            client_id,
            username,
            password=password,
            scope=scope,
            redirect_uri=redirect_uri or client["redirect_uris"][0],
            client_secret=client_secret,
            extra={k: str(v) for k, v in extra.items()},
        )

    return do_login
