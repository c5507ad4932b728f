"""The named errors of the datastore's public API."""

from __future__ import annotations

__all__ = ["AlreadyExists", "Conflict", "DatastoreError", "FixtureError", "NotFound"]


class DatastoreError(Exception):
    """Base of every error the datastore raises on purpose."""


class NotFound(DatastoreError):
    """The thing asked for does not exist."""


class AlreadyExists(DatastoreError):
    """A unique key (username, client_id, instellingsnummer, ...) is taken."""


class Conflict(DatastoreError):
    """The change contradicts the state of the world (e.g. a code already consumed)."""


class FixtureError(DatastoreError):
    """A world fixture is invalid: names the file, the path inside it and the reason."""

    def __init__(self, file: str, path: str, reason: str) -> None:
        self.file = file
        self.path = path
        self.reason = reason
        super().__init__(f"{file}: {path}: {reason}")
