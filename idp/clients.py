"""Registered clients, cached per process and reloaded when the generation changes.

The admin API bumps the generation with every client or protocol change, so a
change reaches every worker within a second while a request costs no client query.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import urlsplit

from datastore import ClientRecord, Datastore

__all__ = ["ClientCache"]


@dataclass(frozen=True, slots=True)
class _Snapshot:
    generation: int
    clients: dict[str, ClientRecord]
    public_origins: frozenset[str]


class ClientCache:
    """``client_id`` -> ``ClientRecord`` for this process."""

    def __init__(self, store: Datastore) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = None

    def get(self, client_id: str | None) -> ClientRecord | None:
        """The client, or ``None`` when no such client is registered."""
        if not client_id:
            return None
        return self._current().clients.get(client_id)

    def public_origins(self) -> frozenset[str]:
        """Origins of public clients' redirect URIs: the CORS allow-list, and no other origin."""
        return self._current().public_origins

    def _current(self) -> _Snapshot:
        generation = self._store.clock.generation()
        snapshot = self._snapshot
        if snapshot is not None and snapshot.generation == generation:
            return snapshot
        with self._lock:
            if self._snapshot is None or self._snapshot.generation != generation:
                clients = {c.client_id: c for c in self._store.world.clients()}
                origins = frozenset(
                    _origin(uri) for c in clients.values() if c.is_public for uri in c.redirect_uris
                )
                self._snapshot = _Snapshot(generation, clients, origins)
            return self._snapshot


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"
