"""The pages of rp_demo: start page, login and callback, each application's page, logout.

The callback refuses a pupil without a current enrolment for applications whose protocol
receives instellingsnummer, as DOV's protocols with service providers require.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from rp_demo.catalogue import application, attributes_from_claims
from rp_demo.errors import FlowError, KnownClient
from rp_demo.oidc import complete_login, read_callback, start_login
from rp_demo.provider import ProviderError, ProviderHTTP
from rp_demo.sessions import Login, Outcome
from rp_demo.settings import RPSettings
from rp_demo.spa import SPA_STATE_PREFIX, spa_page
from rp_demo.templates import browser_session, current_session, render
from rp_demo.verify import TokenVerificationError, verify_access_token

__all__ = ["render_flow_error", "router"]

router = APIRouter()

DOV_QUEUE = "dov_queue"


def render_flow_error(request: Request, exc: FlowError) -> HTMLResponse:
    """A clear page for an error response of the provider or a failed check of rp_demo."""
    app = application(exc.client_id) if exc.client_id else None
    return render(request, "error.html", 400, error=exc, app=app)


def is_refused(login: Login) -> bool:
    """No current enrolment (no instellingsnummer) means no access, as the protocol requires."""
    app = application(login.client_id)
    released = attributes_from_claims(app, login.released_claims())
    return app.requires_enrolment and "instellingsnummer" not in released


@router.get("/", response_class=HTMLResponse)
async def start_page(request: Request, state: str | None = None) -> HTMLResponse:
    """The start page: every demo application, and whether this browser is logged in."""
    logged_out = False
    logout_client = request.session.pop("logout_client", None)
    if state and logout_client:
        # RP-Initiated Logout 1.0 §3: the provider returns our state unchanged.
        client = request.app.state.oauth.create_client(logout_client)
        try:
            await client.validate_logout_response(request)
            logged_out = True
        except OAuthError:
            logged_out = False
    session = current_session(request)
    return render(request, "index.html", session=session, logged_out=logged_out)


@router.get("/login/{client_id}")
async def login(request: Request, client_id: KnownClient, prompt: str | None = None) -> Response:
    """Start a login as ``client_id`` (``prompt=login`` forces the login page)."""
    request.session.pop(DOV_QUEUE, None)
    params = {"prompt": prompt} if prompt in ("login", "none") else {}
    return await start_login(
        request, request.app.state.oauth, request.app.state.settings, client_id, **params
    )


@router.api_route("/callback", methods=["GET", "POST"])
async def callback(request: Request) -> Response:
    """RFC 6749 §4.1.2: the provider's answer; GET for query, POST for form_post."""
    oauth: OAuth = request.app.state.oauth
    settings: RPSettings = request.app.state.settings
    provider: ProviderHTTP = request.app.state.provider
    state = request.query_params.get("state", "")
    if state.startswith(SPA_STATE_PREFIX):  # the single-page client finishes its own flow
        return spa_page(request, finishing=True)
    params = await read_callback(request, oauth, settings)
    queue: list[str] = request.session.get(DOV_QUEUE) or []
    in_dov = bool(queue) and queue[0] == params.client_id
    session = browser_session(request)
    try:
        login_result = await complete_login(params, oauth, provider, settings)
    except FlowError as exc:
        if not in_dov:
            raise
        session.dov[params.client_id] = Outcome(
            params.client_id, error=exc.code, error_description=exc.description
        )
        return await _next_in_dov(request, queue)
    refused = is_refused(login_result)
    if in_dov:
        session.dov[params.client_id] = Outcome(params.client_id, login_result, refused=refused)
        if not refused:
            session.logins[params.client_id] = login_result
        return await _next_in_dov(request, queue)
    if refused:
        session.logins.pop(params.client_id, None)
        return render(request, "refused.html", 403, app=application(params.client_id))
    session.logins[params.client_id] = login_result
    # A new login replaces the notice that the provider ended the previous one.
    session.ended_by_provider = [c for c in session.ended_by_provider if c != params.client_id]
    return RedirectResponse(f"/app/{params.client_id}", status_code=303)


