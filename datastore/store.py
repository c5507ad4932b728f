"""The ``Datastore``: the ``Database`` with the repositories of the public API."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from datastore.db.database import Database

if TYPE_CHECKING:
    # The repositories are imported on first use (below).
    from datastore.admin.repository import AdminRepository
    from datastore.control.misbehave import MisbehaveRepository
    from datastore.control.repository import ControlRepository
    from datastore.protocol.logs import LogRepository
    from datastore.protocol.oidc import OidcRepository
    from datastore.protocol.throttle import ThrottleRepository
    from datastore.protocol.world import WorldRepository
    from datastore.schoolloket.repository import SchoolloketRepository

__all__ = ["Datastore"]


class Datastore(Database):
    """The LeerID datastore. The only way into the database for every other package.

    Repositories hang off it by concern (``store.world``, ``store.oidc``, ...); each method is one
    short transaction and returns frozen records, never ORM rows. Each is built on the
    ``Database`` alone, so none depends on the others through it.
    """

    # The repositories, each built on first use: a worker that only serves the protocol never
    # imports the admin API's or the Schoolloket's queries (cold start). Building one
    # twice in a race is harmless: they hold nothing but the store.

    @cached_property
    def world(self) -> WorldRepository:
        from datastore.protocol.world import WorldRepository

        return WorldRepository(self)

    @cached_property
    def logs(self) -> LogRepository:
        from datastore.protocol.logs import LogRepository

        return LogRepository(self)

    @cached_property
    def schoolloket(self) -> SchoolloketRepository:
        from datastore.schoolloket.repository import SchoolloketRepository

        return SchoolloketRepository(self)

    @cached_property
    def admin(self) -> AdminRepository:
        from datastore.admin.repository import AdminRepository

        return AdminRepository(self)

    @cached_property
    def control(self) -> ControlRepository:
        from datastore.control.repository import ControlRepository

        return ControlRepository(self)

    @cached_property
    def misbehave(self) -> MisbehaveRepository:
        from datastore.control.misbehave import MisbehaveRepository

        return MisbehaveRepository(self)

    @cached_property
    def oidc(self) -> OidcRepository:
        from datastore.protocol.oidc import OidcRepository

        return OidcRepository(self)

    @cached_property
    def throttle(self) -> ThrottleRepository:
        from datastore.protocol.throttle import ThrottleRepository

        return ThrottleRepository(self)
