"""Fault injection: rules from the datastore applied to provider endpoints (admin API).

A rule names an endpoint, optionally a client, and what to do: wait ``delay_ms``, then answer
with an OAuth error in the endpoint's own protocol terms (``idp.admin.fault_responses``) or a
bare HTTP status. ``count`` makes it fire N times (decremented atomically in the datastore, so
N times across every worker); ``probability`` makes it fire on that share of requests.

The rules are cached per process behind the generation counter: a request to
a path that is no provider endpoint, or to one without rules, costs no database read beyond the
clock's cached generation check, and its body is never touched. A form is read with the
protocol endpoints' own parser (``idp.adapter``) and replayed to them as it came.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from datastore import FaultEndpoint, FaultRuleRecord
from idp import paths
from idp.adapter import ClientDisconnected, collect, is_form, parse_params, read_body
from idp.admin.fault_responses import RequestFacts, render_fault

if TYPE_CHECKING:
    from datastore import Datastore
    from idp.settings import ProviderSettings

__all__ = ["ENDPOINT_PATHS", "FaultInjectionMiddleware"]

# Endpoint names of fault rules, by path under the issuer (the paths of the real ACM).
ENDPOINT_PATHS: dict[str, FaultEndpoint] = {
    paths.DISCOVERY: "discovery",
    paths.JWKS: "jwks",
    paths.AUTHORIZATION: "authorization",
    paths.TOKEN: "token",
    paths.USERINFO: "userinfo",
    paths.INTROSPECTION: "introspection",
    paths.REVOCATION: "revocation",
    paths.LOGOUT: "logout",
}
_random = random.SystemRandom()


class FaultInjectionMiddleware:
    """ASGI middleware that applies the fault rules of the datastore to matching requests."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._paths: dict[str, FaultEndpoint] | None = None
        self._generation = -1
        self._rules: dict[str, tuple[FaultRuleRecord, ...]] = {}
        self._lock = anyio.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        app_state = getattr(scope.get("app"), "state", None)
        store: Datastore | None = getattr(app_state, "store", None)
        settings: ProviderSettings | None = getattr(app_state, "settings", None)
        if store is None or settings is None:
            await self.app(scope, receive, send)  # not inside the provider app: nothing to do
            return
        endpoint = self._endpoint(scope["path"], settings)
        if endpoint is None:
            await self.app(scope, receive, send)
            return
        rules = await self._rules_for(store, endpoint)
        if not rules:
            await self.app(scope, receive, send)
            return
        try:
            params, receive = await _request_params(scope, receive)
        except ClientDisconnected:
            return  # gone before its form was complete: no rule fires, no endpoint runs
        facts = RequestFacts(endpoint, _client_id(scope, params), params)
        rule = await self._firing_rule(store, rules, facts.client_id)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.delay_ms:
            await anyio.sleep(rule.delay_ms / 1000)
        if rule.error is None and rule.status_code is None:
            await self.app(scope, receive, send)  # a delay only
            return
        await anyio.to_thread.run_sync(_record, store, rule, facts)
        response = await anyio.to_thread.run_sync(render_fault, rule, facts, store, settings.issuer)
        await response(scope, receive, send)

    def _endpoint(self, path: str, settings: ProviderSettings) -> FaultEndpoint | None:
        if self._paths is None:
            base = urlsplit(settings.issuer).path.rstrip("/")
            self._paths = {base + suffix: name for suffix, name in ENDPOINT_PATHS.items()}
        return self._paths.get(path)

    async def _rules_for(self, store: Datastore, endpoint: str) -> tuple[FaultRuleRecord, ...]:
        generation = store.clock.generation()
        if generation != self._generation:
            async with self._lock:
                if generation != self._generation:
                    rules = await anyio.to_thread.run_sync(store.control.fault_rules)
                    grouped: dict[str, list[FaultRuleRecord]] = {}
                    for rule in rules:
                        grouped.setdefault(rule.endpoint, []).append(rule)
                    self._rules = {k: tuple(v) for k, v in grouped.items()}
                    self._generation = generation
        return self._rules.get(endpoint, ())

    @staticmethod
    async def _firing_rule(
        store: Datastore, rules: Sequence[FaultRuleRecord], client_id: str | None
    ) -> FaultRuleRecord | None:
        """The first rule (oldest first) that applies to this client and fires this time."""
        for rule in rules:
            if rule.client_id is not None and rule.client_id != client_id:
                continue
            if rule.probability < 1.0 and _random.random() >= rule.probability:
                continue
            if rule.remaining is not None and not await anyio.to_thread.run_sync(
                store.control.consume_fault_rule, rule.id
            ):
                continue
            return rule
        return None


def _record(store: Datastore, rule: FaultRuleRecord, facts: RequestFacts) -> None:
    """An event, so that ``GET /admin/api/events`` shows why the request failed."""
    store.logs.record_event(
        facts.endpoint,
        "fault",
        client_id=facts.client_id,
        error=rule.error,
        reason=f"fault rule {rule.id} injected by the admin API",
        detail={"rule_id": rule.id, "status_code": rule.status_code},
    )


async def _request_params(scope: Scope, receive: Receive) -> tuple[dict[str, str], Receive]:
    """Query and form parameters, blank ones omitted (RFC 6749 §3.1); the form is replayed.

    A form over the protocol endpoints' limit is not parsed for its client_id: what was read
    of it is replayed, and the endpoint answers it as too large.
    """
    params = _present(parse_params(scope.get("query_string", b"")))
    headers = dict(scope.get("headers") or [])
    content_type = headers.get(b"content-type", b"").decode("latin-1")
    if scope["method"] != "POST" or not is_form(content_type):
        return params, receive
    body, whole = await read_body(receive)
    if whole:
        params.update(_present(parse_params(body)))
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": not whole}
        return await receive()

    return params, replay


def _present(items: list[tuple[str, str]]) -> dict[str, str]:
    """The first value of each parameter sent with a value."""
    return {name: value for name, value in collect(items)[0].items() if value}


def _client_id(scope: Scope, params: dict[str, str]) -> str | None:
    """The client the request names: parameter, Basic credentials, assertion or access token."""
    if params.get("client_id"):
        return params["client_id"]
    headers = dict(scope.get("headers") or [])
    authorization = headers.get(b"authorization", b"").decode("latin-1")
    scheme, _, credentials = authorization.partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return unquote(decoded.partition(":")[0]) or None  # RFC 6749 §2.3.1: form-encoded
    # Unverified peeks, only to pick a rule: private_key_jwt's iss, an RFC 9068 client_id.
    if params.get("client_assertion"):
        return _jwt_claim(params["client_assertion"], "iss")
    if scheme.lower() == "bearer":
        return _jwt_claim(credentials, "client_id")
    return None


def _jwt_claim(token: str, claim: str) -> str | None:
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload: Any = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
    except (binascii.Error, ValueError):
        return None
    value = payload.get(claim) if isinstance(payload, dict) else None
    return value if isinstance(value, str) else None
