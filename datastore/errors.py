"""The named errors of the datastore's public API."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "AlreadyExists",
    "Conflict",
    "DatastoreError",
    "FixtureError",
    "NotFound",
    "RequestRefused",
    "database_problem",
]


class DatastoreError(Exception):
    """Base of every error the datastore raises on purpose."""


class NotFound(DatastoreError):
    """The thing asked for does not exist."""


class AlreadyExists(DatastoreError):
    """A unique key (username, client_id, instellingsnummer, ...) is taken."""


class Conflict(DatastoreError):
    """The change contradicts the state of the world (e.g. a code already consumed)."""


class RequestRefused(Exception):
    """The request is refused: raised by the ``mint`` of ``redeem_code`` and ``rotate_refresh``
    (the provider's OAuth errors are these). The code or refresh token stays claimed and the
    refusal is raised after the commit. Anything else ``mint`` raises is a fault of the
    provider: the claim is rolled back, and the code or token may be used again."""


class FixtureError(DatastoreError):
    """A world fixture is invalid: names the file, and the path inside it and the reason of
    each problem found (``problems``; ``path`` and ``reason`` are the first one's).

    ``str()`` is one line per problem, ``file: path: reason``.
    """

    def __init__(
        self, file: str, path: str, reason: str, *, more: Sequence[tuple[str, str]] = ()
    ) -> None:
        self.file = file
        self.path = path
        self.reason = reason
        self.problems: tuple[tuple[str, str], ...] = ((path, reason), *more)
        super().__init__("\n".join(f"{file}: {p}: {r}" for p, r in self.problems))

    @classmethod
    def of(cls, file: str, problems: Sequence[tuple[str, str]]) -> FixtureError:
        """The error of every ``(path, reason)`` in ``problems`` (at least one)."""
        (path, reason), *more = problems
        return cls(file, path, reason, more=more)


def database_problem(exc: BaseException) -> DatastoreError | None:
    """A one-line ``DatastoreError`` for a database that cannot be reached or has no schema.

    ``None`` when ``exc`` is not a database error. Callers outside the datastore (the command
    line) use it to say what is wrong without a traceback and without importing SQLAlchemy.
    """
    from sqlalchemy.exc import DBAPIError

    if not isinstance(exc, DBAPIError):
        return None
    text = str(exc.orig) if exc.orig is not None else str(exc)
    first = (text.strip().splitlines() or [type(exc).__name__])[0]
    return DatastoreError(
        f"the database cannot be used ({first}); is it reachable, and did "
        "'leerid-sim db upgrade' run?"
    )
