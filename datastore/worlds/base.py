"""What every part of a world's writer shares: the session and the rows written so far by
natural key (``writer.Writer``). Rows are written by their tables' owners in ``datastore.admin``,
whose ``upsert_*`` functions change only what the file says otherwise."""

from __future__ import annotations

import datetime as dt
from typing import NoReturn

from sqlalchemy.orm import Session

from datastore.db.models import School, SchoolClass
from datastore.errors import FixtureError

__all__ = ["WORLD_EPOCH", "Upserter"]

# Creation time of fixture rows that do not say otherwise: fixed, so seeding is repeatable.
WORLD_EPOCH = dt.datetime(2025, 9, 1, 6, 0, tzinfo=dt.UTC)


class Upserter:
    """One world's writing session; fails with the path in the file of a conflict."""

    def __init__(self, session: Session, file: str, issuer: str, rp_origin: str | None) -> None:
        self.session = session
        self.file = file
        self.issuer = issuer
        self.rp_origin = rp_origin
        self.schools: dict[str, School] = {}
        self.classes: dict[tuple[str, str], SchoolClass] = {}
        self.pupil_ids: dict[str, int] = {}
        self.epoch = WORLD_EPOCH

    def fail(self, path: str, reason: str) -> NoReturn:
        raise FixtureError(self.file, path, reason)
