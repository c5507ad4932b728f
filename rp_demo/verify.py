"""Verification of the provider's JWTs with python-jose, independently of authlib.

ID tokens per OIDC Core §3.1.3.7 (signature against the JWKS, ``iss``, ``aud``, ``azp``,
``exp``, ``nonce``, and ``at_hash`` per §3.1.3.8); logout tokens per OIDC Back-Channel
Logout 1.0 §2.6.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from jose import jwt
from jose.exceptions import JWTClaimsError, JWTError

from rp_demo.provider import ProviderHTTP

__all__ = [
    "BACKCHANNEL_LOGOUT_EVENT",
    "TokenVerificationError",
    "VerifiedToken",
    "verify_access_token",
    "verify_id_token",
    "verify_logout_token",
]

BACKCHANNEL_LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# Asymmetric algorithms only: a client secret must never be able to sign as the provider.
_ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"})


class TokenVerificationError(Exception):
    """A JWT from the provider failed a check; ``str()`` says which, in Dutch."""


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    """A JWT that passed every check, with the key that verified it."""

    header: dict[str, Any]
    claims: dict[str, Any]
    kid: str | None


async def _key_for(provider: ProviderHTTP, header: dict[str, Any]) -> dict[str, Any]:
    """The JWK named by the header's ``kid``; the JWKS is read again once when it is unknown."""
    kid = header.get("kid")
    for force in (False, True):
        keys = (await provider.jwks(force=force))["keys"]
        candidates = [k for k in keys if isinstance(k, dict) and k.get("use", "sig") == "sig"]
        if kid is not None:
            candidates = [k for k in candidates if k.get("kid") == kid]
        if len(candidates) == 1:
            return candidates[0]
        if len(candidates) > 1:
            raise TokenVerificationError("de header noemt geen kid en de JWKS heeft meer sleutels")
    raise TokenVerificationError(f"geen sleutel met kid {kid!r} in de JWKS van de provider")


async def _verify(
    provider: ProviderHTTP,
    token: str,
    *,
    audience: str,
    allowed_algs: Iterable[str],
    leeway: int,
    access_token: str | None = None,
) -> VerifiedToken:
    try:
        header = jwt.get_unverified_header(token)
    except JWTError as exc:
        raise TokenVerificationError(f"geen geldige JWT: {exc}") from exc
    alg = header.get("alg")
    allowed = set(allowed_algs) & _ASYMMETRIC
    if alg not in allowed:
        raise TokenVerificationError(
            f"algoritme {alg!r} is niet toegelaten (verwacht: {', '.join(sorted(allowed))})"
        )
    key = await _key_for(provider, header)
    metadata = await provider.metadata()
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=audience,
            issuer=metadata["issuer"],
            access_token=access_token,
            # exp and nbf are checked below, against the provider's clock when it is simulated.
            options={
                "leeway": leeway,
                # not require_exp: in python-jose it turns verify_exp back on
                "require_iat": True,
                "verify_exp": False,
                "verify_nbf": False,
            },
        )
    except JWTClaimsError as exc:
        raise TokenVerificationError(f"een claim klopt niet: {exc}") from exc
    except JWTError as exc:
        raise TokenVerificationError(f"de handtekening klopt niet: {exc}") from exc
    _check_times(claims, await provider.now(), leeway)
    return VerifiedToken(header=header, claims=claims, kid=header.get("kid"))


def _check_times(claims: dict[str, Any], now: float, leeway: int) -> None:
    """RFC 7519 §4.1.4-4.1.6: not expired, not used before nbf, not issued in the future
    (OIDC Core §3.1.3.7 item 10), with ``leeway`` seconds."""
    exp, nbf, iat = claims.get("exp"), claims.get("nbf"), claims.get("iat")
    if not isinstance(exp, int | float) or exp + leeway < now:
        raise TokenVerificationError("het token is verlopen (exp)")
    if isinstance(nbf, int | float) and nbf - leeway > now:
        raise TokenVerificationError("het token is nog niet geldig (nbf)")
    if isinstance(iat, int | float) and iat - leeway > now:
        raise TokenVerificationError("het token is uitgegeven in de toekomst (iat)")


