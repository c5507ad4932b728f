"""The provider's per-process context: settings, datastore, caches, URLs and templates.

One ``Provider`` hangs off ``app.state.provider``; endpoints receive it as a dependency.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request

from datastore import Argon2Parameters, Datastore, PasswordHashing
from idp.client_keys import RemoteKeySets
from idp.clients import ClientCache
from idp.keys import KeyRing
from idp.settings import ProviderSettings

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["Endpoints", "Provider", "ProviderDep", "get_provider"]


@dataclass(frozen=True, slots=True)
class Endpoints:
    """The issuer and every endpoint URL under it (paths as on the real ACM)."""

    issuer: str
    prefix: str  # the path part of the issuer, where the OIDC routes live ("/op")

    @classmethod
    def from_issuer(cls, issuer: str) -> Endpoints:
        return cls(issuer=issuer, prefix=urlsplit(issuer).path.rstrip("/"))

    def url(self, path: str) -> str:
        return f"{self.issuer}{path}"

    @property
    def cookie_path(self) -> str:
        return self.prefix or "/"


class Provider:
    """Everything a request of this process shares; nothing here is parsed per request."""

    def __init__(self, settings: ProviderSettings, store: Datastore) -> None:
        self.settings = settings
        self.store = store
        self.endpoints = Endpoints.from_issuer(settings.issuer)
        self.keys = KeyRing(store)
        self.clients = ClientCache(store)
        self.hashing = PasswordHashing.shared(
            Argon2Parameters(
                memory_cost=settings.argon2_memory_kib,
                time_cost=settings.argon2_time_cost,
                parallelism=settings.argon2_parallelism,
            )
        )
        # Keys of private_key_jwt clients that publish them at a jwks_uri.
        self.remote_keys = RemoteKeySets(settings.outbound_ssl_context())
        # Back-channel logout runs here, so it never delays the logout response.
        self.background = ThreadPoolExecutor(max_workers=4, thread_name_prefix="backchannel")
        self._secrets: dict[str, bytes] = {}
        self._secrets_lock = threading.Lock()

    def secret(self, name: str) -> bytes:
        """A server secret shared by every worker, kept in the datastore (made on first use)."""
        value = self._secrets.get(name)
        if value is None:
            with self._secrets_lock:
                text = self.store.oidc.secret(
                    name, lambda: secrets.token_urlsafe(48), self.store.clock.now()
                )
                value = self._secrets[name] = text.encode()
        return value

    def pairwise_sub(self, sector: str, account_uuid: str) -> str:
        """Pairwise ``sub`` (OIDC Core §8.1): HMAC-SHA256 of sector and account, base64url.

        The sector is the client's ``sector_identifier`` or else its client_id:
        stronger than the host-based default, so two clients on one host never share a ``sub``.
        """
        digest = hmac.new(
            self.secret("pairwise_sub"),
            f"{sector}\x00{account_uuid}".encode(),
            hashlib.sha256,
        ).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    @cached_property
    def templates(self) -> Environment:
        """The HTML pages' templates, loaded on the first page a worker renders (not at start)."""
        from jinja2 import Environment, PackageLoader, select_autoescape

        return Environment(
            loader=PackageLoader("idp", "templates"),
            autoescape=select_autoescape(default=True),
            auto_reload=False,
        )

    def close(self) -> None:
        """Stop the back-channel deliveries before the datastore closes.

        Deliveries not yet started are dropped; one under way finishes (it is bounded by
        ``backchannel_logout_timeout_seconds``), because a failed one still records its event:
        after the store had closed, that write opened a connection in a fresh pool that nobody
        closed any more.
        """
        self.background.shutdown(wait=True, cancel_futures=True)


def get_provider(request: Request) -> Provider:
    """FastAPI dependency: the provider of this app."""
    provider: Provider = request.app.state.provider
    return provider


ProviderDep = Annotated[Provider, Depends(get_provider)]
