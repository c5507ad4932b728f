"""What every part of a world's writer shares: the session, the rows written so far by natural
key, and the upsert that changes only what the file says otherwise (``writer.Writer``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, NoReturn, TypeVar

from sqlalchemy import ColumnElement
from sqlalchemy.orm import Session

from datastore.db.models import Base, School, SchoolClass
from datastore.db.upsert import upsert
from datastore.errors import FixtureError

__all__ = ["WORLD_EPOCH", "Upserter"]

# Creation time of fixture rows that do not say otherwise: fixed, so seeding is repeatable.
WORLD_EPOCH = dt.datetime(2025, 9, 1, 6, 0, tzinfo=dt.UTC)

M = TypeVar("M", bound=Base)


class Upserter:
    """Upserts within one session; fails with the path in the file of a conflict."""

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

    def upsert(self, model: type[M], where: Sequence[ColumnElement[bool]], **values: Any) -> M:
        """The row matching ``where``, created or updated to ``values`` (only real changes)."""
        return upsert(self.session, model, where, **values)
