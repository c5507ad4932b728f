"""The error a command raises for a user's mistake."""

from __future__ import annotations

__all__ = ["CommandError"]


class CommandError(Exception):
    """A user error in a command: printed as one line, exit status 2."""
