"""Alembic is the only source of the schema: the models and the migrations agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from alembic import command
from datastore import Datastore, PasswordHashing
from datastore.db.migrations import alembic_config
from datastore.db.models import Base
from datastore.protocol.oidc import TokenIssue
from datastore.worlds.load import load_demo


def test_autogenerate_finds_no_difference(store: Datastore) -> None:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    assert differences == []


def _differences(store: Datastore) -> list[Any]:
    with store.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))


def _changes(store: Datastore) -> set[tuple[str, str, str]]:
    """The differences as (operation, table, column); a column's changes come as a list."""
    changes = set()
    for difference in _differences(store):
        for change in difference if isinstance(difference, list) else [difference]:
            column = change[3].name if change[0] == "add_column" else change[3]
            changes.add((change[0], change[2], column))
    return changes


def test_the_token_acr_revision_goes_down_and_up_again(store: Datastore) -> None:
    config = alembic_config(store.engine.url.render_as_string(hide_password=False))
    command.downgrade(config, "0003")
    store.engine.dispose()
    assert _changes(store) == {
        ("add_column", "authorization_codes", "acr"),
        ("add_column", "tokens", "acr"),
        ("modify_nullable", "tokens", "account_id"),
    }
    command.upgrade(config, "head")
    store.engine.dispose()
    assert _differences(store) == []


def _issue(token_hash: str, account_id: int | None, now: dt.datetime) -> TokenIssue:
    return TokenIssue(
        client_id="ididdit",
        account_id=account_id,
        session_id=None,
        code_id=None,
        family_id=token_hash,
        scope="openid",
        auth_time=now,
        access_hash=token_hash,
        access_expires_at=now + dt.timedelta(hours=1),
        refresh_hash=None,
        refresh_expires_at=None,
    )


def test_tokens_without_account_come_with_revision_0005_and_go_with_its_downgrade(
    store: Datastore, cheap_hashing: PasswordHashing
) -> None:
    load_demo(store, hashing=cheap_hashing)
    now = store.clock.now()
    account = store.world.account_by_username("jan.peeters")
    assert account is not None
    store.oidc.issue_tokens(_issue("a" * 64, account.id, now), now)
    store.oidc.issue_tokens(_issue("b" * 64, None, now), now)
    config = alembic_config(store.engine.url.render_as_string(hide_password=False))
    store.engine.dispose()
    command.downgrade(config, "0004")
    store.engine.dispose()
    assert _changes(store) == {("modify_nullable", "tokens", "account_id")}
    kept = store.oidc.token("a" * 64)
    assert kept is not None
    assert kept.account_id == account.id
    assert store.oidc.token("b" * 64) is None
    command.upgrade(config, "head")
    store.engine.dispose()
    assert _differences(store) == []
    store.oidc.issue_tokens(_issue("c" * 64, None, now), now)
    issued = store.oidc.token("c" * 64)
    assert issued is not None
    assert issued.account_id is None
