"""Claim and store are one transaction (RFC 6749 §4.1.2, OAuth 2.0 Security BCP §4.14.2): a
replay that arrives while the winner's transaction is open (it has claimed, its tokens are not
stored yet) waits for it, is rejected as ``reused``, and revokes what the winner issued; the
tokens the replay minted beforehand are never stored. On SQLite and on PostgreSQL.

The HTTP-level races across two processes are in tests/scale; here the winner is held inside
its write transaction, right after its claim, so the replay surely arrives between claim and
commit.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest

import datastore.protocol.oidc
from datastore import (
    CodeGrant,
    CodeRejected,
    Datastore,
    RefreshRejected,
    ReleaseFacts,
    RequestRefused,
    TokenIssue,
    sha256_hex,
)
from datastore.db.prepared import OBSERVERS
from idp.release import decide

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


def _logged_in(store: Datastore, code: str, family: str, name: str) -> None:
    """A code redeemed for the tokens ``access-NAME`` and ``refresh-NAME`` of ``family``."""
    client_id, app_id, account_id, now = _grant(store)
    _new_code(store, code)
    store.oidc.redeem_code(
        sha256_hex(code),
        client_id,
        app_id,
        now,
        lambda record, _facts: (_issue(client_id, account_id, record.id, family, name, now), 0),
    )


def _rotation(
    store: Datastore, token: str, family: str, name: str, answer: str, *, signs: bool = True
) -> Callable[[], Any]:
    """Rotating ``refresh-TOKEN`` into the tokens NAME of ``family``; ``answer`` when stored.
    ``signs=False``: as a refresh without an ID token, it signs and releases nothing, so it is
    minted inside the transaction on SQLite too, from the account alone."""
    client_id, app_id, account_id, now = _grant(store)
    mint = _minting(
        lambda record: _issue(client_id, account_id, record.code_id, family, name, now), answer
    )
    return lambda: store.oidc.rotate_refresh(
        sha256_hex(f"refresh-{token}"), client_id, app_id, now, mint, signs=signs, releases=signs
    )


def _race(winner: Callable[[], Any], replay: Callable[[], Any]) -> Any:
    """Run ``winner`` held inside its write transaction (after its claim, before its first
    insert) until ``replay`` is under way; the replay's outcome (its exception) is returned."""
    entered, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}
    claimed: set[int] = set()

    def hold(sql: str) -> None:
        me = threading.get_ident()
        if me != winner_thread.ident or entered.is_set():
            return
        if me in claimed:  # the statement after the claim: the inserts
            entered.set()
            assert release.wait(WAIT_S)
        elif sql.lstrip().upper().startswith("UPDATE"):
            claimed.add(me)

    def run_winner() -> None:
        outcome["winner"] = winner()

    def run_replay() -> None:
        try:
            outcome["replay"] = replay()
        except Exception as exc:
            outcome["replay"] = exc

    winner_thread = threading.Thread(target=run_winner)
    OBSERVERS.append(hold)
    try:
        winner_thread.start()
        assert entered.wait(WAIT_S)
        second = threading.Thread(target=run_replay)
        second.start()
        second.join(0.3)  # it waits: for the row lock (PostgreSQL) or the writer (SQLite)
        assert second.is_alive()
        release.set()
        winner_thread.join(WAIT_S)
        second.join(WAIT_S)
    finally:
        release.set()
        OBSERVERS.remove(hold)
    assert outcome["winner"] == "winner"
    return outcome["replay"]


def _minting(make: Callable[[Any], TokenIssue], answer: str) -> Callable[..., Any]:
    def mint(record: Any, _facts: object) -> tuple[TokenIssue, str]:
        return make(record), answer

    return mint


class _Blind:
    """A look that never sees a row."""

    def first(self, _connection: object, _params: object) -> None:
        return None


def _never_stored(store: Datastore, *names: str) -> None:
    for name in names:
        assert store.oidc.token(sha256_hex(name)) is None, name


def test_a_code_replay_while_the_winner_stores_revokes_its_tokens(demo_store: Datastore) -> None:
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    _new_code(store, "the-code")
    code_hash = sha256_hex("the-code")

    def mint_as(name: str) -> Callable[..., Any]:
        return _minting(
            lambda record: _issue(client_id, account_id, record.id, f"fam-{name}", name, now),
            "winner" if name == "a" else "replay",
        )

    replay = _race(
        lambda: store.oidc.redeem_code(code_hash, client_id, app_id, now, mint_as("a")),
        lambda: store.oidc.redeem_code(code_hash, client_id, app_id, now, mint_as("b")),
    )
    assert isinstance(replay, CodeRejected)
    assert replay.reason == "reused"
    _never_stored(store, "access-b", "refresh-b")
    for name in ("access-a", "refresh-a"):
        token = store.oidc.token(sha256_hex(name))
        assert token is not None
        assert token.revoked_at is not None, name


