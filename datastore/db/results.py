"""What a data-modifying statement's result says: how many rows it touched."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult

__all__ = ["rowcount"]


def rowcount(result: Any) -> int:
    """The rows an UPDATE or DELETE matched. ``Session.execute`` is typed as returning a
    ``Result``; for these statements it is a ``CursorResult``, which counts them."""
    assert isinstance(result, CursorResult)
    return result.rowcount
