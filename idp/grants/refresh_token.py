"""The refresh_token grant with rotation and reuse detection (RFC 6749 §6, OIDC Core §12,
OAuth 2.0 Security BCP §4.14.2).

A grant's refresh period runs from the login: each successor keeps its predecessor's end, so
refreshing never prolongs it. Past that end the answer is ``invalid_request``, as ACM answers
it; a token already rotated stays ``invalid_grant`` and takes its family with it.

The answer is ACM's: new access and refresh tokens, no ID token (see ``refresh``).

Rotation and storing the successors are ONE datastore transaction (``store.oidc.rotate_refresh``,
the checks and minting just before it): a replay of the rotated token revokes the family including
the successors this rotation issued, even when it came at the same moment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from datastore import (
    ClientRecord,
    RefreshRejected,
    ReleaseFacts,
    TokenIssue,
    TokenRecord,
    sha256_hex,
)
from idp.adapter import OAuthRequest
from idp.checks import check_protocol_at_grant
from idp.errors import InvalidGrant, InvalidRequest, InvalidScope
from idp.grants.authorization_code import check_account
from idp.provider import Provider
from idp.tokens import Grant, acr_of, mint_tokens, prepare_minting

__all__ = ["GRANT", "RefreshTokenGrant", "refresh"]

# ACM answers a refresh after the refresh period with a plain ``invalid_request``.
PERIOD_OVER = "the refresh period of this grant is over: the user must log in again"
_REJECTIONS = {
    "unknown": "the refresh token is invalid",
    "revoked": "the refresh token was revoked",
    "other_client": "the refresh token was issued to another client",
    "reused": "the refresh token was already used; every token of this grant is revoked",
}


def check_scope_narrowing(
    provider: Provider,
    client: ClientRecord,
    token_hash: str,
    requested: str | None,
    now: dt.datetime,
) -> tuple[str, ...] | None:
    """RFC 6749 §6: a requested scope must not exceed the originally granted one.

    Judged only on a refresh token this client may rotate now. Any other token (unknown, of
    another client, revoked, rotated, past its period) goes on to the rotation, which refuses
    it with the exact reason and, for a rotated one, revokes its family (OAuth 2.0 Security
    BCP §4.14.2): a replay must not escape that by adding a ``scope``, and another client's
    token must not tell what it was granted. A token's scope never changes, so the row the
    rotation claims has the scope judged here; an ``invalid_scope`` leaves the token usable.
    """
    if requested is None:
        return None
    scopes = tuple(dict.fromkeys(requested.split()))
    current = provider.store.oidc.token(token_hash)
    if (
        current is None
        or current.kind != "refresh"
        or current.client_id != client.client_id
        or not current.usable_at(now)
    ):
        return scopes
    granted = set(current.scope.split())
    extra = [s for s in scopes if s not in granted]
    if extra:
        raise InvalidScope(
            "a requested scope was not granted originally", reason=f"scope {extra[0]} not granted"
        )
    if "openid" not in scopes:
        raise InvalidScope("the openid scope is required")
    return scopes


def refresh(provider: Provider, client: ClientRecord, oauth: OAuthRequest) -> dict[str, Any]:
    """Exchange a refresh token for a new access token and a new refresh token.

    As ACM answers it: ``access_token``, ``token_type``, ``refresh_token``, ``expires_in``; no
    ID token, which OIDC Core §12.2 allows, and so no release of attributes to log. With
    ``LEERID_REFRESH_ID_TOKEN=true`` a refreshed ID token and the ``scope`` come too.
    """
    token = oauth.get("refresh_token")
    if token is None:
        raise InvalidRequest("refresh_token is required")
    token_hash = sha256_hex(token)
    minting = prepare_minting(provider, client)
    scopes = check_scope_narrowing(provider, client, token_hash, oauth.get("scope"), minting.now)
    # Without an ID token nothing is released, and with an opaque access token nothing signed.
    releases = provider.settings.refresh_id_token
    signs = releases or client.access_token_format == "jwt"  # noqa: S105 - a format name

    def mint(record: TokenRecord, facts: ReleaseFacts | None) -> tuple[TokenIssue, dict[str, Any]]:
        check_protocol_at_grant(client)
        return mint_tokens(
            provider,
            minting,
            Grant(
                client=client,
                facts=check_account(facts),
                scopes=scopes or tuple(record.scope.split()),
                refresh_scopes=tuple(record.scope.split()),
                refresh_expires_at=record.expires_at,
                auth_time=record.auth_time,
                nonce=None,  # OIDC Core §12.2: no nonce in a refreshed ID token
                sid=record.sid,
                session_id=record.session_id,
                code_id=record.code_id,
                family_id=record.family_id,
                grant_type="refresh_token",
                acr=acr_of(client, record.acr),
                id_token=releases,
            ),
        )

    try:
        return provider.store.oidc.rotate_refresh(
            token_hash,
            client.client_id,
            client.application_id,
            minting.now,
            mint,
            signs=signs,
            releases=releases,
        )
    except RefreshRejected as exc:
        if exc.reason == "expired":
            raise InvalidRequest(PERIOD_OVER, reason="refresh period over") from None
        raise InvalidGrant(_REJECTIONS[exc.reason], reason=f"refresh {exc.reason}") from None


class RefreshTokenGrant:
    """RFC 6749 §6: a refresh token for the next tokens of the same grant and account."""

    name = "refresh_token"
    needs_account = True

    def handle(
        self, provider: Provider, client: ClientRecord, oauth: OAuthRequest
    ) -> dict[str, Any]:
        return refresh(provider, client, oauth)


GRANT = RefreshTokenGrant()
