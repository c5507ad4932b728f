"""The login page: a Dutch, server-rendered form, kept apart from the protocol state machine.

Security choices: the same message for an unknown user, a wrong password and a disabled
account (no account enumeration); an unknown user still costs one argon2 verification
(constant timing); a per-transaction CSRF token bound by a server HMAC to a browser cookie
the server made; the pending authorization request comes back signed, never trusted from the
form; wrong passwords are counted per username, client address and transaction
(``idp.throttle``).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Mapping
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import Response

from datastore import AccountRecord, ClientRecord, ProtocolEvent, sha256_hex
from idp import paths
from idp.adapter import OAuthRequest
from idp.checks import redirect_uri_registered
from idp.codes import check_account_may_use, issue_code
from idp.errors import BadAuthorizationRequest, OAuthError
from idp.pending import (
    PendingAuthorization,
    csrf_browser_secret,
    csrf_token_for,
    csrf_token_ok,
    load_pending,
    sign_pending,
)
from idp.provider import Provider
from idp.rendering import html_page, render_error
from idp.sso import CSRF_COOKIE, SESSION_COOKIE, new_session_id, set_cookie
from idp.throttle import TOO_MANY_ATTEMPTS, TOO_MANY_STATUS, admit, count_failure, count_success

__all__ = ["LOGIN_FAILED", "login", "render_login"]

LOGIN_FAILED = "Onjuiste gebruikersnaam of wachtwoord. Controleer je gegevens en probeer opnieuw."
FORM_EXPIRED = "Je aanmeldformulier is verlopen. Meld je opnieuw aan."


def render_login(
    provider: Provider,
    cookies: Mapping[str, str],
    pending: PendingAuthorization,
    client: ClientRecord,
    *,
    error: str | None = None,
    username: str = "",
    status_code: int = 200,
) -> Response:
    """The login page for a pending request; a new login transaction unless it has one."""
    if not pending.tx_id:
        # A form shown again keeps its transaction, and so its count of password attempts.
        now = provider.store.clock.now()
        pending = pending.with_transaction(
            now + dt.timedelta(seconds=provider.settings.login_ttl_seconds)
        )
    browser_secret = csrf_browser_secret(provider, cookies)
    response = html_page(
        provider,
        "login.html",
        {
            "action": f"{provider.endpoints.prefix}{paths.LOGIN}",
            "tx": sign_pending(provider, pending),
            "csrf_token": csrf_token_for(provider, browser_secret, pending.tx_id),
            "client_name": client.name,
            "error": error,
            "username": username,
        },
        status_code=status_code,
        # Chromium applies form-action to the redirect that follows the POST as well, so the
        # client's redirect_uri origin must be allowed or the browser blocks the code response.
        form_action=f"'self' {_origin(pending.redirect_uri)}",
    )
    set_cookie(provider, response, CSRF_COOKIE, browser_secret, None)
    return response


def _origin(uri: str) -> str:
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}"


def check_client_still_registered(
    provider: Provider, pending: PendingAuthorization
) -> ClientRecord:
    """RFC 6749 §4.1.2.1: the client and redirect_uri are checked again, they may have changed."""
    client = provider.clients.get(pending.client_id)
    if client is None or not redirect_uri_registered(client, pending.redirect_uri):
        raise BadAuthorizationRequest(
            "deze toepassing of haar redirect_uri is niet (meer) geregistreerd",
            reason="client or redirect_uri no longer registered",
        )
    return client


def check_csrf(
    provider: Provider, cookies: Mapping[str, str], pending: PendingAuthorization, token: str | None
) -> bool:
    """The form's CSRF token must be the server's HMAC of this browser's cookie and transaction."""
    return csrf_token_ok(provider, cookies, pending.tx_id, token)


def authenticate(
    provider: Provider, username: str, password: str
) -> tuple[AccountRecord | None, str]:
    """Check a username and password; returns the account (or None) and the exact reason."""
    # A username with a NUL cannot exist, and PostgreSQL text cannot hold one: not looked up.
    known = username and "\x00" not in username
    account = provider.store.world.account_by_username(username) if known else None
    # Unknown users cost one verification too (a dummy hash): no timing oracle.
    valid = provider.hashing.verify(account.password_hash if account else None, password)
    if account is None:
        return None, "unknown_user"
    if not valid:
        return None, "wrong_password"
    if not account.is_active:
        return None, "account_disabled"
    if provider.hashing.needs_rehash(account.password_hash):
        provider.store.admin.update_password_hash(
            account.id, account.password_hash, provider.hashing.hash(password)
        )
    return account, "ok"


def login(provider: Provider, request: Request, oauth: OAuthRequest) -> Response:
    """Handle the submitted login form; end in the authorization response (OIDC Core §3.1.2.5)."""
    pending = load_pending(provider, oauth.get("tx"))
    client = check_client_still_registered(provider, pending)
    request.state.client_id = client.client_id
    username = (oauth.get("username") or "").strip()
    if not check_csrf(provider, oauth.cookies, pending, oauth.get("csrf_token")):
        provider.store.logs.record_event(
            "login", "failure", client_id=client.client_id, reason="csrf token missing or wrong"
        )
        return render_login(provider, oauth.cookies, pending, client, error=FORM_EXPIRED)
    admission = admit(provider, pending, username, request.client.host if request.client else "")
    if admission is None:
        provider.store.logs.record_event(
            "login",
            "failure",
            client_id=client.client_id,
            reason="too many attempts",
            detail={"username": username[:120]},
        )
        return _too_many(provider, oauth, pending, client)
    account, reason = authenticate(provider, username, oauth.get("password") or "")
    if account is None:
        provider.store.logs.record_event(
            "login",
            "failure",
            client_id=client.client_id,
            reason=reason,
            detail={"username": username[:120]},
        )
        if count_failure(provider, admission):
            return _too_many(provider, oauth, pending, client)
        return render_login(
            provider, oauth.cookies, pending, client, error=LOGIN_FAILED, username=username
        )
    count_success(provider, admission)
    request.state.account_uuid = account.account_uuid
    now = provider.store.clock.now()
    session_id = new_session_id()
    previous = oauth.cookies.get(SESSION_COOKIE)
    session = provider.store.oidc.create_session(
        id_hash=sha256_hex(session_id),
        sid=secrets.token_urlsafe(24),
        account_id=account.id,
        now=now,
        expires_at=now + dt.timedelta(seconds=provider.settings.session_ttl_seconds),
        replaces_id_hash=sha256_hex(previous) if previous else None,
        event=ProtocolEvent(
            "login", "success", client_id=client.client_id, account_uuid=account.account_uuid
        ),
    )
    try:
        check_account_may_use(client, account)
        response = issue_code(provider, pending, account, session, sso=False)
    except OAuthError as exc:
        exc.redirect = pending.target
        exc.client_id = client.client_id
        response = render_error(request, exc)
    set_cookie(
        provider, response, SESSION_COOKIE, session_id, provider.settings.session_ttl_seconds
    )
    return response


def _too_many(
    provider: Provider, oauth: OAuthRequest, pending: PendingAuthorization, client: ClientRecord
) -> Response:
    # Without the username typed: one and the same page whatever the username.
    return render_login(
        provider,
        oauth.cookies,
        pending,
        client,
        error=TOO_MANY_ATTEMPTS,
        status_code=TOO_MANY_STATUS,
    )
