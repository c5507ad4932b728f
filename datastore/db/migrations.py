"""Run the Alembic migrations programmatically (``leerid-sim db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command
from datastore.db.engine import normalise_url

__all__ = ["alembic_config", "upgrade"]

_SCRIPT_LOCATION = Path(__file__).resolve().parents[2] / "alembic"


def alembic_config(url: str) -> Config:
    """An Alembic configuration for the database at ``url``."""
    if not _SCRIPT_LOCATION.is_dir():
        raise FileNotFoundError(f"the migrations are missing: {_SCRIPT_LOCATION}")
    config = Config()
    config.set_main_option("script_location", str(_SCRIPT_LOCATION))
    config.attributes["url"] = normalise_url(url)
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision`` (default: the newest)."""
    command.upgrade(alembic_config(url), revision)