async def _next_in_dov(request: Request, queue: list[str]) -> Response:
    """The DOV demo logs in with each application in turn, on the provider's SSO session."""
    rest = queue[1:]
    if not rest:
        request.session.pop(DOV_QUEUE, None)
        return RedirectResponse("/dov", status_code=303)
    request.session[DOV_QUEUE] = rest
    return await start_login(request, request.app.state.oauth, request.app.state.settings, rest[0])


@router.get("/app/{client_id}", response_class=HTMLResponse)
async def application_page(request: Request, client_id: KnownClient) -> Response:
    """The application as the pupil sees it after logging in: the attributes it received."""
    session = current_session(request)
    login_result = session.logins.get(client_id) if session else None
    app = application(client_id)
    if login_result is None:
        return render(request, "app.html", app=app, login=None, attributes={})
    attributes = attributes_from_claims(app, login_result.released_claims())
    return render(request, "app.html", app=app, login=login_result, attributes=attributes)


@router.get("/inspector/{client_id}", response_class=HTMLResponse)
async def inspector(request: Request, client_id: KnownClient) -> Response:
    """The token inspector: ID token, access token and UserInfo, with the signature checks."""
    session = current_session(request)
    login_result = session.logins.get(client_id) if session else None
    if login_result is None and session is not None and client_id in session.dov:
        login_result = session.dov[client_id].login
    access_check = None
    # An opaque access token (ACM's default) has no signature to check: only a JWT one has.
    if login_result is not None and login_result.access_token_header is not None:
        try:
            await verify_access_token(request.app.state.provider, login_result.access_token)
            access_check = "geldig (handtekening tegen de JWKS van de provider)"
        except (TokenVerificationError, ProviderError) as exc:
            access_check = f"ongeldig: {exc}"
    return render(
        request,
        "inspector.html",
        app=application(client_id),
        login=login_result,
        access_check=access_check,
    )


@router.get("/protocol/{client_id}", response_class=HTMLResponse)
async def protocol_page(request: Request, client_id: KnownClient) -> Response:
    """The protocol an application signed with DOV: its article 3 attributes and retention.

    With the admin token, also the protocol as the provider holds it (reference, status,
    purpose, legal bases, both periods).
    """
    provider: ProviderHTTP = request.app.state.provider
    registered: dict[str, Any] | None = None
    registered_error = None
    if request.app.state.settings.admin_token_value is not None:
        try:
            client = await provider.admin(f"/clients/{quote(client_id, safe='')}", {})
            key = client.get("application") if isinstance(client, dict) else None
            answer = await provider.admin(f"/protocols/{quote(str(key), safe='')}", {})
            registered = answer if isinstance(answer, dict) else None
        except ProviderError as exc:
            registered_error = str(exc)
    return render(
        request,
        "protocol.html",
        app=application(client_id),
        registered=registered,
        registered_error=registered_error,
    )


@router.post("/logout")
async def logout(request: Request) -> Response:
    """OIDC RP-Initiated Logout 1.0 §2: end our session, then the provider's, with a hint."""
    session = current_session(request)
    logins = sorted(session.logins.values(), key=lambda x: x.at) if session else []
    if session is not None:
        request.app.state.sessions.drop(session.key)
    request.session.pop("rp", None)
    request.session.pop(DOV_QUEUE, None)
    if not logins:
        return RedirectResponse("/", status_code=303)
    last = logins[-1]
    client = request.app.state.oauth.create_client(last.client_id)
    settings: RPSettings = request.app.state.settings
    request.session["logout_client"] = last.client_id
    try:
        response: Response = await client.logout_redirect(
            request,
            post_logout_redirect_uri=settings.post_logout_redirect_uri,
            id_token_hint=last.id_token,
            client_id=last.client_id,
        )
    except (RuntimeError, OSError, ValueError, httpx2.HTTPError) as exc:
        raise FlowError("rp_provider_unreachable", str(exc), client_id=last.client_id) from exc
    response.status_code = 303
    return response


_FAVICON = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16">'
    '<rect width="16" height="16" fill="#ffe615"/><path d="M4 3h2v8h6v2H4z" fill="#333332"/></svg>'
)


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    """A small icon, so browsers do not log a 404 on every page."""
    return Response(
        _FAVICON, media_type="image/svg+xml", headers={"Cache-Control": "max-age=86400"}
    )
