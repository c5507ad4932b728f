"""Bounded async load generator: N virtual users for T seconds against one loopback provider.

Scenarios (adapted from the team's peer bench, ``shared/peer-bench/loadgen.py``):

- ``flow``: fresh cookie jar; GET authorize → login page(s) submitted (password checked by the
  server) → 30x to redirect_uri with ``code`` → POST token (PKCE S256, client_secret_basic) →
  GET UserInfo. state, ``iss`` (RFC 9207), tokens and the expected claims are checked each time.
- ``sso``: one untimed login per VU keeps its session cookie; then authorize → code without any
  page (OIDC Core §3.1.2.3: a live session) → token → UserInfo.
- ``refresh``: one untimed flow per VU, then ``grant_type=refresh_token`` (RFC 6749 §6),
  following rotation.
- ``discovery`` / ``jwks``: GET the provider metadata / the JWKS.

Bounds: at most 256 VUs, 300 s, ``MAX_OPS_PER_VU`` operations per VU; work still running at
T + ``GRACE_S`` is cancelled. Only 127.0.0.0/8 targets are accepted.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import aiohttp
from joserfc import jwt
from joserfc.jwk import KeySet

from bench import procs
from bench.client import VuHttp, basic_auth
from bench.targets import FlowError, Target

__all__ = ["SCENARIOS", "run_scenario"]

SCENARIOS = ("flow", "sso", "refresh", "discovery", "jwks")
MAX_CONCURRENCY = 256
MAX_DURATION_S = 300.0
MAX_OPS_PER_VU = 100_000
GRACE_S = 10.0
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


async def fetch_meta(target: Target) -> Meta:
    """Discovery (OIDC Discovery §4) and the JWKS, once per run."""
    http = VuHttp()
    try:
        doc = json.loads((await http.get(target.discovery_url)).body)
        jwks = json.loads((await http.get(doc["jwks_uri"])).body)
    finally:
        await http.close()
    return Meta(
        doc["issuer"],
        doc["authorization_endpoint"],
        doc["token_endpoint"],
        doc["userinfo_endpoint"],
        doc["jwks_uri"],
        jwks,
    )


def _check_bounds(target: Target, concurrency: int, duration: float) -> None:
    host = urlsplit(target.base_url).hostname or ""
    if not host.startswith("127."):
        raise ValueError(f"only loopback targets are allowed, not {host!r}")
    if not (1 <= concurrency <= MAX_CONCURRENCY and 0 < duration <= MAX_DURATION_S):
        raise ValueError(f"concurrency 1..{MAX_CONCURRENCY} and duration 0..{MAX_DURATION_S} s")


async def run_scenario(
    target: Target, scenario: str, concurrency: int, duration: float, server_pid: int | None
) -> dict[str, Any]:
    """Run one scenario; returns rate, latency percentiles, errors and the CPU split."""
    _check_bounds(target, concurrency, duration)
    meta = await fetch_meta(target)
    runner, stats = Runner(target, meta), Stats()
    clients = [VuHttp() for _ in range(concurrency)]
    try:
        tokens: list[dict[str, Any]] = []
        if scenario in ("refresh", "sso"):  # untimed: a login per VU (its session / refresh token)
            tokens = await asyncio.gather(*(runner.flow(c, None) for c in clients))
        own0, busy0, snap0 = time.process_time(), procs.machine_busy_seconds(), procs.snapshot()
        t0 = time.perf_counter()
        deadline = t0 + duration
        if scenario in ("flow", "sso"):
            coros = [runner.vu_flow(c, stats, deadline, scenario == "sso") for c in clients]
        elif scenario in ("discovery", "jwks"):
            url = target.discovery_url if scenario == "discovery" else meta.jwks_uri
            coros = [runner.vu_get(c, stats, deadline, url) for c in clients]
        elif scenario == "refresh":
            coros = [
                runner.vu_refresh(c, stats, deadline, t["refresh_token"])
                for c, t in zip(clients, tokens, strict=True)
            ]
        else:
            raise ValueError(f"unknown scenario {scenario!r}")
        tasks = [asyncio.ensure_future(c) for c in coros]
        done, pending = await asyncio.wait(tasks, timeout=duration + GRACE_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        elapsed = time.perf_counter() - t0
        own, busy, snap1 = (
            time.process_time() - own0,
            procs.machine_busy_seconds() - busy0,
            procs.snapshot(),
        )
        for task in done:
            if task.exception() is not None:
                stats.error(task.exception())  # type: ignore[arg-type]
        verified = [{"kind": k, **runner.verify_id_token(t, n)} for k, t, n in stats.to_verify]
    finally:
        await asyncio.gather(*(c.close() for c in clients))
    server_cpu = procs.tree_cpu_seconds(server_pid, snap0, snap1) if server_pid else None
    return _summary(scenario, concurrency, duration, elapsed, stats, own, busy, server_cpu) | {
        "client_id": target.client_id,
        "verified_id_tokens": verified,
    }


def _percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    k = (len(values) - 1) * p / 100.0
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def _summary(
    scenario: str,
    concurrency: int,
    duration: float,
    elapsed: float,
    stats: Stats,
    own_cpu: float,
    busy: float,
    server_cpu: float | None,
) -> dict[str, Any]:
    lat = sorted(stats.latencies)

    def ms(v: float | None) -> float | None:
        return None if v is None else round(v * 1000, 2)

    def pct(seconds: float) -> float:
        return round(100 * seconds / elapsed, 1)

    return {
        "scenario": scenario,
        "concurrency": concurrency,
        "duration_s": duration,
        "elapsed_s": round(elapsed, 3),
        "completed": len(lat),
        "errors": stats.errors,
        "error_samples": stats.samples,
        "rate_per_s": round(len(lat) / elapsed, 1),
        "p50_ms": ms(_percentile(lat, 50)),
        "p95_ms": ms(_percentile(lat, 95)),
        "p99_ms": ms(_percentile(lat, 99)),
        "max_ms": ms(lat[-1] if lat else None),
        # % of one core over the run: the server's process tree, this generator, the machine.
        "server_cpu_pct": pct(server_cpu) if server_cpu is not None else None,
        "loadgen_cpu_pct": pct(own_cpu),
        "machine_busy_pct": pct(busy),
        "other_cpu_pct": pct(max(0.0, busy - own_cpu - (server_cpu or 0.0))),
        # operations per CPU-second of the server (DECISIONS.md 5: "per core")
        "per_server_cpu_s": round(len(lat) / server_cpu, 1) if server_cpu else None,
        "loadgen_pid": os.getpid(),
    }