async def verify_id_token(
    provider: ProviderHTTP,
    id_token: str,
    *,
    client_id: str,
    nonce: str | None,
    access_token: str | None,
    leeway: int,
) -> VerifiedToken:
    """OIDC Core §3.1.3.7: every check an RP must make on an ID token from the code flow."""
    metadata = await provider.metadata()
    algs = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    verified = await _verify(
        provider,
        id_token,
        audience=client_id,
        allowed_algs=algs,
        leeway=leeway,
        access_token=access_token,
    )
    claims = verified.claims
    aud = claims.get("aud")
    # §3.1.3.7 items 4-5: with several audiences, azp must be present and be us.
    if isinstance(aud, list) and len(aud) > 1 and claims.get("azp") != client_id:
        raise TokenVerificationError("meerdere audiences zonder azp voor deze client")
    if "azp" in claims and claims["azp"] != client_id:
        raise TokenVerificationError(f"azp {claims['azp']!r} is niet deze client")
    if nonce is not None and claims.get("nonce") != nonce:
        raise TokenVerificationError("de nonce in het ID-token is niet die van dit verzoek")
    if not isinstance(claims.get("sub"), str) or not claims["sub"]:
        raise TokenVerificationError("het ID-token heeft geen sub")
    if access_token is not None and "at_hash" not in claims:
        # The provider documents that it always sends at_hash; its absence hides a swapped token.
        raise TokenVerificationError("het ID-token heeft geen at_hash")
    return verified


async def verify_logout_token(
    provider: ProviderHTTP, logout_token: str, *, client_ids: Iterable[str], leeway: int
) -> tuple[str, VerifiedToken]:
    """OIDC Back-Channel Logout 1.0 §2.6: validate a logout token; (client_id, token).

    The audience is one of our clients; we try each (a logout token names one client).
    """
    metadata = await provider.metadata()
    algs = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    try:
        unverified = jwt.get_unverified_claims(logout_token)
    except JWTError as exc:
        raise TokenVerificationError(f"geen geldige JWT: {exc}") from exc
    audiences = unverified.get("aud")
    audiences = audiences if isinstance(audiences, list) else [audiences]
    client_id = next((c for c in client_ids if c in audiences), None)
    if client_id is None:
        raise TokenVerificationError("de aud van het logout-token is geen client van rp_demo")
    verified = await _verify(
        provider, logout_token, audience=client_id, allowed_algs=algs, leeway=leeway
    )
    typ = verified.header.get("typ")
    # §2.4: typed "logout+jwt" is recommended; an other explicit type is a different token.
    if typ is not None and typ.lower() not in ("logout+jwt", "application/logout+jwt", "jwt"):
        raise TokenVerificationError(f"typ {typ!r} is geen logout-token")
    claims = verified.claims
    if not claims.get("sub") and not claims.get("sid"):
        raise TokenVerificationError("het logout-token heeft geen sub en geen sid (§2.6 stap 4)")
    events = claims.get("events")
    if not isinstance(events, dict) or not isinstance(events.get(BACKCHANNEL_LOGOUT_EVENT), dict):
        raise TokenVerificationError("het logout-token heeft geen backchannel-logout event")
    if "nonce" in claims:
        raise TokenVerificationError("een logout-token mag geen nonce hebben (§2.6 stap 6)")
    if not claims.get("jti"):
        raise TokenVerificationError("het logout-token heeft geen jti")
    return client_id, verified


async def verify_access_token(provider: ProviderHTTP, access_token: str) -> VerifiedToken:
    """RFC 9068 §4 as far as a client can: signature, ``typ: at+jwt``, ``iss`` and ``exp``.

    The audience is the resource server's to check, so it is not checked here.
    """
    try:
        header = jwt.get_unverified_header(access_token)
    except JWTError as exc:
        raise TokenVerificationError(f"geen JWT: {exc}") from exc
    if str(header.get("typ", "")).lower() not in ("at+jwt", "application/at+jwt"):
        raise TokenVerificationError(f"typ {header.get('typ')!r} is geen at+jwt (RFC 9068 §2.1)")
    key = await _key_for(provider, header)
    metadata = await provider.metadata()
    try:
        claims = jwt.decode(
            access_token,
            key,
            algorithms=[header.get("alg", "")],
            issuer=metadata["issuer"],
            options={"verify_aud": False, "verify_exp": False, "verify_nbf": False},
        )
    except JWTError as exc:
        raise TokenVerificationError(str(exc)) from exc
    _check_times(claims, await provider.now(), 120)
    return VerifiedToken(header=header, claims=claims, kid=header.get("kid"))
