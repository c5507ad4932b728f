"""Logging staff in and out through the provider, like any other application.

``/login`` starts the code flow with PKCE (OIDC Core §3.1.2.1), ``/callback`` finishes it
(RFC 6749 §4.1.2, RFC 9207 ``iss``), ``/logout`` ends the session and sends the browser to the
provider's RP-initiated logout. Who logged in is learned from the login itself: the
``account_uuid`` claim of the validated ID token (OIDC Core §3.1.3.7), or of UserInfo (§5.3);
the datastore then says whether that is an active staff account. Roles come from the datastore,
not from claims, so no token carries them.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from schoolloket.oidc import LOGGED_OUT_STATE, LoginError, origin
from schoolloket.web import (
    SESSION_ENDED,
    ContextDep,
    PageError,
    StaffDep,
    check_csrf,
    current_staff,
    new_session_id,
    session_ended,
)

__all__ = ["router"]

router = APIRouter()

LOGIN_ERRORS = {
    "access_denied": (
        "Geen toegang",
        "Het LeerID Schoolloket is enkel voor schoolpersoneel. Met een leerlingaccount kan je "
        "hier niet aanmelden.",
    ),
    "login_required": ("Niet aangemeld", "Meld je opnieuw aan."),
}


@router.get("/")
def start(ctx: ContextDep, state: Annotated[str, Query(max_length=20)] = "") -> Response:
    """The start page: a login button, or the staff member's school.

    Back from the provider's logout (RP-Initiated Logout 1.0 §3, our ``state``), it says so.
    """
    roles = current_staff(ctx)
    if roles is None or ctx.session is None:
        if not session_ended(ctx):
            return ctx.app.render("start.html", logged_out=state == LOGGED_OUT_STATE)
        page = ctx.app.render("start.html", message=SESSION_ENDED)
        ctx.app.clear_cookie(page)
        return page
    if len(roles.schools) == 1:
        nummer = roles.schools[0].school.instellingsnummer
        return RedirectResponse(f"/schoolloket/scholen/{nummer}", status_code=303)
    return ctx.app.render(
        "kies_school.html", staff=roles, csrf_token=ctx.session.csrf_token, roles=None, school=None
    )


@router.get("/login")
async def login(ctx: ContextDep, opnieuw: Annotated[str, Query(max_length=5)] = "") -> Response:
    """Send the browser to the provider's authorization endpoint (OIDC Core §3.1.2.1).

    Opened as 127.0.0.1 while the issuer says localhost (or the other way round), first move
    to the issuer's host: the callback comes back there, and the cookie must be there too.
    Only loopback names are swapped, so a proxy that rewrites Host never loops.
    """
    here, issuer = urlsplit(str(ctx.request.base_url)), urlsplit(ctx.app.oidc.issuer)
    loopback = {"localhost", "127.0.0.1", "::1"}
    if here.hostname != issuer.hostname and {here.hostname, issuer.hostname} <= loopback:
        again = "?opnieuw=1" if opnieuw else ""
        return RedirectResponse(f"{origin(ctx.app.oidc.issuer)}/schoolloket/login{again}", 303)
    try:
        request = await ctx.app.oidc.login_request(fresh=bool(opnieuw))
    except LoginError as exc:
        raise _unreachable(exc) from exc
    session_id = new_session_id()
    await run_in_threadpool(
        ctx.app.store.schoolloket.start_session,
        session_id,
        secrets.token_urlsafe(32),
        ctx.app.own.login_ttl_seconds,
        state=request.state,
        nonce=request.nonce,
        code_verifier=request.code_verifier,
    )
    response = RedirectResponse(request.url, status_code=303)
    ctx.app.set_cookie(response, session_id)
    return response


@router.get("/callback")
async def callback(
    ctx: ContextDep,
    code: Annotated[str | None, Query()] = None,
    state: Annotated[str | None, Query()] = None,
    iss: Annotated[str | None, Query()] = None,
    error: Annotated[str | None, Query()] = None,
    error_description: Annotated[str | None, Query()] = None,
) -> Response:
    """The authorization response (RFC 6749 §4.1.2): check state and iss, redeem the code."""
    pending = ctx.session
    if pending is None or pending.login_state is None or ctx.session_id is None:
        raise PageError(400, "Aanmelden mislukt", "Deze aanmelding is verlopen. Begin opnieuw.")
    if state is None or not hmac.compare_digest(state, pending.login_state):
        raise PageError(400, "Aanmelden mislukt", "Het antwoord hoort niet bij deze aanmelding.")
    # RFC 9207 §2.4: the provider announces iss in every response, so it must be there.
    if iss != ctx.app.oidc.issuer:
        raise PageError(400, "Aanmelden mislukt", "Het antwoord komt van een andere uitgever.")
    if error is not None:
        title, message = LOGIN_ERRORS.get(error, ("Aanmelden mislukt", error_description or error))
        status = 403 if error == "access_denied" else 400
        raise PageError(status, title, message, login_again=True)
    if code is None or pending.code_verifier is None or pending.login_nonce is None:
        raise PageError(400, "Aanmelden mislukt", "Het antwoord bevat geen code.")
    try:
        login = await ctx.app.oidc.exchange(code, pending.code_verifier, pending.login_nonce)
        account_uuid = await ctx.app.oidc.account_uuid(login)
    except LoginError as exc:
        # The provider's description is English, for machines: the page names only the code.
        raise PageError(
            502,
            "Aanmelden mislukt",
            f"LeerID rondde de aanmelding niet af (foutcode {exc.error}). Begin opnieuw.",
        ) from exc
    account_id = await run_in_threadpool(
        ctx.app.store.schoolloket.staff_account_by_uuid, account_uuid
    )
    if account_id is None:
        title, message = LOGIN_ERRORS["access_denied"]
        raise PageError(403, title, message, login_again=True)
    session_id = new_session_id()
    completed = await run_in_threadpool(
        ctx.app.store.schoolloket.complete_login,
        ctx.session_id,
        session_id,
        account_id,
        login.id_token,
    )
    if not completed:
        raise PageError(400, "Aanmelden mislukt", "Deze aanmelding werd al gebruikt.")
    response = RedirectResponse("/schoolloket/", status_code=303)
    ctx.app.set_cookie(response, session_id)
    return response


@router.post("/logout")
async def logout(staff: StaffDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    """End the Schoolloket session, then the provider's (RP-Initiated Logout 1.0 §2)."""
    check_csrf(staff, csrf_token)
    ctx = staff.ctx
    try:  # the provider's endpoints first: unreachable, the staff member stays logged in
        await ctx.app.oidc.endpoints()
    except LoginError as exc:
        raise _unreachable(exc, afmelden=True) from exc
    id_token = None
    if ctx.session_id:
        id_token = await run_in_threadpool(ctx.app.store.schoolloket.end_session, ctx.session_id)
    url = await ctx.app.oidc.logout_url(id_token)
    response = RedirectResponse(url, status_code=303)
    ctx.app.clear_cookie(response)
    return response


def _unreachable(exc: LoginError, *, afmelden: bool = False) -> PageError:
    """The page when the provider's discovery document cannot be read (502)."""
    if afmelden:
        return PageError(
            502,
            "Afmelden mislukt",
            f"LeerID is niet bereikbaar (foutcode {exc.error}). Probeer het later opnieuw.",
        )
    return PageError(
        502,
        "Aanmelden mislukt",
        f"LeerID is niet bereikbaar (foutcode {exc.error}). Probeer het later opnieuw.",
    )
