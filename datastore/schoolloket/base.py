"""A read transaction whose loaded rows stay readable after it ends (Schoolloket modules)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["reading"]


@contextmanager
def reading(store: Database) -> Iterator[Session]:
    """``store.read()``, detaching the loaded rows before the rollback would expire them."""
    with store.read() as session:
        try:
            yield session
        finally:
            session.expunge_all()
