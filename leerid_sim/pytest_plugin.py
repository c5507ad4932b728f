"""pytest plugin (entry point ``pytest11``): a LeerID provider for service providers' tests.

Fixtures (docs/pytest-plugin.md), each started only when a test asks for it:

- ``leerid_provider``: a provider on a free 127.0.0.1 port, in this process, on a fresh SQLite
  database with the demo world (or ``--leerid-fixture FILE``, or a test's
  ``@pytest.mark.leerid_fixture(FILE)``). Started once per session; before each test the world
  goes back to the seeded state (a snapshot restore: clock, faults and changes undone).
- ``leerid_admin``: a typed client of the admin API (``leerid_sim.testing.LeerIDAdmin``).
- ``leerid_login``: ``leerid_login(client_id, username, password=..., scope=...)`` logs in
  through the real authorization endpoint, login form and token endpoint, and returns tokens;
  the scope defaults to ``openid ov_leerling``, everything the client's protocol allows.
- ``leerid_misbehave``: ``leerid_misbehave(scenario, client_id=..., count=1)`` makes the
  provider misbehave for that client's next logins (docs/rp-testing.md); its ``plays`` and
  ``assert_stopped`` tell whether the application went on.
- ``leerid_ca_bundle``: with ``--leerid-tls`` (or ini ``leerid_tls = true``) the provider serves
  https; this is the path of the CA certificate that verifies it (``None`` without TLS).
- ``leerid_browser_home``: a HOME folder whose NSS database trusts that CA, for Chromium.

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
    from leerid_sim.testing_misbehave import LeerIDMisbehave
    from leerid_sim.testing_server import LeerIDProvider

__all__ = [
    "leerid_admin",
    "leerid_browser_home",
    "leerid_ca_bundle",
    "leerid_login",
    "leerid_misbehave",
    "leerid_provider",
]


# What real LeerID clients ask: ``ov_leerling`` releases every attribute of the protocol.
DEFAULT_SCOPE = "openid ov_leerling"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("leerid", "LeerID simulator (leerid_provider fixture)")
    group.addoption(
        "--leerid-fixture",
        metavar="FILE",
        default=None,
        help="world fixture (YAML, docs/fixtures.md) for leerid_provider; default: the demo world",
    )
    group.addoption(
        "--leerid-tls",
        action="store_true",
        default=None,
        help="serve leerid_provider over https with a certificate of a local CA "
        "(leerid_ca_bundle is its certificate); also ini leerid_tls = true",
    )
    parser.addini("leerid_tls", "serve leerid_provider over https (see --leerid-tls)", "bool")


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
    tls = bool(request.config.getoption("--leerid-tls") or request.config.getini("leerid_tls"))
    with running_provider(tmp_path_factory.mktemp("leerid"), fixture, tls=tls) as provider:
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
        verify=leerid_provider.verify,
    ) as admin:
        yield admin


@pytest.fixture
def leerid_misbehave(leerid_admin: LeerIDAdmin) -> LeerIDMisbehave:
    """``leerid_misbehave(scenario, client_id=..., count=1)``: a misbehaving ACM for one client.

    The rules and their evidence go with the world at the start of the next test.
    """
    from leerid_sim.testing_misbehave import LeerIDMisbehave

    return LeerIDMisbehave(leerid_admin)


@pytest.fixture
def leerid_login(leerid_provider: LeerIDProvider) -> Callable[..., LeerIDTokens]:
    """``leerid_login(client_id, username, password=..., scope=..., client_secret=...)``.

    Without ``scope``, the login asks ``openid ov_leerling``: every attribute of the client's
    protocol, so a test that leaves the scope out still sees what a real LeerID client gets
    (``openid`` alone releases nothing but ``sub``). A staff-only client, which has no
    protocol, asks ``openid``. Without ``client_secret``, a confidential client uses its demo
    secret, or the secret ``leerid_admin.create_client`` received for it in this test.
    """
    from leerid_sim.testing import LeerIDAdmin
    from leerid_sim.testing_login import PUPIL_PASSWORD, login

    def do_login(
        client_id: str,
        username: str,
        password: str = PUPIL_PASSWORD,
        *,
        scope: str | None = None,
        redirect_uri: str | None = None,
        client_secret: str | None = None,
        **extra: Any,
    ) -> LeerIDTokens:
        with LeerIDAdmin(
            leerid_provider.base_url, leerid_provider.admin_token, verify=leerid_provider.verify
        ) as admin:
            client = admin.client(client_id)
        if scope is None:
            scope = "openid" if client["staff_only"] else DEFAULT_SCOPE
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
            verify=leerid_provider.verify,
        )

    return do_login


@pytest.fixture
def leerid_ca_bundle(leerid_provider: LeerIDProvider) -> str | None:
    """The CA certificate (PEM path) that verifies ``leerid_provider`` under TLS, else None.

    httpx: ``httpx.Client(verify=ssl.create_default_context(cafile=leerid_ca_bundle))``;
    requests: ``requests.get(url, verify=leerid_ca_bundle)``; or ``SSL_CERT_FILE`` /
    ``REQUESTS_CA_BUNDLE`` for an application that reads them.
    """
    return leerid_provider.ca_bundle


@pytest.fixture(scope="session")
def leerid_browser_home(
    _leerid_provider_session: LeerIDProvider, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A HOME folder whose NSS database trusts the provider's CA (Chromium reads it there).

    Launch Chromium with ``env={**os.environ, "HOME": str(leerid_browser_home)}``. Skips when
    the provider runs without TLS or NSS's ``certutil`` is missing.
    """
    from leerid_sim.testing_tls import CertutilMissing, browser_home

    ca_bundle = _leerid_provider_session.ca_bundle
    if ca_bundle is None:
        pytest.skip("leerid_browser_home needs the provider over https (--leerid-tls)")
    try:
        return browser_home(ca_bundle, tmp_path_factory.mktemp("leerid-browser-home"))
    except CertutilMissing as exc:
        pytest.skip(str(exc))
