"""The version of the leerid-sim distribution: pyproject.toml reads it from here, statically."""

from __future__ import annotations

__all__ = ["__version__"]

__version__ = "0.1.0"
