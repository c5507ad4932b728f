"""The Schoolloket's repository (``store.schoolloket``): everything the school portal needs stored.

One concern per module, joined here:

- ``schoolloket_roles``: roles on the simulated clock's date, and the weekly staff upload;
- ``schoolloket_sharing``: activating and stopping class sharing (protocol acceptances);
- ``schoolloket_pupils``: finding pupils, password resets, distribution sheets;
- ``schoolloket_visibility``: which applications are visible to whom;
- ``schoolloket_package``: the administration-package API and the drop server;
- ``schoolloket_log``: the access log;
- ``schoolloket_sessions``: the Schoolloket's server-side sessions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from datastore.schoolloket.log import AccessLogMixin
from datastore.schoolloket.package import PackageMixin
from datastore.schoolloket.pupils import PupilsMixin
from datastore.schoolloket.roles import RolesMixin
from datastore.schoolloket.sessions import SessionsMixin
from datastore.schoolloket.sharing import NotPermitted, SharingMixin
from datastore.schoolloket.visibility import VisibilityMixin

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["NotPermitted", "SchoolloketRepository"]


class SchoolloketRepository(
    RolesMixin,
    SharingMixin,
    PupilsMixin,
    VisibilityMixin,
    PackageMixin,
    AccessLogMixin,
    SessionsMixin,
):
    """The Schoolloket's datastore API; each method is one short transaction."""

    def __init__(self, store: Database) -> None:
        self._store = store
