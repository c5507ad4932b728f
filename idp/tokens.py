"""Minting tokens: the ID token (OIDC Core §2, §3.1.3.6), the RFC 9068 access token, and the
opaque refresh token, with the privacy-log entry of the release.

Minting runs inside the grant's one transaction (claim + mint + store, ``datastore.oidc``), so it
touches no database: ``prepare_minting`` reads the clock, the signing keys and the pairwise
secret beforehand.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from authlib.oidc.core.util import create_half_hash
from joserfc import jwt

from datastore import AccountRecord, ClientRecord, ReleaseFacts, sha256_hex
from datastore.oidc import ProtocolEvent, TokenIssue
from idp.claims import to_claims
from idp.keys import SigningKey
from idp.provider import Provider
from idp.release import Release, decide, privacy_release

__all__ = ["Grant", "Minting", "mint_tokens", "prepare_minting", "release_for", "subject"]


@dataclass(frozen=True, slots=True)
class Grant:
    """What a token response is issued for (a redeemed code or a rotated refresh token)."""

    client: ClientRecord
    facts: ReleaseFacts  # the account and what release needs to know about it, read once
    scopes: tuple[str, ...]
    auth_time: dt.datetime
    nonce: str | None
    sid: str | None
    session_id: int | None
    code_id: int | None
    family_id: str
    grant_type: str

    @property
    def account(self) -> AccountRecord:
        return self.facts.account


@dataclass(frozen=True, slots=True)
class Minting:
    """What minting needs from outside, read before the grant's transaction opens."""

    now: dt.datetime
    today: dt.date
    keys: dict[str, SigningKey]  # the active signing key by alg


def prepare_minting(provider: Provider, client: ClientRecord) -> Minting:
    """Read the clock, this client's signing keys and the pairwise secret (cached per process)."""
    now = provider.store.clock.now()
    algs = {"RS256", client.id_token_signed_response_alg}
    keys: dict[str, SigningKey] = {alg: provider.keys.signing_key(alg) for alg in algs}
    provider.secret("pairwise_sub")
    return Minting(now=now, today=provider.store.clock.today(), keys=keys)


# The sector of the public ``sub``: a NUL byte can be in no client_id or sector_identifier, so no
# client's pairwise value can equal an account's public one.
PUBLIC_SECTOR = "\x00public"


def subject(provider: Provider, client: ClientRecord, account: AccountRecord) -> str:
    """The ``sub`` of this account at this client (OIDC Core §8).

    Pairwise by default (§8.1): per client_id, or per ``sector_identifier`` when the dossier
    names one, so two clients never see the same value. A dossier with ``subject_type: public``
    gets one value per account at every such client, as ACM gives. Never an attribute.
    """
    if client.subject_type == "public":
        return provider.pairwise_sub(PUBLIC_SECTOR, account.account_uuid)
    return provider.pairwise_sub(client.sector_identifier or client.client_id, account.account_uuid)


def release_for(
    provider: Provider, client: ClientRecord, facts: ReleaseFacts, scopes: tuple[str, ...]
) -> Release:
    """What this login releases now, decided by ``idp.release`` (the one place that decides)."""
    return decide(client, scopes, facts, provider.store.clock.today())


def _sign(minting: Minting, alg: str, claims: dict[str, Any], typ: str) -> str:
    key = minting.keys[alg]
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": typ}, claims, key)


def mint_tokens(
    provider: Provider, minting: Minting, grant: Grant
) -> tuple[TokenIssue, dict[str, Any]]:
    """Sign the tokens of a grant: what to store, and the token response (RFC 6749 §5.1)."""
    settings = provider.settings
    endpoints = provider.endpoints
    client, account = grant.client, grant.account
    now = minting.now
    iat = int(now.timestamp())
    sub = subject(provider, client, account)
    release = decide(client, grant.scopes, grant.facts, minting.today)
    scope = " ".join(grant.scopes)
    access_token = _sign(
        minting,
        "RS256",
        {
            # RFC 9068 §2.2: no personal attribute, only who, for whom, what and how long.
            "iss": endpoints.issuer,
            "sub": sub,
            "aud": endpoints.url("/v1/userinfo"),
            "client_id": client.client_id,
            "scope": scope,
            "auth_time": int(grant.auth_time.timestamp()),
            "iat": iat,
            "exp": iat + settings.access_token_ttl_seconds,
            "jti": secrets.token_urlsafe(16),
        },
        "at+jwt",
    )
    alg = client.id_token_signed_response_alg
    id_claims: dict[str, Any] = {
        **to_claims(release, client.claim_dialect),
        "iss": endpoints.issuer,
        "sub": sub,
        "aud": client.client_id,
        "iat": iat,
        "exp": iat + settings.id_token_ttl_seconds,
        "auth_time": int(grant.auth_time.timestamp()),
        "at_hash": create_half_hash(access_token, alg).decode(),
    }
    if grant.nonce is not None:
        id_claims["nonce"] = grant.nonce
    if grant.sid is not None:
        id_claims["sid"] = grant.sid
    id_token = _sign(minting, alg, id_claims, "JWT")
    refresh_token = secrets.token_urlsafe(48) if "refresh_token" in client.grant_types else None
    logged = privacy_release(client, account.account_uuid, release, "id_token")
    issue = TokenIssue(
        client_id=client.client_id,
        account_id=account.id,
        session_id=grant.session_id,
        code_id=grant.code_id,
        family_id=grant.family_id,
        scope=scope,
        auth_time=grant.auth_time,
        access_hash=sha256_hex(access_token),
        access_expires_at=now + dt.timedelta(seconds=settings.access_token_ttl_seconds),
        refresh_hash=sha256_hex(refresh_token) if refresh_token else None,
        refresh_expires_at=now + dt.timedelta(seconds=settings.refresh_token_ttl_seconds),
        releases=(logged,) if logged is not None else (),
        event=ProtocolEvent(
            "token",
            "success",
            client_id=client.client_id,
            account_uuid=account.account_uuid,
            detail={"grant_type": grant.grant_type, "scope": scope},
        ),
    )
    response: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": settings.access_token_ttl_seconds,
        "scope": scope,
        "id_token": id_token,
    }
    if refresh_token is not None:
        response["refresh_token"] = refresh_token
    return issue, response
