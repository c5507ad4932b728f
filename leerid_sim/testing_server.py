"""A LeerID provider in this process: uvicorn on a free 127.0.0.1 port, in a background thread.

Used by the pytest plugin (``leerid_provider``), and by anyone who wants a provider inside a
test run without the plugin: ``with running_provider(tmp_dir) as provider: ...``.
"""

from __future__ import annotations

import secrets
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BASELINE_SNAPSHOT", "DEMO_SECRETS", "LeerIDProvider", "running_provider"]

# The snapshot saved right after seeding; each test starts from it.
BASELINE_SNAPSHOT = "leerid-pytest-baseline"
DEMO_SECRETS = {
    "ididdit": "ididdit-demo-secret",
    "i-learn": "i-learn-demo-secret",
    "i-learn-acm": "i-learn-acm-demo-secret",
    "klasapp": "klasapp-demo-secret",
    "stopgezet": "stopgezet-demo-secret",
}


@dataclass
class LeerIDProvider:
    """A running provider: where it is, its admin token, and the world it was seeded with."""

    base_url: str
    issuer: str
    admin_token: str
    database_url: str
    fixture: Path | None
    store: Any = field(repr=False)
    settings: Any = field(repr=False)
    client_secrets: dict[str, str] = field(default_factory=lambda: dict(DEMO_SECRETS))
    # Under TLS: the local CA's certificate (PEM) that verifies the provider; else ``None``.
    ca_bundle: str | None = None

    @property
    def verify(self) -> Any:
        """What an httpx or requests client passes as ``verify``: the CA bundle, or True."""
        return self.ca_bundle or True

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def reseed(self, fixture: Path | None) -> None:
        """Replace the world with ``fixture`` (``None``: the demo world), at once.

        No rp_demo runs beside this provider: back-channel logout URIs written for it are left
        out, so the provider never posts logout tokens to an address the tests did not start.
        """
        from datastore import DEMO_WORLD, load_world

        self.store.control.wipe_world()
        load_world(
            self.store,
            fixture or DEMO_WORLD,
            issuer=self.issuer,
            rp_origin=None,
            hashing=_hashing(self),
        )


def _hashing(provider: LeerIDProvider) -> Any:
    from datastore import Argon2Parameters, PasswordHashing

    settings = provider.settings
    return PasswordHashing.shared(
        Argon2Parameters(
            memory_cost=settings.argon2_memory_kib,
            time_cost=settings.argon2_time_cost,
            parallelism=settings.argon2_parallelism,
        )
    )


@contextmanager
def running_provider(
    workdir: Path, fixture: Path | None = None, *, tls: bool = False
) -> Iterator[LeerIDProvider]:
    """Start a provider on a fresh SQLite database seeded with ``fixture`` (or the demo world).

    With ``tls`` it serves https (issuer ``https://127.0.0.1:PORT/op``) with a certificate of
    a local CA made in ``workdir/tls``: ``provider.ca_bundle`` is the CA's certificate.

    Password hashing uses the cheapest argon2id: a test suite is not where hash cost matters.
    """
    import uvicorn

    from datastore import Datastore, upgrade
    from idp import ProviderSettings, create_app

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    base_url = f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    database_url = f"sqlite:///{workdir / 'leerid.db'}"
    upgrade(database_url)
    settings = ProviderSettings(
        host="127.0.0.1",
        port=port,
        issuer=f"{base_url}/op",
        database_url=database_url,
        admin_token=secrets.token_urlsafe(24),
        argon2_memory_kib=8,
        argon2_time_cost=1,
        argon2_parallelism=1,
        tls=tls,
        tls_dir=str(workdir / "tls") if tls else None,
    )
    ssl_files: dict[str, Any] = {}
    ca_bundle: str | None = None
    if tls:
        from leerid_sim.options import server_tls

        files = server_tls(settings)
        assert files is not None
        ssl_files = {"ssl_certfile": str(files.certfile), "ssl_keyfile": str(files.keyfile)}
        ca_bundle = str(files.ca_file)
    store = Datastore.from_url(database_url)
    provider = LeerIDProvider(
        base_url=base_url,
        issuer=settings.issuer,
        admin_token=settings.effective_admin_token() or "",
        database_url=database_url,
        fixture=fixture,
        store=store,
        settings=settings,
        ca_bundle=ca_bundle,
    )
    provider.reseed(fixture)
    store.control.save_snapshot(BASELINE_SNAPSHOT, replace=True)
    app = create_app(settings, store=store)
    app.state.world_fixture = str(fixture) if fixture else None
    app.state.world_rp_origin = None
    config = uvicorn.Config(
        app,
        log_level="warning",
        lifespan="on",
        ws="none",
        http="h11",
        access_log=False,
        **ssl_files,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="leerid-provider", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the LeerID provider did not start")
            time.sleep(0.01)
        yield provider
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        store.dispose()
