"""The authorization_code grant (RFC 6749 §4.1.3, OIDC Core §3.1.3.2, RFC 7636 §4.6).

The code is consumed in one atomic datastore operation *before* anything is checked against
it or minted: whatever happens next, it can never be redeemed twice (a second attempt revokes
what the first produced).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge

from datastore import ClientRecord, NotFound, ReleaseFacts, sha256_hex
from datastore.oidc import CodeRecord, CodeRejected
from idp.adapter import OAuthRequest
from idp.errors import InvalidGrant, InvalidRequest
from idp.provider import Provider
from idp.tokens import Grant, mint_tokens

__all__ = ["check_protocol_still_active", "load_facts", "redeem_code"]

# RFC 7636 §4.1: code_verifier = 43*128 unreserved characters.
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_CODE_REJECTIONS = {
    "unknown": "the authorization code is invalid",
    "expired": "the authorization code has expired",
    "other_client": "the authorization code was issued to another client",
    "reused": "the authorization code was already used; its tokens are revoked",
}


def check_parameters(oauth: OAuthRequest) -> tuple[str, str, str | None]:
    """RFC 6749 §4.1.3: ``code`` and ``redirect_uri`` are required; a verifier is well formed."""
    code = oauth.get("code")
    if code is None:
        raise InvalidRequest("code is required")
    redirect_uri = oauth.get("redirect_uri")
    if redirect_uri is None:
        raise InvalidRequest("redirect_uri is required")
    verifier = oauth.get("code_verifier")
    if verifier is not None and not _VERIFIER.fullmatch(verifier):
        raise InvalidRequest("code_verifier must be 43-128 unreserved characters (RFC 7636 §4.1)")
    return code, redirect_uri, verifier


def consume(provider: Provider, client: ClientRecord, code: str) -> CodeRecord:
    """RFC 6749 §4.1.2: single use, bound to the client, within ``code_ttl_seconds``."""
    try:
        return provider.store.oidc.consume_code(
            sha256_hex(code), client.client_id, provider.store.clock.now()
        )
    except CodeRejected as exc:
        raise InvalidGrant(_CODE_REJECTIONS[exc.reason], reason=f"code {exc.reason}") from None


def check_redirect_uri(record: CodeRecord, redirect_uri: str) -> None:
    """RFC 6749 §4.1.3: the same redirect_uri as in the authorization request."""
    if redirect_uri != record.redirect_uri:
        raise InvalidGrant("redirect_uri differs from the authorization request")


def check_code_verifier(record: CodeRecord, verifier: str | None) -> None:
    """RFC 7636 §4.6: the verifier must hash to the challenge; none without a challenge."""
    if record.code_challenge is None:
        if verifier is not None:
            raise InvalidGrant("code_verifier sent but the authorization request had no challenge")
        return
    if verifier is None:
        raise InvalidGrant("code_verifier is required (PKCE)")
    if not compare_s256_code_challenge(verifier, record.code_challenge):
        raise InvalidGrant("code_verifier does not match the code_challenge")


def check_protocol_still_active(client: ClientRecord) -> None:
    """DECISIONS.md 11: nothing is issued once the protocol is ended or suspended."""
    if client.staff_only:
        return
    if client.protocol is None or not client.protocol.is_active:
        raise InvalidGrant(
            "the client's protocol with DOV is not active", reason="protocol not active"
        )


def load_facts(provider: Provider, client: ClientRecord, account_id: int) -> ReleaseFacts:
    """The account of the grant (still existing and active) with its release facts, one read."""
    try:
        facts = provider.store.world.release_facts(account_id, client.application_id)
    except NotFound:
        raise InvalidGrant("the account no longer exists") from None
    if not facts.account.is_active:
        raise InvalidGrant("the account is disabled", reason="account disabled")
    return facts


def redeem_code(provider: Provider, client: ClientRecord, oauth: OAuthRequest) -> dict[str, Any]:
    """Exchange a code for tokens: checks in order, then ``mint_tokens``."""
    code, redirect_uri, verifier = check_parameters(oauth)
    record = consume(provider, client, code)
    check_redirect_uri(record, redirect_uri)
    check_code_verifier(record, verifier)
    check_protocol_still_active(client)
    facts = load_facts(provider, client, record.account_id)
    return mint_tokens(
        provider,
        Grant(
            client=client,
            facts=facts,
            scopes=tuple(record.scope.split()),
            auth_time=record.auth_time,
            nonce=record.nonce,
            sid=record.sid,
            session_id=record.session_id,
            code_id=record.id,
            family_id=secrets.token_urlsafe(16),
            grant_type="authorization_code",
        ),
    )
