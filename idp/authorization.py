"""The authorization endpoint (RFC 6749 §4.1.1, OIDC Core §3.1.2), GET and POST.

The endpoint is an ordered list of checks. The first two (client, redirect_uri) fail as an
HTML page: until both are verified nothing may be sent to the redirect_uri (RFC 6749
§4.1.2.1). Every later check fails as an error redirect with ``iss`` (RFC 9207). A valid
request then gets a code at once (SSO) or the login page.
"""

from __future__ import annotations

import datetime as dt
import re

from fastapi.responses import Response

from datastore import PKCE_METHODS, ClientRecord
from idp.adapter import OAuthRequest
from idp.checks import (
    check_grant_type_registered,
    check_protocol_at_authorization,
    redirect_uri_registered,
)
from idp.codes import check_account_may_use, issue_code
from idp.errors import (
    BadAuthorizationRequest,
    InvalidRequest,
    InvalidScope,
    LoginRequired,
    OAuthError,
    RedirectTarget,
    RegistrationNotSupported,
    RequestNotSupported,
    RequestUriNotSupported,
    UnsupportedResponseType,
)
from idp.login import render_login
from idp.pending import PendingAuthorization
from idp.provider import Provider
from idp.release import ScopeError, check_scopes
from idp.sso import current_login

__all__ = ["authorize"]

RESPONSE_MODES = ("query", "fragment", "form_post")
PROMPTS = ("none", "login", "consent", "select_account")
# RFC 7636 §4.2: an S256 challenge is the base64url of a SHA-256 digest, 43 characters.
_S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")
# RFC 7636 §4.2: with plain, the challenge is the verifier itself.
_PLAIN_CHALLENGE = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_MAX_VALUE = 500  # state and nonce: generous, but bounded (they travel in the login form)


def check_client(provider: Provider, oauth: OAuthRequest) -> ClientRecord:
    """RFC 6749 §4.1.2.1: an unknown or missing client_id is shown, never redirected."""
    oauth.single("client_id", "redirect_uri")
    client_id = oauth.get("client_id")
    if client_id is None:
        raise BadAuthorizationRequest("De aanvraag heeft geen client_id.", reason="no client_id")
    client = provider.clients.get(client_id)
    if client is None:
        raise BadAuthorizationRequest(
            "Deze toepassing (client_id) is niet geregistreerd.",
            reason=f"unknown client {client_id}",
        )
    return client


def check_redirect_uri(client: ClientRecord, oauth: OAuthRequest) -> str:
    """OIDC Core §3.1.2.1: redirect_uri is required and matches a registered one exactly."""
    redirect_uri = oauth.get("redirect_uri")
    if redirect_uri is None:
        raise BadAuthorizationRequest(
            "De aanvraag heeft geen redirect_uri.", reason="no redirect_uri"
        )
    if not redirect_uri_registered(client, redirect_uri):
        raise BadAuthorizationRequest(
            "Deze redirect_uri is niet geregistreerd voor de toepassing.",
            reason=f"unregistered redirect_uri {redirect_uri}",
        )
    return redirect_uri


def check_response_mode(oauth: OAuthRequest) -> str:
    """OAuth 2.0 Multiple Response Types §2.1: ``query`` (default), ``fragment``, ``form_post``."""
    mode = oauth.get("response_mode") or "query"
    if mode not in RESPONSE_MODES:
        raise InvalidRequest("response_mode is not supported: use query, fragment or form_post")
    return mode


def check_unsupported_parameters(oauth: OAuthRequest) -> None:
    """OIDC Core §6 and §3.1.2.6: request objects and registration are not supported."""
    oauth.no_repeats()
    if oauth.get("request") is not None:
        raise RequestNotSupported("the request parameter is not supported")
    if oauth.get("request_uri") is not None:
        raise RequestUriNotSupported("the request_uri parameter is not supported")
    if oauth.get("registration") is not None:
        raise RegistrationNotSupported("the registration parameter is not supported")


def check_response_type(oauth: OAuthRequest) -> None:
    """RFC 6749 §3.1.1: only the authorization code flow (``code``)."""
    response_type = oauth.get("response_type")
    if response_type is None:
        raise InvalidRequest("response_type is required")
    if response_type != "code":
        raise UnsupportedResponseType("only response_type=code is supported")


def check_scope(client: ClientRecord, oauth: OAuthRequest) -> tuple[str, ...]:
    """RFC 6749 §3.3, OIDC Core §3.1.2.1: ``openid`` required, each scope allowed."""
    try:
        return check_scopes(client, oauth.get("scope"))
    except ScopeError as exc:
        raise InvalidScope(exc.description, reason=exc.detail) from exc


