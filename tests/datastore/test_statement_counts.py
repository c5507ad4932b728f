"""The provider's hot path sends a fixed, small number of statements, whatever the world's size.

SSO authorize (session lookup, ``create_code``), the token grants (``redeem_code``,
``rotate_refresh``: release facts, claim, one insert round; on SQLite a look and the facts
before the write transaction too, unless the grant signs nothing) and UserInfo (``token``,
``record_release``): each count is pinned per database, so that a change that adds a
statement or a transaction to one of them shows here. The rows they write are checked too:
the privacy log and the protocol events read the same whichever way they were inserted (on
PostgreSQL one statement's data-modifying CTEs run in no set order, so ids say nothing about
which row came first). The test writes, so it has a demo world of its own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from datastore import Datastore, PasswordHashing, sha256_hex
from datastore.protocol.logs import PrivacyRelease
from datastore.protocol.oidc import CodeGrant, ProtocolEvent, TokenIssue
from datastore.worlds.load import load_demo

# (statements, commits) per call; PostgreSQL's single-statement writes run in autocommit.
EXPECTED = {
    "sqlite": {
        "session": (1, 0),
        "session_with_account": (1, 0),
        "create_code": (2, 1),
        # look, facts (both before the write transaction), facts again (the account row locked;
        # a change since the look is minted anew), claim, tokens, session client, privacy log,
        # event
        "redeem_code": (8, 1),
        "rotate_refresh": (7, 1),  # the session client is there already
        # a mint that signs nothing runs inside the transaction: no look, no facts before it
        "rotate_refresh_unsigned": (5, 1),
        "token": (1, 0),
        "record_release": (2, 1),
    },
    "postgresql": {
        "session": (1, 0),
        "session_with_account": (1, 0),
        "create_code": (1, 0),
        # facts (FOR SHARE of the account, found by the code or token), claim, one insert for
        # every row: minted inside the transaction, no read before it
        "redeem_code": (3, 1),
        "rotate_refresh": (3, 1),
        "rotate_refresh_unsigned": (3, 1),
        "token": (1, 0),
        "record_release": (1, 0),
    },
}


def _count(store: Datastore, call: Callable[[], Any], statements: list[str]) -> tuple[int, int]:
    with store.statement_log() as log:
        call()
    statements.extend(log.statements)
    return len(log.statements), log.commits


def _release(client_id: str, account_uuid: str, channel: str) -> PrivacyRelease:
    return PrivacyRelease(
        client_id=client_id,
        organisation="Test organisation",
        protocol_reference="TEST-1",
        account_uuid=account_uuid,
        attributes=("naam", "voornaam"),
        legal_basis="AVG art. 6.1.c",
        purpose="statement counts",
        channel=channel,
        retention_days=30,
    )


@pytest.fixture
def demo(store: Datastore, cheap_hashing: PasswordHashing) -> Datastore:
    """The demo world in a fresh database of this test's own: it writes sessions and tokens."""
    load_demo(store, hashing=cheap_hashing)
    return store


