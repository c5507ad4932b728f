"""RP-Initiated Logout 1.0 at ``/v1/logout`` (GET and POST), with back-channel notification.

An ``id_token_hint`` that is an ID token of this provider for the browser's current session
ends that session at once, and the browser goes back to the client's registered
``post_logout_redirect_uri`` (exact match, §3) with ``state``. Any other hint (another user's
or another session's ID token, an access token, a forged or opaque string) only gets the
confirmation page (§2: the OP MUST ask when the ID token does not belong to the current
session). Without a hint the provider behaves as ACM documents its logout: ``client_id`` +
``post_logout_redirect_uri`` + ``state``, or no parameters at all, end the SSO session and
answer with the redirect or the "je bent afgemeld" page; only a request that is not a
top-level navigation (an image or a script of another site) is asked to confirm.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from typing import Any
from urllib.parse import urlencode, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from itsdangerous import BadSignature, URLSafeSerializer
from joserfc import jwt
from joserfc.errors import JoseError

from datastore import ClientRecord, ProtocolEvent, sha256_hex
from idp import paths
from idp.adapter import OAuthRequest
from idp.backchannel import notify_clients
from idp.errors import InvalidRequest
from idp.pending import csrf_browser_secret, csrf_token_for, csrf_token_ok
from idp.provider import Provider
from idp.rendering import NO_STORE, html_page
from idp.sso import CSRF_COOKIE, SESSION_COOKIE, clear_session_cookie, current_session, set_cookie

__all__ = ["logout"]

_SALT = "leerid-logout-confirmation"


# Claims that only other kinds of token carry: access tokens (RFC 9068 §2.2) and logout
# tokens (Back-Channel Logout §2.4). Their presence means the hint is not an ID token.
_NOT_ID_TOKEN_CLAIMS = ("client_id", "scope", "events")


def check_id_token_hint(provider: Provider, hint: str | None) -> dict[str, Any] | None:
    """§2: the hint counts only if it is an ID token we signed (an expired one still counts).

    A hint that does not verify (forged, opaque, signed by a key long rotated out), or that is
    another kind of token we signed (an access token, ``typ: at+jwt``; a logout token), proves
    nothing: the user is asked to confirm and no redirect happens on the hint's word (§2:
    "MUST NOT perform post-logout redirection" unless the hint is valid).
    """
    if hint is None:
        return None
    try:
        token = jwt.decode(hint, provider.keys.verification_keys())
    except (JoseError, ValueError, TypeError) as exc:
        _ignored(provider, f"does not verify ({type(exc).__name__})")
        return None
    claims = token.claims
    if token.header.get("typ", "JWT") != "JWT" or any(c in claims for c in _NOT_ID_TOKEN_CLAIMS):
        _ignored(provider, "not an ID token")
        return None
    if claims.get("iss") != provider.endpoints.issuer or not isinstance(claims.get("sid"), str):
        _ignored(provider, "not an ID token of this provider")
        return None
    return claims


def _ignored(provider: Provider, why: str) -> None:
    provider.store.logs.record_event(
        "logout", "failure", error="invalid_request", reason=f"id_token_hint ignored: {why}"
    )


def is_top_level_navigation(request: Request) -> bool:
    """Fetch Metadata (W3C): a link or a form the user followed, not an image or a script.

    Browsers without Fetch Metadata send no ``Sec-Fetch-Dest``; they count as navigations.
    """
    return request.headers.get("sec-fetch-dest", "document") == "document"


def check_client(
    provider: Provider, oauth: OAuthRequest, hint: dict[str, Any] | None
) -> ClientRecord | None:
    """§2: the client is the hint's audience; a ``client_id`` sent too must agree with it."""
    client_id = oauth.get("client_id")
    if hint is not None:
        aud = hint.get("aud")
        audience = aud[0] if isinstance(aud, list) and aud else aud
        if client_id is not None and client_id != audience:
            raise InvalidRequest(
                "client_id does not match the id_token_hint",
                nl="De client_id hoort niet bij de id_token_hint van de afmelding.",
            )
        client_id = audience if isinstance(audience, str) else None
    return provider.clients.get(client_id) if client_id else None


def check_post_logout_redirect_uri(client: ClientRecord | None, uri: str | None) -> str | None:
    """§3: post_logout_redirect_uri must exactly match one the client registered."""
    if uri is None:
        return None
    if client is None:
        raise InvalidRequest(
            "post_logout_redirect_uri needs id_token_hint or client_id",
            nl="Een post_logout_redirect_uri kan alleen samen met een id_token_hint of een "
            "client_id: zo weet LeerID bij welke toepassing het adres hoort.",
        )
    if uri not in client.post_logout_redirect_uris:
        raise InvalidRequest(
            "post_logout_redirect_uri is not registered for this client",
            nl="Deze post_logout_redirect_uri is niet geregistreerd voor de toepassing.",
        )
    return uri


