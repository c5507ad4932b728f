"""The authorization_code grant (RFC 6749 §4.1.3, OIDC Core §3.1.3.2, RFC 7636 §4.6).

Claim and storing are ONE datastore transaction (``store.oidc.redeem_code``): the code is
consumed there, so whatever happens next it can never be redeemed twice, and the tokens it buys
are stored before the claim commits, so a second use always finds and revokes them (RFC 6749
§4.1.2, OAuth 2.0 Security BCP §4.2.4), even when it came at the same moment. The checks and
the signing run just before that transaction, on the code as the claim will find it, so the
transaction stays short; a refused request still consumes the code.
"""

from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from authlib.oauth2.rfc7636.challenge import compare_s256_code_challenge

from datastore import ClientRecord, CodeRecord, CodeRejected, ReleaseFacts, TokenIssue, sha256_hex
from idp.adapter import OAuthRequest
from idp.checks import check_protocol_at_grant
from idp.errors import InvalidGrant, InvalidRequest
from idp.provider import Provider
from idp.tokens import Grant, acr_of, mint_tokens, prepare_minting

__all__ = ["GRANT", "AuthorizationCodeGrant", "check_account", "redeem_code"]

# RFC 7636 §4.1: code_verifier = 43*128 unreserved characters.
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_CODE_REJECTIONS = {
    "unknown": "the authorization code is invalid",
    "expired": "the authorization code has expired",
    "other_client": "the authorization code was issued to another client",
    "reused": "the authorization code was already used; its tokens are revoked",
    "session_ended": "the session of the authorization code has ended",
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
        raise InvalidRequest(
            "code_verifier must be 43-128 unreserved characters (RFC 7636 section 4.1)"
        )
    return code, redirect_uri, verifier


def check_redirect_uri(record: CodeRecord, redirect_uri: str) -> None:
    """RFC 6749 §4.1.3: the same redirect_uri as in the authorization request."""
    if redirect_uri != record.redirect_uri:
        raise InvalidGrant("redirect_uri differs from the authorization request")


def check_code_verifier(record: CodeRecord, verifier: str | None) -> None:
    """RFC 7636 §4.6: the verifier must match the challenge; none without a challenge."""
    if record.code_challenge is None:
        if verifier is not None:
            raise InvalidGrant("code_verifier sent but the authorization request had no challenge")
        return
    if verifier is None:
        raise InvalidGrant("code_verifier is required (PKCE)")
    if record.code_challenge_method == "S256":
        matches = compare_s256_code_challenge(verifier, record.code_challenge)
    else:
        # RFC 7636 §4.6: with plain the verifier is the challenge; compared in constant time.
        matches = hmac.compare_digest(verifier.encode(), record.code_challenge.encode())
    if not matches:
        raise InvalidGrant("code_verifier does not match the code_challenge")


def check_account(facts: ReleaseFacts | None) -> ReleaseFacts:
    """The account of the grant still exists and is active (its facts were read in the claim)."""
    if facts is None:
        raise InvalidGrant("the account no longer exists")
    if not facts.account.is_active:
        raise InvalidGrant("the account is disabled", reason="account disabled")
    return facts


def redeem_code(provider: Provider, client: ClientRecord, oauth: OAuthRequest) -> dict[str, Any]:
    """Exchange a code for tokens: checks in order and ``mint_tokens``, then claim and store."""
    code, redirect_uri, verifier = check_parameters(oauth)
    minting = prepare_minting(provider, client)

    def mint(record: CodeRecord, facts: ReleaseFacts | None) -> tuple[TokenIssue, dict[str, Any]]:
        check_redirect_uri(record, redirect_uri)
        check_code_verifier(record, verifier)
        check_protocol_at_grant(client)
        return mint_tokens(
            provider,
            minting,
            Grant(
                client=client,
                facts=check_account(facts),
                scopes=tuple(record.scope.split()),
                auth_time=record.auth_time,
                nonce=record.nonce,
                sid=record.sid,
                session_id=record.session_id,
                code_id=record.id,
                family_id=secrets.token_urlsafe(16),
                grant_type="authorization_code",
                acr=acr_of(client, record.acr),
            ),
        )

    try:
        return provider.store.oidc.redeem_code(
            sha256_hex(code), client.client_id, client.application_id, minting.now, mint
        )
    except CodeRejected as exc:
        raise InvalidGrant(_CODE_REJECTIONS[exc.reason], reason=f"code {exc.reason}") from None


class AuthorizationCodeGrant:
    """RFC 6749 §4.1.3: a login's code for the tokens of its account."""

    name = "authorization_code"
    needs_account = True

    def handle(
        self, provider: Provider, client: ClientRecord, oauth: OAuthRequest
    ) -> dict[str, Any]:
        return redeem_code(provider, client, oauth)


GRANT = AuthorizationCodeGrant()
