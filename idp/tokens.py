"""Minting tokens: the ID token (OIDC Core §2, §3.1.3.6), the access token (opaque, as ACM
issues them, or RFC 9068 where the client's dossier says ``jwt``), and the opaque refresh token,
with the privacy-log entry of the release.

Lifetimes come from the client's dossier, else the provider's settings. A refresh token is
issued only for a grant that asked for ``offline_access`` (OIDC Core §11) at a client whose
dossier allows it; its refresh period runs from the login and no rotation extends it.

Minting touches no database (the datastore runs it just before the grant's claim-and-store
transaction, and again inside it in the rare case that the claimed row or the pupil's facts are
not the ones it read):
``prepare_minting`` reads the clock, the signing keys and the pairwise secret beforehand.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from authlib.oidc.core.util import create_half_hash
from joserfc import jwt

from datastore import (
    AccountRecord,
    ClientRecord,
    ProtocolEvent,
    ReleaseFacts,
    TokenIssue,
    sha256_hex,
)
from idp import paths
from idp.claims import to_claims
from idp.keys import SigningKey
from idp.provider import Provider
from idp.release import Release, decide, privacy_release

__all__ = [
    "Grant",
    "Minting",
    "access_token_ttl",
    "acr_of",
    "mint_tokens",
    "offers_refresh",
    "prepare_minting",
    "release_for",
    "subject",
]


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
    acr: str
    # The grant's scope, which its refresh token keeps (RFC 6749 §6); ``None``: ``scopes``.
    refresh_scopes: tuple[str, ...] | None = None
    # The end of the grant's refresh period; ``None``: this is the login, the period starts now.
    refresh_expires_at: dt.datetime | None = None
    # Whether the answer carries an ID token. ACM's refresh answer has none (and no ``scope``):
    # only the new access and refresh tokens, which OIDC Core §12.2 allows.
    id_token: bool = True

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


def access_token_ttl(provider: Provider, client: ClientRecord) -> int:
    """Seconds an access token of this client lives: its dossier's, else the setting."""
    ttl = client.access_token_ttl_seconds
    return provider.settings.access_token_ttl_seconds if ttl is None else ttl


def _id_token_ttl(provider: Provider, client: ClientRecord) -> int:
    ttl = client.id_token_ttl_seconds
    return provider.settings.id_token_ttl_seconds if ttl is None else ttl


def _refresh_period(provider: Provider, client: ClientRecord) -> int:
    ttl = client.refresh_token_ttl_seconds
    return provider.settings.refresh_token_ttl_seconds if ttl is None else ttl


def offers_refresh(client: ClientRecord, scopes: tuple[str, ...]) -> bool:
    """OIDC Core §11: refresh tokens only for ``offline_access``, and only where the dossier
    allows both that scope and the refresh_token grant (as ACM issues them)."""
    return (
        "offline_access" in scopes
        and "offline_access" in client.allowed_scopes
        and "refresh_token" in client.grant_types
    )


def acr_of(client: ClientRecord, stored: str | None) -> str:
    """The ``acr`` a code or token carries; ``None`` (stored before codes carried one) is the
    dossier's own."""
    return client.acr if stored is None else stored


def _sign(minting: Minting, alg: str, claims: dict[str, Any], typ: str) -> str:
    key = minting.keys[alg]
    return jwt.encode({"alg": alg, "kid": key.kid, "typ": typ}, claims, key)


def _id_token(
    provider: Provider,
    minting: Minting,
    grant: Grant,
    release: Release,
    sub: str,
    iat: int,
    access_token: str,
) -> str:
    """The signed ID token of a grant (OIDC Core §2, §3.1.3.6; §12.2 for a refresh)."""
    client = grant.client
    alg = client.id_token_signed_response_alg
    claims: dict[str, Any] = {
        **to_claims(release, client.claim_dialect),
        "iss": provider.endpoints.issuer,
        "sub": sub,
        "aud": client.client_id,
        "azp": client.client_id,
        "iat": iat,
        "exp": iat + _id_token_ttl(provider, client),
        "auth_time": int(grant.auth_time.timestamp()),
        "acr": grant.acr,
        "at_hash": create_half_hash(access_token, alg).decode(),
    }
    if grant.nonce is not None:
        claims["nonce"] = grant.nonce
    if grant.sid is not None:
        claims["sid"] = grant.sid
    return _sign(minting, alg, claims, "JWT")


def mint_tokens(
    provider: Provider, minting: Minting, grant: Grant
) -> tuple[TokenIssue, dict[str, Any]]:
    """Sign the tokens of a grant: what to store, and the token response (RFC 6749 §5.1)."""
    endpoints = provider.endpoints
    client, account = grant.client, grant.account
    now = minting.now
    iat = int(now.timestamp())
    access_ttl = access_token_ttl(provider, client)
    sub = subject(provider, client, account)
    scope = " ".join(grant.scopes)
    if client.access_token_format == "jwt":  # noqa: S105 - a format name
        access_token = _sign(
            minting,
            "RS256",
            {
                # RFC 9068 §2.2: no personal attribute, only who, for whom, what and how long.
                "iss": endpoints.issuer,
                "sub": sub,
                "aud": endpoints.url(paths.USERINFO),
                "client_id": client.client_id,
                "scope": scope,
                "auth_time": int(grant.auth_time.timestamp()),
                "iat": iat,
                "exp": iat + access_ttl,
                "jti": secrets.token_urlsafe(16),
            },
            "at+jwt",
        )
    else:
        # Opaque, as ACM's: a client cannot read anything from it, only present it.
        access_token = secrets.token_urlsafe(32)
    response: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "Bearer",
        "expires_in": access_ttl,
    }
    logged = None
    if grant.id_token:
        # Only an ID token releases attributes here; UserInfo decides again when it is asked.
        release = decide(client, grant.scopes, grant.facts, minting.today)
        response["scope"] = scope
        response["id_token"] = _id_token(provider, minting, grant, release, sub, iat, access_token)
        logged = privacy_release(client, account.account_uuid, release, "id_token", acr=True)
    refresh_scopes = grant.scopes if grant.refresh_scopes is None else grant.refresh_scopes
    refresh_token = secrets.token_urlsafe(48) if offers_refresh(client, refresh_scopes) else None
    refresh_expires_at = grant.refresh_expires_at
    if refresh_expires_at is None:
        refresh_expires_at = now + dt.timedelta(seconds=_refresh_period(provider, client))
    issue = TokenIssue(
        client_id=client.client_id,
        account_id=account.id,
        session_id=grant.session_id,
        code_id=grant.code_id,
        family_id=grant.family_id,
        scope=scope,
        auth_time=grant.auth_time,
        access_hash=sha256_hex(access_token),
        access_expires_at=now + dt.timedelta(seconds=access_ttl),
        refresh_hash=sha256_hex(refresh_token) if refresh_token else None,
        refresh_expires_at=refresh_expires_at if refresh_token else None,
        releases=(logged,) if logged is not None else (),
        event=ProtocolEvent(
            "token",
            "success",
            client_id=client.client_id,
            account_uuid=account.account_uuid,
            detail={"grant_type": grant.grant_type, "scope": scope},
        ),
        refresh_scope=" ".join(refresh_scopes),
        acr=grant.acr,
    )
    if refresh_token is not None:
        response["refresh_token"] = refresh_token
    return issue, response
