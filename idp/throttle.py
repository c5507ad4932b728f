"""Too many wrong passwords: per username, per client address and per login transaction.

OWASP Authentication Cheat Sheet, "Protect against automated attacks": after
``LEERID_LOGIN_USERNAME_LIMIT`` wrong passwords within ``LEERID_LOGIN_WINDOW_SECONDS`` a username
is locked for ``LEERID_LOGIN_LOCK_SECONDS``; a client address has a higher limit of its own
(``LEERID_LOGIN_ADDRESS_LIMIT``: a class behind one school router shares it). The counters run on
the simulated clock, so a test moves the clock past a lock instead of waiting.

No account enumeration: an unknown username is counted exactly as a known one, and a locked
login is refused before its password is checked, with one message and one status whatever the
username. A successful login resets its username's counter; the address counter is not reset,
or an attacker with one account of their own could wipe their address's failures.

The pending request travels in a signed, stateless token that a form could post again and
again; its attempts (``LEERID_LOGIN_TRANSACTION_ATTEMPTS``) are therefore counted server-side,
by transaction id, before the password is checked, so parallel posts of one form cannot exceed
the bound. After the last one the user must start the login again at the application.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from datastore import ThrottleCount, ThrottleRule
from idp.errors import BadAuthorizationRequest
from idp.pending import PendingAuthorization
from idp.provider import Provider
from idp.settings import ProviderSettings

__all__ = [
    "TOO_MANY_ATTEMPTS",
    "TOO_MANY_STATUS",
    "Admission",
    "admit",
    "count_failure",
    "count_success",
    "username_key",
]

TOO_MANY_ATTEMPTS = "Te veel pogingen, probeer later opnieuw."
# RFC 6585 §4: the user (or a script) sent too many requests in a given amount of time.
TOO_MANY_STATUS = 429
TRANSACTION_SPENT = (
    "te veel pogingen met dit aanmeldformulier; ga terug naar de toepassing en meld je opnieuw aan"
)
# Usernames are at most this long; a longer one cannot exist, and shares the counter of its prefix.
USERNAME_LENGTH = 120


def username_key(username: str) -> str:
    """The counter key of a username as typed: trimmed, lower case, at most 120 characters.

    A NUL becomes U+FFFD: PostgreSQL text cannot hold one, and no username has one.
    """
    return username.strip().lower().replace("\x00", "\ufffd")[:USERNAME_LENGTH]


@dataclass(frozen=True, slots=True)
class Admission:
    """A login attempt that may check its password, and what to count when it fails."""

    rules: tuple[ThrottleRule, ...]
    # This is the transaction's last attempt: when it fails, the form is spent.
    last_of_transaction: bool
    # The counters a successful login removes: its username's and its transaction's.
    done_on_success: tuple[tuple[str, str], ...]


def _window(settings: ProviderSettings) -> dt.timedelta:
    return dt.timedelta(seconds=settings.login_window_seconds)


def _rules(settings: ProviderSettings, username: str, address: str) -> tuple[ThrottleRule, ...]:
    window, lock = _window(settings), dt.timedelta(seconds=settings.login_lock_seconds)
    rules = []
    if settings.login_username_limit and username:
        rules.append(
            ThrottleRule("username", username, settings.login_username_limit, window, lock)
        )
    if settings.login_address_limit and address:
        rules.append(ThrottleRule("address", address, settings.login_address_limit, window, lock))
    return tuple(rules)


def _count_transaction(
    provider: Provider, pending: PendingAuthorization, now: dt.datetime
) -> ThrottleCount | None:
    limit = provider.settings.login_transaction_attempts
    if not limit or not pending.tx_id:
        return None
    # The transaction cannot outlive its token: its counter needs no other window.
    lifetime = dt.timedelta(seconds=provider.settings.login_ttl_seconds)
    rule = ThrottleRule("transaction", pending.tx_id, limit, lifetime, lifetime)
    return provider.store.throttle.count([rule], now)[0]


def admit(
    provider: Provider, pending: PendingAuthorization, username: str, address: str
) -> Admission | None:
    """Count this attempt of the transaction and check the locks; ``None`` when locked.

    A spent transaction raises ``BadAuthorizationRequest``: an HTML page that sends the user back
    to the application, and nothing to the client.
    """
    now = provider.store.clock.now()
    key = username_key(username)
    rules = _rules(provider.settings, key, address)
    keys = [(r.kind, r.key) for r in rules]
    if provider.settings.login_transaction_attempts and pending.tx_id:
        keys.append(("transaction", pending.tx_id))
    counters = provider.store.throttle.counters(keys)
    # A locked attempt is refused before anything is written: a locked address sending fresh
    # forms must not add a counter per form. A spent form says so first.
    if any(c.kind == "transaction" and c.locked_at(now) for c in counters):
        raise _spent()
    if any(c.locked_at(now) for c in counters):
        return None
    transaction = _count_transaction(provider, pending, now)
    if transaction is not None and not transaction.counted:
        raise _spent()
    done = [(c.kind, c.key) for c in counters if c.kind == "username"]
    if transaction is not None:
        done.append(("transaction", transaction.record.key))
    return Admission(
        rules=rules,
        last_of_transaction=transaction is not None and transaction.locks_now,
        done_on_success=tuple(done),
    )


def _spent() -> BadAuthorizationRequest:
    return BadAuthorizationRequest(TRANSACTION_SPENT, reason="login transaction spent")


def count_failure(provider: Provider, admission: Admission) -> bool:
    """Count a wrong password; True when the username or the address is locked now.

    Otherwise the transaction's last wrong password raises ``BadAuthorizationRequest`` (its form
    is spent). A lock goes first: starting again at the application would not help the user.
    """
    now = provider.store.clock.now()
    counts = provider.store.throttle.count(admission.rules, now)
    # Locked by this attempt, or by a parallel one since this attempt was admitted.
    if any(c.record.locked_at(now) for c in counts):
        return True
    if admission.last_of_transaction:
        raise _spent()
    return False


def count_success(provider: Provider, admission: Admission) -> None:
    """A successful login starts its username's count again, and its form's counter goes
    (the counters of logins that succeed do not pile up)."""
    if admission.done_on_success:
        provider.store.throttle.clear(admission.done_on_success)
