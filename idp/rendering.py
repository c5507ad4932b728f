"""Responses: HTML pages with security headers, authorization responses, JSON, and errors.

``render_error`` is the one place where an ``OAuthError`` becomes a response (and a failure
event with its exact reason).
"""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from idp.errors import InvalidClient, InvalidToken, OAuthError, RedirectTarget
from idp.provider import Provider

__all__ = [
    "authorization_response",
    "html_page",
    "json_response",
    "render_error",
    "render_unexpected",
    "safe_description",
]

log = logging.getLogger("idp")

_DESCRIPTION_CHARACTERS = frozenset(chr(c) for c in range(0x20, 0x7F)) - {'"', "\\"}

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _page_headers(nonce: str, form_action: str, connect_src: str | None) -> dict[str, str]:
    # Pages are never framed (clickjacking) and run no script or style but their own.
    connect = f"; connect-src {connect_src}" if connect_src else ""
    return {
        "Content-Security-Policy": (
            f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
            f"img-src 'self' data:; form-action {form_action}; frame-ancestors 'none'; "
            f"base-uri 'none'{connect}"
        ),
        "X-Frame-Options": "DENY",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        **NO_STORE,
    }


def html_page(
    provider: Provider,
    template: str,
    context: Mapping[str, Any],
    *,
    status_code: int = 200,
    form_action: str = "'self'",
    connect_src: str | None = None,
) -> HTMLResponse:
    """A server-rendered Dutch page with CSP, anti-framing and no-store headers.

    ``connect_src``: where the page's own script may send requests (none by default).
    """
    nonce = secrets.token_urlsafe(16)
    body = provider.templates.get_template(template).render(nonce=nonce, **context)
    headers = _page_headers(nonce, form_action, connect_src)
    return HTMLResponse(body, status_code, headers=headers)


def json_response(
    data: Mapping[str, Any], *, status_code: int = 200, headers: Mapping[str, str] | None = None
) -> Response:
    """A JSON response that no cache keeps (RFC 6749 §5.1)."""
    return Response(
        json.dumps(data, separators=(",", ":")),
        status_code,
        headers={**NO_STORE, **(headers or {})},
        media_type="application/json",
    )


def authorization_response(
    provider: Provider,
    target: RedirectTarget,
    params: Mapping[str, str | None],
    *,
    iss: str | None = None,
) -> Response:
    """An authorization response (RFC 6749 §4.1.2) with ``iss`` (RFC 9207 §2).

    ``query``: a 303 redirect with the parameters in the query; ``fragment``: in the fragment;
    ``form_post`` (OAuth 2.0 Form Post Response Mode §2): an HTML page that posts them to the
    redirect_uri by itself.
    """
    values = {k: v for k, v in params.items() if v is not None}
    if target.state is not None:
        values["state"] = target.state
    values["iss"] = provider.endpoints.issuer if iss is None else iss  # another: a test scenario
    if target.response_mode == "form_post":
        parts = urlsplit(target.redirect_uri)
        return html_page(
            provider,
            "form_post.html",
            {"action": target.redirect_uri, "fields": values},
            form_action=f"{parts.scheme}://{parts.netloc}",
        )
    if target.response_mode == "fragment":
        # Multiple Response Types §2.1: the parameters in the fragment, which the browser keeps
        # to itself (a redirect_uri never has a fragment, RFC 6749 §3.1.2).
        return RedirectResponse(f"{target.redirect_uri}#{urlencode(values)}", 303, headers=NO_STORE)
    separator = "&" if urlsplit(target.redirect_uri).query else "?"
    return RedirectResponse(
        f"{target.redirect_uri}{separator}{urlencode(values)}", 303, headers=NO_STORE
    )


def render_error(request: Request, exc: Exception) -> Response:
    """Render an ``OAuthError`` where the request got to, and record the failure event."""
    assert isinstance(exc, OAuthError)
    provider: Provider = request.app.state.provider
    _record_failure(provider, request, exc)
    description = safe_description(exc.description)
    if exc.redirect is not None:
        return authorization_response(
            provider,
            exc.redirect,
            {"error": exc.error, "error_description": description},
        )
    if getattr(request.state, "html_errors", False):
        return html_page(
            provider,
            "error.html",
            {"error": exc.error, "description": exc.nl or page_message(exc.error)},
            status_code=exc.status_code,
        )
    headers: dict[str, str] = {}
    if isinstance(exc, InvalidToken):
        headers["WWW-Authenticate"] = (
            f'Bearer error="invalid_token", error_description="{description}"'
        )
    elif isinstance(exc, InvalidClient) and exc.basic_challenge:
        headers["WWW-Authenticate"] = 'Basic realm="LeerID"'
    return json_response(
        {"error": exc.error, "error_description": description},
        status_code=exc.status_code,
        headers=headers,
    )


def render_unexpected(request: Request, exc: Exception) -> Response:
    """Any other failure: ``server_error`` without a traceback (logged for the operator)."""
    log.exception("unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    body = {"error": "server_error", "error_description": "the provider failed unexpectedly"}
    if getattr(request.state, "html_errors", False):
        provider: Provider = request.app.state.provider
        return html_page(
            provider,
            "error.html",
            {"error": body["error"], "description": page_message(body["error"])},
            status_code=500,
        )
    return json_response(body, status_code=500)


# What an error page says when the error has no Dutch text of its own (RFC 6749 §4.1.2.1).
_PAGE_MESSAGES = {
    "invalid_request": "De aanvraag van de toepassing is niet geldig.",
    "unauthorized_client": "Deze toepassing mag niet aanmelden via LeerID.",
    "server_error": "Er ging onverwacht iets mis bij LeerID. Probeer het later opnieuw.",
}


def page_message(error: str) -> str:
    """The Dutch sentence of an error page for an error code."""
    return _PAGE_MESSAGES.get(error, "LeerID kon de aanvraag van de toepassing niet verwerken.")


def _record_failure(provider: Provider, request: Request, exc: OAuthError) -> None:
    event_type = getattr(request.state, "event_type", None)
    if event_type is None:
        return
    try:
        provider.store.logs.record_event(
            event_type,
            "failure",
            client_id=exc.client_id or getattr(request.state, "client_id", None),
            account_uuid=getattr(request.state, "account_uuid", None),
            error=exc.error,
            reason=exc.reason,
        )
    except Exception:  # the error response matters more than its log line
        log.exception("could not record a %s failure event", event_type)


def safe_description(text: str) -> str:
    """RFC 6749 §4.1.2.1, §5.2: ``error_description`` holds %x20-21 / %x23-5B / %x5D-7E only.

    The descriptions are fixed texts, but this last step guarantees that no other character
    (a quote or backslash that would break the ``WWW-Authenticate`` header, a control
    character, non-ASCII) ever reaches a client.
    """
    return "".join(c for c in text if c in _DESCRIPTION_CHARACTERS)
