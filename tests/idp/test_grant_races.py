"""Claim, mint and store are one transaction (RFC 6749 §4.1.2, OAuth 2.0 Security BCP
§4.14.2): a replay that arrives while the winner is still minting waits for it, is rejected as
``reused``, and revokes what the winner issued, on SQLite and on PostgreSQL.

The HTTP-level races across two processes are in tests/scale; here the winner is held inside
its minting step, so the replay surely arrives between claim and commit.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest

from datastore import Datastore, sha256_hex
from datastore.oidc import CodeGrant, CodeRejected, RefreshRejected, TokenIssue

REDIRECT_URI = "http://127.0.0.1:8001/callback"
WAIT_S = 10.0


def _grant(store: Datastore) -> tuple[str, int, int, dt.datetime]:
    client = store.world.client("i-learn")
    account = store.world.account_by_username("jan.peeters")
    assert client is not None
    assert account is not None
    return client.client_id, client.application_id, account.id, store.clock.now()


def _issue(
    client_id: str, account_id: int, code_id: int | None, family: str, name: str, now: dt.datetime
) -> TokenIssue:
    later = now + dt.timedelta(hours=1)
    return TokenIssue(
        client_id=client_id,
        account_id=account_id,
        session_id=None,
        code_id=code_id,
        family_id=family,
        scope="openid",
        auth_time=now,
        access_hash=sha256_hex(f"access-{name}"),
        access_expires_at=later,
        refresh_hash=sha256_hex(f"refresh-{name}"),
        refresh_expires_at=later,
    )


def _new_code(store: Datastore, code: str) -> None:
    client_id, _, account_id, now = _grant(store)
    store.oidc.create_code(
        CodeGrant(
            code_hash=sha256_hex(code),
            client_id=client_id,
            account_id=account_id,
            session_id=None,
            redirect_uri=REDIRECT_URI,
            scope="openid",
            nonce=None,
            code_challenge=None,
            code_challenge_method=None,
            auth_time=now,
            expires_at=now + dt.timedelta(seconds=30),
        ),
        now,
        None,
    )


def _race(winner: Callable[[Callable[..., Any]], Any], replay: Callable[[], Any]) -> Any:
    """Run ``winner`` with a mint step that waits until ``replay`` is under way; the replay's
    outcome (its exception) is returned."""
    entered, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def held(make: Callable[[Any], TokenIssue]) -> Callable[..., tuple[TokenIssue, str]]:
        def mint(record: Any, _facts: object) -> tuple[TokenIssue, str]:
            entered.set()
            assert release.wait(WAIT_S)
            return make(record), "winner"

        return mint

    def run_winner() -> None:
        outcome["winner"] = winner(held)

    def run_replay() -> None:
        try:
            outcome["replay"] = replay()
        except Exception as exc:
            outcome["replay"] = exc

    first = threading.Thread(target=run_winner)
    first.start()
    assert entered.wait(WAIT_S)
    second = threading.Thread(target=run_replay)
    second.start()
    second.join(0.3)  # it waits: for the row lock (PostgreSQL) or the writer (SQLite)
    assert second.is_alive()
    release.set()
    first.join(WAIT_S)
    second.join(WAIT_S)
    assert outcome["winner"] == "winner"
    return outcome["replay"]


def _never(*_: object) -> tuple[TokenIssue, str]:
    raise AssertionError("a replay must not mint")


def test_a_code_replay_during_minting_revokes_the_winners_tokens(demo_store: Datastore) -> None:
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    _new_code(store, "the-code")
    code_hash = sha256_hex("the-code")

    def winner(held: Callable[..., Any]) -> Any:
        def make(record: Any) -> TokenIssue:
            return _issue(client_id, account_id, record.id, "fam-a", "a", now)

        return store.oidc.redeem_code(code_hash, client_id, app_id, now, held(make))

    replay = _race(
        winner, lambda: store.oidc.redeem_code(code_hash, client_id, app_id, now, _never)
    )
    assert isinstance(replay, CodeRejected)
    assert replay.reason == "reused"
    for name in ("access-a", "refresh-a"):
        token = store.oidc.token(sha256_hex(name))
        assert token is not None
        assert token.revoked_at is not None, name


def test_a_refresh_replay_during_rotation_revokes_the_successors(demo_store: Datastore) -> None:
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    _new_code(store, "code-r")
    store.oidc.redeem_code(
        sha256_hex("code-r"),
        client_id,
        app_id,
        now,
        lambda record, _facts: (_issue(client_id, account_id, record.id, "fam-r", "1", now), 0),
    )
    first_refresh = sha256_hex("refresh-1")

    def winner(held: Callable[..., Any]) -> Any:
        def make(record: Any) -> TokenIssue:
            return _issue(client_id, account_id, record.code_id, "fam-r", "2", now)

        return store.oidc.rotate_refresh(first_refresh, client_id, app_id, now, held(make))

    replay = _race(
        winner, lambda: store.oidc.rotate_refresh(first_refresh, client_id, app_id, now, _never)
    )
    assert isinstance(replay, RefreshRejected)
    assert replay.reason == "reused"
    for name in ("access-1", "access-2", "refresh-2"):
        token = store.oidc.token(sha256_hex(name))
        assert token is not None
        assert token.revoked_at is not None, name


def test_a_refused_request_still_consumes_the_code(demo_store: Datastore) -> None:
    """When the checks inside the transaction refuse the request, the code stays used."""
    store = demo_store
    client_id, app_id, _, now = _grant(store)
    _new_code(store, "code-x")

    def refuse(*_: object) -> tuple[TokenIssue, str]:
        raise ValueError("PKCE verifier does not match")

    with pytest.raises(ValueError, match="PKCE"):
        store.oidc.redeem_code(sha256_hex("code-x"), client_id, app_id, now, refuse)
    with pytest.raises(CodeRejected) as rejected:
        store.oidc.redeem_code(sha256_hex("code-x"), client_id, app_id, now, _never)
    assert rejected.value.reason == "reused"
