"""One virtual user's work: the OAuth 2.0 / OIDC flows the load generator repeats."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import aiohttp
from joserfc import jwt
from joserfc.jwk import KeySet

from bench.client import VuHttp, basic_auth
from bench.targets import FlowError, Target

__all__ = ["MAX_OPS_PER_VU", "Meta", "Runner", "Stats"]

MAX_OPS_PER_VU = 100_000
MAX_REDIRECT_STEPS = 12
_REDIRECTS = (301, 302, 303, 307, 308)
_ERRORS = (FlowError, aiohttp.ClientError, asyncio.TimeoutError, ValueError, KeyError)


@dataclass(frozen=True)
class Meta:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    userinfo_endpoint: str
    jwks_uri: str
    jwks: dict[str, Any]


@dataclass
class Stats:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    samples: dict[str, int] = field(default_factory=dict)
    to_verify: list[tuple[str, str, str | None]] = field(default_factory=list)

    def error(self, exc: BaseException) -> None:
        self.errors += 1
        key = f"{type(exc).__name__}: {str(exc)[:160]}"
        if len(self.samples) < 10 or key in self.samples:
            self.samples[key] = self.samples.get(key, 0) + 1


def _b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _pkce() -> tuple[str, str]:
    """RFC 7636 §4.1-4.2: a verifier and its S256 challenge."""
    verifier = _b64url(secrets.token_bytes(32))
    return verifier, _b64url(hashlib.sha256(verifier.encode()).digest())


class Runner:
    def __init__(self, target: Target, meta: Meta) -> None:
        self.t, self.meta = target, meta
        self.auth = {"authorization": basic_auth(target.client_id, target.client_secret)}

    async def _to_code(self, http: VuHttp, params: dict[str, str], sso: bool) -> dict[str, str]:
        reply = await http.get(self.meta.authorization_endpoint + "?" + urlencode(params))
        for _ in range(MAX_REDIRECT_STEPS):
            if reply.status in _REDIRECTS and reply.location:
                location = urljoin(reply.url, reply.location)
                if location.startswith(self.t.redirect_uri):
                    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
                    if "code" not in query:
                        raise FlowError(f"redirect without code: {query}")
                    return query
                reply = await http.get(location)
            elif reply.status == 200 and sso:
                raise FlowError(f"SSO session not reused: a page at {reply.url.split('?')[0]}")
            elif reply.status == 200:
                reply = await self.t.submit_page(http, reply)
            else:
                raise FlowError(f"authorize chain HTTP {reply.status}: {reply.text[:120]}")
        raise FlowError("too many authorize steps")

    async def flow(self, http: VuHttp, stats: Stats | None, sso: bool = False) -> dict[str, Any]:
        """One authorization code flow with PKCE (RFC 6749 §4.1, OIDC Core §3.1)."""
        if not sso:
            http.jar.clear()
        verifier, challenge = _pkce()
        state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
        params = {
            "client_id": self.t.client_id,
            "response_type": "code",
            "redirect_uri": self.t.redirect_uri,
            "scope": self.t.scope,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **(self.t.sso_authorize_params if sso else self.t.authorize_params),
        }
        query = await self._to_code(http, params, sso)
        if query.get("state") != state:
            raise FlowError("state mismatch")
        if "iss" in query and query["iss"] != self.meta.issuer:
            raise FlowError(f"iss mismatch: {query['iss']}")
        form = {
            "grant_type": "authorization_code",
            "code": query["code"],
            "redirect_uri": self.t.redirect_uri,
            "code_verifier": verifier,
        }
        reply = await http.post(self.meta.token_endpoint, form, self.auth)
        if reply.status != 200:
            raise FlowError(f"token HTTP {reply.status}: {reply.text[:160]}")
        tokens: dict[str, Any] = json.loads(reply.body)
        if not tokens.get("access_token") or not tokens.get("id_token"):
            raise FlowError(f"token response lacks access_token/id_token: {sorted(tokens)}")
        if not sso and not tokens.get("refresh_token"):
            raise FlowError("token response lacks refresh_token")
        bearer = {"authorization": f"Bearer {tokens['access_token']}"}
        info_reply = await http.get(self.meta.userinfo_endpoint, bearer)
        if info_reply.status != 200:
            raise FlowError(f"userinfo HTTP {info_reply.status}: {info_reply.text[:160]}")
        info = json.loads(info_reply.body)
        missing = [c for c in self.t.expect_userinfo_claims if c not in info]
        if missing:
            raise FlowError(f"userinfo lacks {missing}")
        if stats is not None and not stats.to_verify:
            stats.to_verify.append(("code", tokens["id_token"], nonce))
        return tokens

    async def vu_flow(self, http: VuHttp, stats: Stats, deadline: float, sso: bool) -> None:
        for _ in range(MAX_OPS_PER_VU):
            if time.perf_counter() >= deadline:
                return
            t0 = time.perf_counter()
            try:
                await self.flow(http, stats, sso)
                stats.latencies.append(time.perf_counter() - t0)
            except _ERRORS as exc:
                stats.error(exc)
                await asyncio.sleep(0.05)

    async def vu_get(self, http: VuHttp, stats: Stats, deadline: float, url: str) -> None:
        for _ in range(MAX_OPS_PER_VU):
            if time.perf_counter() >= deadline:
                return
            t0 = time.perf_counter()
            try:
                reply = await http.get(url)
                if reply.status != 200 or not reply.body.startswith(b"{"):
                    raise FlowError(f"GET {url} HTTP {reply.status}")
                stats.latencies.append(time.perf_counter() - t0)
            except _ERRORS as exc:
                stats.error(exc)
                await asyncio.sleep(0.05)

    async def vu_refresh(self, http: VuHttp, stats: Stats, deadline: float, rt: str) -> None:
        for _ in range(MAX_OPS_PER_VU):
            if time.perf_counter() >= deadline:
                return
            t0 = time.perf_counter()
            try:
                form = {"grant_type": "refresh_token", "refresh_token": rt}
                reply = await http.post(self.meta.token_endpoint, form, self.auth)
                if reply.status != 200:
                    raise FlowError(f"refresh HTTP {reply.status}: {reply.text[:160]}")
                tokens = json.loads(reply.body)
                if not tokens.get("access_token"):
                    raise FlowError("refresh response lacks access_token")
                rt = tokens.get("refresh_token") or rt
                stats.latencies.append(time.perf_counter() - t0)
                if tokens.get("id_token") and len(stats.to_verify) < 1:
                    stats.to_verify.append(("refresh", tokens["id_token"], None))
            except _ERRORS as exc:
                stats.error(exc)
                await asyncio.sleep(0.05)

    def verify_id_token(self, token: str, nonce: str | None) -> dict[str, Any]:
        """OIDC Core §3.1.3.7: signature against the JWKS, iss, aud, exp, iat, nonce."""
        keys = KeySet.import_key_set(self.meta.jwks)  # type: ignore[arg-type]
        decoded = jwt.decode(token, keys, algorithms=["RS256", "ES256", "PS256", "EdDSA"])
        claims = decoded.claims
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": self.meta.issuer},
            aud={"essential": True, "value": self.t.client_id},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        )
        registry.validate(claims)
        if nonce is not None and claims.get("nonce") != nonce:
            raise FlowError("id_token nonce mismatch")
        return {"alg": decoded.header["alg"], "kid": decoded.header.get("kid")}