@pytest.mark.parametrize("signs", [True, False])
def test_a_refresh_replay_while_the_winner_stores_revokes_the_successors(
    demo_store: Datastore, signs: bool
) -> None:
    store = demo_store
    _logged_in(store, "code-r", "fam-r", "1")
    replay = _race(
        _rotation(store, "1", "fam-r", "2", "winner", signs=signs),
        _rotation(store, "1", "fam-r", "3", "replay", signs=signs),
    )
    assert isinstance(replay, RefreshRejected)
    assert replay.reason == "reused"
    _never_stored(store, "access-3", "refresh-3")
    for name in ("access-1", "access-2", "refresh-2"):
        token = store.oidc.token(sha256_hex(name))
        assert token is not None
        assert token.revoked_at is not None, name


@pytest.mark.parametrize("signs", [True, False])
def test_a_grant_that_releases_nothing_reads_the_account_alone(
    demo_store: Datastore, signs: bool
) -> None:
    """A refresh without an ID token is minted from the account's own row, not the release
    facts; such facts can decide no release."""
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    _logged_in(store, "code-a", "fam-a", "0")
    seen: list[ReleaseFacts | None] = []

    def mint(record: Any, facts: ReleaseFacts | None) -> tuple[TokenIssue, str]:
        seen.append(facts)
        return _issue(client_id, account_id, record.code_id, "fam-a", "a", now), "rotated"

    rotated = store.oidc.rotate_refresh(
        sha256_hex("refresh-0"), client_id, app_id, now, mint, signs=signs, releases=False
    )
    assert rotated == "rotated"
    assert len(seen) == 1
    facts = seen[0]
    assert facts is not None
    assert (facts.account.username, facts.account.is_active) == ("jan.peeters", True)
    assert (facts.complete, facts.enrolments, facts.leer_id_uuid) == (False, (), None)
    client = store.world.client(client_id)
    assert client is not None
    with pytest.raises(ValueError, match="no release"):
        decide(client, ("openid", "ov_leerling"), facts, now.date())


def test_a_refused_request_still_consumes_the_code(demo_store: Datastore) -> None:
    """When the checks refuse the request, the code stays used."""
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    _new_code(store, "code-x")

    def refuse(*_: object) -> tuple[TokenIssue, str]:
        raise RequestRefused("PKCE verifier does not match")

    with pytest.raises(RequestRefused, match="PKCE"):
        store.oidc.redeem_code(sha256_hex("code-x"), client_id, app_id, now, refuse)
    minted: list[object] = []

    def mint(record: Any, _facts: object) -> tuple[TokenIssue, str]:
        minted.append(record)
        return _issue(client_id, account_id, record.id, "fam-x", "x", now), "again"

    with pytest.raises(CodeRejected) as rejected:
        store.oidc.redeem_code(sha256_hex("code-x"), client_id, app_id, now, mint)
    assert rejected.value.reason == "reused"
    assert minted == []  # a consumed code is not even minted for
    _never_stored(store, "access-x")


def test_a_fault_while_minting_leaves_the_code_unused(demo_store: Datastore) -> None:
    """An exception that is no refusal is the provider's fault, not the client's: the claim is
    not made (or rolls back), so the client's retry can still redeem its code."""
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    _new_code(store, "code-z")

    def broken(*_: object) -> tuple[TokenIssue, str]:
        raise KeyError("a bug in minting")

    with pytest.raises(KeyError):
        store.oidc.redeem_code(sha256_hex("code-z"), client_id, app_id, now, broken)
    retry = _minting(
        lambda record: _issue(client_id, account_id, record.id, "fam-z", "z", now), "redeemed"
    )
    assert store.oidc.redeem_code(sha256_hex("code-z"), client_id, app_id, now, retry) == "redeemed"