def _serializer(provider: Provider) -> URLSafeSerializer:
    return URLSafeSerializer(provider.secret("login_form"), salt=_SALT)


def end_session(provider: Provider, oauth: OAuthRequest, client_id: str | None) -> None:
    """End this browser's session, and notify clients over the back channel.

    Only the browser's own session ends: a hint never names a session to end elsewhere, so a
    leaked ID token cannot log its user out of another browser.
    """
    cookie = oauth.cookies.get(SESSION_COOKIE)
    if not cookie:
        return
    ended = provider.store.oidc.end_session(
        now=provider.store.clock.now(),
        id_hash=sha256_hex(cookie),
        event=ProtocolEvent("logout", "success", client_id=client_id),
    )
    if ended is not None:
        notify_clients(provider, ended)


def finish(provider: Provider, uri: str | None, state: str | None) -> Response:
    """Back to the client (§3, with ``state``) or the Dutch "you are logged out" page."""
    if uri is not None:
        params = urlencode({"state": state}) if state else ""
        separator = "&" if urlsplit(uri).query else "?"
        target = f"{uri}{separator}{params}" if params else uri
        response: Response = RedirectResponse(target, 303, headers=NO_STORE)
    else:
        response = html_page(provider, "logged_out.html", {})
    clear_session_cookie(provider, response)
    return response


def confirmation_page(
    provider: Provider, oauth: OAuthRequest, client: ClientRecord | None, uri: str | None
) -> Response:
    """Ask before logging out when the request does not prove where it comes from."""
    tx_id = secrets.token_urlsafe(16)
    expires = provider.store.clock.now() + dt.timedelta(seconds=provider.settings.login_ttl_seconds)
    logout_tx = _serializer(provider).dumps(
        {
            "uri": uri,
            "state": oauth.get("state"),
            "client_id": client.client_id if client else None,
            "tx_id": tx_id,
            "expires": expires.timestamp(),
        }
    )
    browser_secret = csrf_browser_secret(provider, oauth.cookies)
    response = html_page(
        provider,
        "logout_confirm.html",
        {
            "action": f"{provider.endpoints.prefix}{paths.LOGOUT}",
            "logout_tx": logout_tx,
            "csrf_token": csrf_token_for(provider, browser_secret, tx_id),
        },
    )
    set_cookie(provider, response, CSRF_COOKIE, browser_secret, None)
    return response


def confirmed(provider: Provider, oauth: OAuthRequest) -> Response:
    """The user confirmed on our own page: check its signed transaction and CSRF token."""
    try:
        data = _serializer(provider).loads(oauth.get("logout_tx") or "")
        tx_id, expires = str(data["tx_id"]), float(data["expires"])
    except (BadSignature, KeyError, TypeError, ValueError) as exc:
        raise InvalidRequest(
            "the logout form is invalid",
            reason="bad logout_tx",
            nl="Het afmeldformulier is ongeldig. Meld je opnieuw af vanuit de toepassing.",
        ) from exc
    if not csrf_token_ok(provider, oauth.cookies, tx_id, oauth.get("csrf_token")):
        raise InvalidRequest(
            "the logout form is not from this browser",
            reason="logout csrf",
            nl="Het afmeldformulier komt niet uit deze browser. Meld je opnieuw af vanuit de "
            "toepassing.",
        )
    if provider.store.clock.now().timestamp() > expires:
        raise InvalidRequest(
            "the logout form has expired; log out again",
            nl="Het afmeldformulier is verlopen. Meld je opnieuw af vanuit de toepassing.",
        )
    end_session(provider, oauth, data.get("client_id"))
    return finish(provider, data.get("uri"), data.get("state"))


def logout(provider: Provider, request: Request, oauth: OAuthRequest) -> Response:
    """RP-Initiated Logout 1.0 §2-3, as an ordered list of checks."""
    oauth.no_repeats()
    if oauth.method == "POST" and oauth.get("logout_tx") is not None:
        return confirmed(provider, oauth)
    hint = check_id_token_hint(provider, oauth.get("id_token_hint"))
    client = check_client(provider, oauth, hint)
    request.state.client_id = client.client_id if client else None
    uri = check_post_logout_redirect_uri(client, oauth.get("post_logout_redirect_uri"))
    session = current_session(provider, oauth.cookies)
    if session is None:
        return finish(provider, uri, oauth.get("state"))
    if oauth.get("id_token_hint") is None:
        # ACM's documented logout: no hint, the SSO session ends (other apps' own sessions
        # are theirs). A subresource of another site is asked instead (logout CSRF).
        proven = is_top_level_navigation(request)
    else:
        # §2: only an ID token of THIS session proves the request comes from its client.
        proven = hint is not None and hmac.compare_digest(str(hint["sid"]), session.sid)
    if not proven:
        return confirmation_page(provider, oauth, client, uri)
    end_session(provider, oauth, client.client_id if client else None)
    return finish(provider, uri, oauth.get("state"))