def check_pkce(client: ClientRecord, oauth: OAuthRequest) -> tuple[str | None, str | None]:
    """RFC 7636 §4.3: the method must be one the dossier allows; required for public clients.

    As on ACM, ``S256`` and ``plain`` are allowed unless the dossier allows ``S256`` only. A
    missing ``code_challenge_method`` means ``plain`` (RFC 7636 §4.3).
    """
    challenge = oauth.get("code_challenge")
    method = oauth.get("code_challenge_method")
    if challenge is None:
        if method is not None:
            raise InvalidRequest("code_challenge_method without code_challenge")
        if client.is_public:
            raise InvalidRequest("PKCE is required for public clients: send a code_challenge")
        return None, None
    method = method or "plain"
    if method not in PKCE_METHODS:
        raise InvalidRequest("code_challenge_method must be S256 or plain")
    if method not in client.pkce_methods:
        raise InvalidRequest("this client may use code_challenge_method S256 only")
    pattern = _S256_CHALLENGE if method == "S256" else _PLAIN_CHALLENGE
    if not pattern.fullmatch(challenge):
        raise InvalidRequest(
            "code_challenge is not a base64url SHA-256 value"
            if method == "S256"
            else "a plain code_challenge is 43-128 unreserved characters (RFC 7636 §4.1)"
        )
    return challenge, method


def check_prompt(oauth: OAuthRequest) -> tuple[str, ...]:
    """OIDC Core §3.1.2.1: known values; ``none`` with any other value is invalid_request."""
    values = tuple(dict.fromkeys((oauth.get("prompt") or "").split()))
    unknown = [v for v in values if v not in PROMPTS]
    if unknown:
        raise InvalidRequest(
            "prompt has a value that is not supported: use none, login, consent or select_account",
            reason=f"unknown prompt value {unknown[0]}",
        )
    if "none" in values and len(values) > 1:
        raise InvalidRequest("prompt=none cannot be combined with other values")
    return values


def check_max_age(oauth: OAuthRequest) -> int | None:
    """OIDC Core §3.1.2.1: max_age is a non-negative number of seconds."""
    raw = oauth.get("max_age")
    if raw is None:
        return None
    # ASCII digits only: str.isdigit() also passes superscripts and other scripts' digits, which
    # int() then refuses; ten digits are far beyond any session and keep int() cheap.
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10):
        raise InvalidRequest("max_age must be a non-negative integer")
    return int(raw)


def choose_acr(client: ClientRecord, oauth: OAuthRequest) -> str:
    """OIDC Core §3.1.2.1 ``acr_values``, as ACM honours it: the first requested value the
    dossier allows, else the dossier's own ``acr`` (a request is never refused for it)."""
    requested = (oauth.get("acr_values") or "").split()
    return next((v for v in requested if v in client.acr_values), client.acr)


def check_lengths(oauth: OAuthRequest) -> None:
    """Bound state and nonce: they travel in the login form and the code record."""
    for name in ("state", "nonce"):
        value = oauth.get(name)
        if value is not None and len(value) > _MAX_VALUE:
            raise InvalidRequest(f"{name} is longer than {_MAX_VALUE} characters")


def validate(provider: Provider, oauth: OAuthRequest) -> tuple[ClientRecord, PendingAuthorization]:
    """Run every check in order; the result is a pending request ready for login or SSO."""
    client = check_client(provider, oauth)
    redirect_uri = check_redirect_uri(client, oauth)
    state = oauth.get("state")
    mode = oauth.get("response_mode")
    target = RedirectTarget(redirect_uri, state, mode if mode in RESPONSE_MODES else "query")
    try:
        response_mode = check_response_mode(oauth)
        check_unsupported_parameters(oauth)
        check_response_type(oauth)
        check_protocol_at_authorization(client)
        check_grant_type_registered(client, "authorization_code")
        scopes = check_scope(client, oauth)
        challenge, method = check_pkce(client, oauth)
        prompt = check_prompt(oauth)
        max_age = check_max_age(oauth)
        check_lengths(oauth)
    except OAuthError as exc:
        raise exc.at(target, client.client_id) from None
    return client, PendingAuthorization(
        client_id=client.client_id,
        redirect_uri=redirect_uri,
        scope=" ".join(scopes),
        state=state,
        nonce=oauth.get("nonce"),
        code_challenge=challenge,
        code_challenge_method=method,
        response_mode=response_mode,
        max_age=max_age,
        prompt=prompt,
        acr=choose_acr(client, oauth),
    )


def needs_login(pending: PendingAuthorization, auth_time: dt.datetime, now: dt.datetime) -> bool:
    """OIDC Core §3.1.2.1: ``prompt=login``/``select_account`` or an exceeded ``max_age``."""
    if "login" in pending.prompt or "select_account" in pending.prompt:
        return True
    return pending.max_age is not None and (now - auth_time).total_seconds() > pending.max_age


def authorize(provider: Provider, oauth: OAuthRequest) -> Response:
    """OIDC Core §3.1.2.2-3: validate, then SSO with a live session, or the login page."""
    client, pending = validate(provider, oauth)
    live = current_login(provider, oauth.cookies)
    now = provider.store.clock.now()
    try:
        if live is not None and not needs_login(pending, live[0].auth_time, now):
            session, account = live
            if account.is_active:
                check_account_may_use(client, account)
                return issue_code(provider, pending, account, session, sso=True)
        if "none" in pending.prompt:
            raise LoginRequired(
                "the user is not logged in (or must log in again)",
                reason="prompt=none without a usable session",
            )
    except OAuthError as exc:
        raise exc.at(pending.target, client.client_id) from None
    return render_login(provider, oauth.cookies, pending, client)
