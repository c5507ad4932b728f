"""Access tokens presented to the provider: where they come from and whether they still work.

An access token is looked up by its SHA-256 in the datastore, which knows revocation: an opaque
token has nothing else to check, and a JWT's signature adds nothing to that lookup, so it is
not re-verified here. A token works while it is unexpired and unrevoked, its client's protocol
is active (neither ended nor suspended) and its account is active. A token of a grant without
an account (RFC 6749 §4.4) is for its client alone: it works, but names no end-user.
"""

from __future__ import annotations

from dataclasses import dataclass

from datastore import AccountRecord, ClientRecord, NotFound, ReleaseFacts, TokenRecord, sha256_hex
from idp.adapter import OAuthRequest
from idp.checks import protocol_not_active
from idp.errors import InvalidRequest, InvalidToken
from idp.provider import Provider

__all__ = [
    "LiveToken",
    "bearer_token",
    "live_token",
    "require_account",
    "require_live_access_token",
]


@dataclass(frozen=True, slots=True)
class LiveToken:
    """A token that works now, with its client and account (``facts`` ``None``: it has none)."""

    record: TokenRecord
    client: ClientRecord
    facts: ReleaseFacts | None  # the account and its release facts, read once

    @property
    def account(self) -> AccountRecord | None:
        return None if self.facts is None else self.facts.account


def bearer_token(oauth: OAuthRequest) -> str:
    """RFC 6750 §2.1-2.2: the Authorization header or the ``access_token`` form field, not both."""
    header = oauth.authorization
    from_header = header[7:].strip() if header and header[:7].lower() == "bearer " else None
    from_form = oauth.get("access_token") if oauth.method == "POST" else None
    if from_header and from_form:
        raise InvalidRequest("send the access token in one way only (RFC 6750 section 2)")
    token = from_header or from_form
    if not token:
        raise InvalidToken("no access token", reason="no bearer token")
    return token


def live_token(provider: Provider, token: str, *, kind: str | None = None) -> LiveToken | None:
    """The token if it works now (optionally only of ``kind``), else ``None``."""
    found = _assess(provider, token, kind)
    return found if isinstance(found, LiveToken) else None


def require_live_access_token(provider: Provider, token: str) -> LiveToken:
    """RFC 6750 §3.1: an access token that does not work is ``invalid_token`` (401)."""
    found = _assess(provider, token, "access")
    if not isinstance(found, LiveToken):
        raise InvalidToken("the access token is invalid, expired or revoked", reason=found)
    return found


def require_account(live: LiveToken) -> ReleaseFacts:
    """OIDC Core §5.3: UserInfo tells about the end-user of the token; a token of a grant
    without an account has no subject to tell about, so it is ``invalid_token`` there."""
    if live.facts is None:
        raise InvalidToken(
            "the access token was not issued for an end-user", reason="token without account"
        )
    return live.facts


def _assess(provider: Provider, token: str, kind: str | None) -> LiveToken | str:
    """The token if it works now, else the first reason it does not (for the event log)."""
    record = provider.store.oidc.token(sha256_hex(token))
    if record is None or (kind is not None and record.kind != kind):
        return f"unknown {kind} token" if kind else "unknown token"
    if not record.usable_at(provider.store.clock.now()):
        if record.revoked_at is not None:
            return "revoked"
        return "expired" if record.rotated_at is None else "rotated"
    client = provider.clients.get(record.client_id)
    if client is None:
        return "client not registered"
    if protocol_not_active(client) is not None:
        return "protocol not active"
    if record.account_id is None:
        return LiveToken(record, client, None)
    try:
        facts = provider.store.world.release_facts(record.account_id, client.application_id)
    except NotFound:
        return "account not active"  # deleted
    if not facts.account.is_active:
        return "account not active"
    return LiveToken(record, client, facts)
