"""Alembic is the only source of the schema: the models and the migrations agree."""

from __future__ import annotations

from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alembic import command
from datastore import Datastore
from datastore.migrations import alembic_config
from datastore.models import Base


def test_autogenerate_finds_no_difference(store: Datastore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def _differences(store: Datastore) -> list[Any]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def test_the_token_acr_revision_goes_down_and_up_again(store: Datastore) -> None:
    config = alembic_config(store.engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0003")
    store.engine.dispose()
    missing = {(d[0], d[2], d[3].name) for d in _differences(store)}
    assert missing == {
        ("add_column", "authorization_codes", "acr"),
        ("add_column", "tokens", "acr"),
    }
    command.upgrade(config, "head")
    store.engine.dispose()
    assert _differences(store) == []
