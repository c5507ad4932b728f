"""``upsert``: a model's row found by its natural key, created or changed to the given values.

Generic over the models; each table's owner calls it for its own model, so that loading a world
changes every table through the module that writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from datastore.db.models import Base

__all__ = ["upsert"]

M = TypeVar("M", bound=Base)


def upsert(
    session: Session, model: type[M], where: Sequence[ColumnElement[bool]], **values: Any
) -> M:
    """Within ``session``: the row matching ``where``, created or updated to ``values``.

    Only a value that differs is set, so that loading the same world twice changes nothing.
    """
    row = session.scalars(select(model).where(*where)).one_or_none()
    if row is None:
        row = model(**values)
        session.add(row)
    else:
        for name, value in values.items():
            if getattr(row, name) != value:
                setattr(row, name, value)
    session.flush()
    return row