def test_a_claim_the_look_did_not_see_is_minted_inside_the_transaction(
    demo_store: Datastore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the claim take a row other than the one read before the write transaction,
    the tokens are minted again, from the claimed row, before they are stored."""
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    _new_code(store, "code-y")
    monkeypatch.setattr(datastore.protocol.oidc, "CODE_LOOK", _Blind())
    minted: list[int] = []

    def mint(record: Any, _facts: object) -> tuple[TokenIssue, str]:
        minted.append(record.id)
        return _issue(client_id, account_id, record.id, "fam-y", "y", now), "inside"

    assert store.oidc.redeem_code(sha256_hex("code-y"), client_id, app_id, now, mint) == "inside"
    assert len(minted) == 1
    stored = store.oidc.token(sha256_hex("access-y"))
    assert stored is not None
    assert stored.code_id == minted[0]


def test_facts_that_change_after_the_look_are_minted_anew(demo_store: Datastore) -> None:
    """SQLite mints the tokens before the write transaction, from the facts read then; should
    the pupil's facts change before the claim commits (here: between the look and the claim),
    the tokens stored are minted again from the facts the transaction reads, never the stale
    ones. PostgreSQL reads the facts inside the transaction only, and mints once from them."""
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    _new_code(store, "code-f")
    account = store.world.account_by_username("jan.peeters")
    assert account is not None
    assert account.pupil_id is not None
    seen: list[str | None] = []

    def mint(record: Any, facts: Any) -> tuple[TokenIssue, str]:
        seen.append(facts.pupil_details["voornaam"])
        if len(seen) == 1:  # an administrator renames the pupil while the tokens are minted
            store.admin.update_pupil(account.pupil_id, {"voornaam": "Johannes"})
        name = f"f{len(seen)}"
        return _issue(client_id, account_id, record.id, "fam-f", name, now), name

    redeemed = store.oidc.redeem_code(sha256_hex("code-f"), client_id, app_id, now, mint)
    if store.dialect == "sqlite":
        assert (redeemed, seen) == ("f2", ["Jan", "Johannes"])
        _never_stored(store, "access-f1", "refresh-f1")
    else:  # the rename committed after the transaction's read: the tokens are of that read
        assert (redeemed, seen) == ("f1", ["Jan"])
    assert store.oidc.token(sha256_hex(f"access-{redeemed}")) is not None


@pytest.mark.parametrize("grant", ["code", "refresh", "unsigned refresh"])
def test_an_account_disabled_while_a_grant_stores_keeps_no_live_token(
    demo_store: Datastore, grant: str
) -> None:
    """Disabling an account revokes every token it holds, also those a grant is storing at that
    moment: the disable waits for the grant's transaction (PostgreSQL: the grant holds the
    account row shared; SQLite: the one writer) and then revokes what it stored."""
    store = demo_store
    client_id, app_id, account_id, now = _grant(store)
    if grant == "code":
        _new_code(store, "code-d")
        mint = _minting(
            lambda record: _issue(client_id, account_id, record.id, "fam-d", "d", now), "winner"
        )

        def winner() -> str:
            return store.oidc.redeem_code(sha256_hex("code-d"), client_id, app_id, now, mint)
    else:
        _logged_in(store, "code-d", "fam-d", "0")
        winner = _rotation(store, "0", "fam-d", "d", "winner", signs=grant == "refresh")

    disabled = _race(
        winner, lambda: store.admin.update_account("jan.peeters", {"status": "disabled"})
    )
    assert disabled.status == "disabled"
    for name in ("access-d", "refresh-d"):
        token = store.oidc.token(sha256_hex(name))
        assert token is not None, name
        assert token.revoked_at is not None, name


def test_an_account_deleted_while_a_grant_holds_it_waits_for_the_grant(
    demo_store: Datastore,
) -> None:
    """A grant locks its account row (shared) before it claims its token; a delete revokes the
    account's tokens and deletes the account last. Had the delete taken the tokens first it
    would wait for the grant's account lock while the grant waits for a token it revoked: on
    PostgreSQL a deadlock, and the delete the one cancelled. It locks the account rows first,
    so it waits for the grant, then revokes what the grant stored and deletes the account."""
    store = demo_store
    _logged_in(store, "code-x", "fam-x", "0")
    grant = _rotation(store, "0", "fam-x", "x", "granted")
    entered, release = threading.Event(), threading.Event()
    outcome: dict[str, Any] = {}

    def hold(sql: str) -> None:
        # The grant, its account row locked, just before its claim.
        if threading.get_ident() != granting.ident or entered.is_set():
            return
        if sql.lstrip().upper().startswith("UPDATE"):
            entered.set()
            assert release.wait(WAIT_S)

    def run(name: str, call: Callable[[], Any]) -> None:
        try:
            outcome[name] = call()
        except Exception as exc:
            outcome[name] = exc

    granting = threading.Thread(target=run, args=("grant", grant))
    deleting = threading.Thread(
        target=run, args=("delete", lambda: store.admin.delete_account("jan.peeters"))
    )
    OBSERVERS.append(hold)
    try:
        granting.start()
        assert entered.wait(WAIT_S)
        deleting.start()
        deleting.join(0.5)
        assert deleting.is_alive()  # it waits for the grant's lock on the account row
        release.set()
        granting.join(WAIT_S)
        deleting.join(WAIT_S)
    finally:
        release.set()
        OBSERVERS.remove(hold)
    assert outcome == {"grant": "granted", "delete": None}, outcome
    assert store.world.account_by_username("jan.peeters") is None
    for name in ("access-x", "refresh-x"):
        token = store.oidc.token(sha256_hex(name))
        assert token is None or token.revoked_at is not None, name
