"""Access tokens presented to the provider: where they come from and whether they still work.

An access token is looked up by its SHA-256 in the datastore, which knows revocation: an opaque
token has nothing else to check, and a JWT's signature adds nothing to that lookup, so it is
not re-verified here. A token works while it is unexpired and unrevoked, its client's protocol
is active (DECISIONS.md 11) and its account is active.
"""

from __future__ import annotations

from dataclasses import dataclass

from datastore import AccountRecord, ClientRecord, NotFound, ReleaseFacts, sha256_hex
from datastore.oidc import TokenRecord
from idp.adapter import OAuthRequest
from idp.errors import InvalidRequest, InvalidToken
from idp.provider import Provider

__all__ = ["LiveToken", "bearer_token", "live_token", "require_live_access_token"]


@dataclass(frozen=True, slots=True)
class LiveToken:
    """A token that works now, with its client and account."""

    record: TokenRecord
    client: ClientRecord
    facts: ReleaseFacts  # the account and its release facts, read once

    @property
    def account(self) -> AccountRecord:
        return self.facts.account


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
    record = provider.store.oidc.token(sha256_hex(token))
    if record is None or (kind is not None and record.kind != kind):
        return None
    if not record.usable_at(provider.store.clock.now()):
        return None
    client = provider.clients.get(record.client_id)
    if client is None:
        return None
    if not client.staff_only and (client.protocol is None or not client.protocol.is_active):
        return None
    try:
        facts = provider.store.world.release_facts(record.account_id, client.application_id)
    except NotFound:
        return None
    if not facts.account.is_active:
        return None
    return LiveToken(record, client, facts)


def require_live_access_token(provider: Provider, token: str) -> LiveToken:
    """RFC 6750 §3.1: an access token that does not work is ``invalid_token`` (401)."""
    live = live_token(provider, token, kind="access")
    if live is None:
        raise InvalidToken(
            "the access token is invalid, expired or revoked", reason=_why(provider, token)
        )
    return live


def _why(provider: Provider, token: str) -> str:
    record = provider.store.oidc.token(sha256_hex(token))
    if record is None or record.kind != "access":
        return "unknown access token"
    if record.revoked_at is not None:
        return "revoked"
    if provider.store.clock.now() >= record.expires_at:
        return "expired"
    client = provider.clients.get(record.client_id)
    if client is None or client.protocol is None or not client.protocol.is_active:
        return "protocol not active"
    return "account not active"
