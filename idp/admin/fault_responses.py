"""Injected faults rendered in each endpoint's own protocol terms.

- token, introspection, revocation: a JSON error body (RFC 6749 §5.2), ``Cache-Control: no-store``.
- userinfo: ``WWW-Authenticate: Bearer error=...`` (RFC 6750 §3) and a JSON body.
- authorization: a redirect to the client with ``error``, ``state`` and ``iss`` (RFC 6749
  §4.1.2.1, RFC 9207), but only when the client and its redirect_uri are registered and match
  (RFC 6749 §4.1.2.1: otherwise never redirect); else an HTML error page.
- discovery, JWKS: a JSON error body; logout: an HTML error page.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from datastore import FaultEndpoint, FaultRuleRecord
from idp.checks import redirect_uri_registered

if TYPE_CHECKING:
    from datastore import Datastore

__all__ = ["RequestFacts", "default_status", "render_fault"]


@dataclass(frozen=True, slots=True)
class RequestFacts:
    """What the renderer needs of the request: its parameters and the client it names."""

    endpoint: FaultEndpoint
    client_id: str | None
    params: dict[str, str]


_STATUS_OF_ERROR = {
    "temporarily_unavailable": 503,
    "server_error": 500,
    "invalid_client": 401,
    "invalid_token": 401,
    "insufficient_scope": 403,
    "access_denied": 403,
}
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def default_status(endpoint: str, error: str | None) -> int:
    """The HTTP status an error normally has at ``endpoint`` (400 for most OAuth errors)."""
    if error is None:
        return 500
    status = _STATUS_OF_ERROR.get(error, 400)
    if endpoint == "token" and error == "invalid_token":
        return 400
    return status


def render_fault(
    rule: FaultRuleRecord, facts: RequestFacts, store: Datastore, issuer: str
) -> Response:
    """The response that the rule asks for, as the endpoint would answer it."""
    error = rule.error or "server_error"
    status = rule.status_code or default_status(facts.endpoint, rule.error)
    description = f"fault injected by the LeerID simulator (rule {rule.id})"
    if facts.endpoint == "authorization":
        return _authorization(rule, facts, store, issuer, error, description, status)
    if facts.endpoint == "logout":
        return _page(status, error, description)
    body = {"error": error, "error_description": description}
    if facts.endpoint == "userinfo":
        challenge = f'Bearer error="{error}", error_description="{description}"'
        return JSONResponse(body, status, headers={"WWW-Authenticate": challenge, **_NO_STORE})
    headers = dict(_NO_STORE)
    if status == 401 and facts.endpoint in ("token", "introspection", "revocation"):
        headers["WWW-Authenticate"] = 'Basic realm="leerid"'  # RFC 6749 §5.2 invalid_client
    return JSONResponse(body, status, headers=headers)


def _authorization(
    rule: FaultRuleRecord,
    facts: RequestFacts,
    store: Datastore,
    issuer: str,
    error: str,
    description: str,
    status: int,
) -> Response:
    redirect_uri = facts.params.get("redirect_uri")
    client = store.world.client(facts.client_id) if facts.client_id else None
    if (
        rule.error is None
        or client is None
        or redirect_uri is None
        or not redirect_uri_registered(client, redirect_uri)
    ):
        return _page(status, error, description)
    parameters = {"error": error, "error_description": description, "iss": issuer}
    if facts.params.get("state"):
        parameters["state"] = facts.params["state"]
    if facts.params.get("response_mode") == "form_post":
        return _form_post(redirect_uri, parameters)
    separator = "&" if "?" in redirect_uri else "?"
    return RedirectResponse(f"{redirect_uri}{separator}{urlencode(parameters)}", status_code=303)


def _page(status: int, error: str, description: str) -> HTMLResponse:
    text = html.escape(error)
    return HTMLResponse(
        "<!doctype html><html lang='nl'><head><meta charset='utf-8'><title>Fout</title></head>"
        f"<body><h1>Er ging iets mis</h1><p data-testid='error-code'>{text}</p>"
        f"<p data-testid='error-description'>{html.escape(description)}</p></body></html>",
        status_code=status,
        headers=_NO_STORE,
    )


def _form_post(redirect_uri: str, parameters: dict[str, str]) -> HTMLResponse:
    """OAuth 2.0 Form Post Response Mode §2: an auto-submitting form to the client."""
    inputs = "".join(
        f"<input type='hidden' name='{html.escape(k)}' value='{html.escape(v)}'>"
        for k, v in parameters.items()
    )
    return HTMLResponse(
        "<!doctype html><html><head><meta charset='utf-8'><title>Submit</title></head>"
        "<body onload='document.forms[0].submit()'>"
        f"<form method='post' action='{html.escape(redirect_uri)}'>{inputs}"
        "<noscript><button type='submit'>Continue</button></noscript></form></body></html>",
        headers=_NO_STORE,
    )