def test_hot_path_statement_counts(demo: Datastore) -> None:
    store = demo
    client = store.world.client("i-learn")
    account = store.world.account_by_username("jan.peeters")
    assert client is not None
    assert account is not None
    now = store.clock.now()
    later = now + dt.timedelta(hours=1)
    tag = f"counts-{store.dialect}"
    session = store.oidc.create_session(
        id_hash=sha256_hex(tag), sid=tag, account_id=account.id, now=now, expires_at=later
    )

    def issue(name: str, code_id: int | None, family: str) -> TokenIssue:
        return TokenIssue(
            client_id=client.client_id,
            account_id=account.id,
            session_id=session.id,
            code_id=code_id,
            family_id=family,
            scope="openid",
            auth_time=now,
            access_hash=sha256_hex(f"{tag}-access-{name}"),
            access_expires_at=later,
            refresh_hash=sha256_hex(f"{tag}-refresh-{name}"),
            refresh_expires_at=later,
            releases=(_release(client.client_id, account.account_uuid, "id_token"),),
            event=ProtocolEvent("token", "success", client_id=client.client_id),
        )

    def create_code() -> None:
        store.oidc.create_code(
            CodeGrant(
                code_hash=sha256_hex(f"{tag}-code"),
                client_id=client.client_id,
                account_id=account.id,
                session_id=session.id,
                redirect_uri="http://127.0.0.1:8001/callback",
                scope="openid",
                nonce=None,
                code_challenge=None,
                code_challenge_method=None,
                auth_time=now,
                expires_at=later,
            ),
            now,
            ProtocolEvent("authorization", "success", client_id=client.client_id),
        )

    def redeem() -> None:
        store.oidc.redeem_code(
            sha256_hex(f"{tag}-code"),
            client.client_id,
            client.application_id,
            now,
            lambda code, facts: (issue("1", code.id, tag), None),
        )

    def rotate() -> None:
        store.oidc.rotate_refresh(
            sha256_hex(f"{tag}-refresh-1"),
            client.client_id,
            client.application_id,
            now,
            lambda token, facts: (issue("2", token.code_id, token.family_id), None),
        )

    def rotate_unsigned() -> None:
        store.oidc.rotate_refresh(
            sha256_hex(f"{tag}-refresh-2"),
            client.client_id,
            client.application_id,
            now,
            lambda token, facts: (issue("3", token.code_id, token.family_id), None),
            signs=False,
        )

    def record_release() -> None:
        store.oidc.record_release(
            [_release(client.client_id, account.account_uuid, "userinfo")],
            ProtocolEvent("userinfo", "success", client_id=client.client_id),
            now,
        )

    calls = {
        "session": lambda: store.oidc.session(sha256_hex(tag), now),
        "session_with_account": lambda: store.oidc.session_with_account(sha256_hex(tag), now),
        "create_code": create_code,
        "redeem_code": redeem,
        "rotate_refresh": rotate,
        "rotate_refresh_unsigned": rotate_unsigned,
        "token": lambda: store.oidc.token(sha256_hex(f"{tag}-access-2")),
        "record_release": record_release,
    }
    sent: list[str] = []
    counts = {name: _count(store, call, sent) for name, call in calls.items()}
    assert counts == EXPECTED[store.dialect], sent

    # Everything landed: the tokens, the session client, the privacy log and the events.
    rotated = store.oidc.token(sha256_hex(f"{tag}-refresh-1"))
    rotated_unsigned = store.oidc.token(sha256_hex(f"{tag}-refresh-2"))
    successor = store.oidc.token(sha256_hex(f"{tag}-refresh-3"))
    access = store.oidc.token(sha256_hex(f"{tag}-access-3"))
    assert rotated is not None
    assert rotated.rotated_at == now
    assert rotated_unsigned is not None
    assert rotated_unsigned.rotated_at == now
    assert successor is not None
    assert successor.usable_at(now)
    assert successor.sid == tag
    assert access is not None
    assert access.kind == "access"
    ended = store.oidc.end_session(now=now, sid=tag)
    assert ended is not None
    assert ended.client_ids == (client.client_id,)
    entries = store.logs.privacy_entries(client_id=client.client_id).items
    assert sorted(e.channel for e in entries) == [
        "id_token",
        "id_token",
        "id_token",
        "userinfo",
    ]
    entry = next(e for e in entries if e.channel == "userinfo")
    assert entry.as_dict() | {"id": 0} == {
        "id": 0,
        "at": now.isoformat(),
        "client_id": client.client_id,
        "organisation": "Test organisation",
        "protocol": "TEST-1",
        "account_uuid": account.account_uuid,
        "attributes": ["naam", "voornaam"],
        "legal_basis": "AVG art. 6.1.c",
        "purpose": "statement counts",
        "channel": "userinfo",
        "retention_days": 30,
    }
    events = store.logs.events(client_id=client.client_id).items
    kinds = [(e.type, e.outcome, e.detail) for e in events]
    assert sorted(kinds, key=str) == sorted(
        [
            ("authorization", "success", None),
            ("token", "success", None),
            ("token", "success", None),
            ("token", "success", None),
            ("userinfo", "success", None),
        ],
        key=str,
    )
