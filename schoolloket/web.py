"""What every Schoolloket page shares: the context, sessions, CSRF, rendering and error pages.

The session is server-side (``store.schoolloket``); the cookie ``leerid_schoolloket`` holds only
a random id and is HttpOnly, SameSite=Lax, and Secure on https; it has a name of its own, since
cookies ignore ports on localhost. Every POST form carries the session's CSRF token, compared in
constant time.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape

from datastore import (
    AlreadyExists,
    Argon2Parameters,
    Conflict,
    Datastore,
    NotFound,
    NotPermitted,
    PasswordHashing,
    SchoolloketSessionRecord,
    SchoolRoles,
    StaffRoles,
)
from idp.settings import ProviderSettings
from schoolloket.access import Forbidden, required_roles
from schoolloket.oidc import OidcClient
from schoolloket.settings import SchoolloketSettings

__all__ = [
    "CSP",
    "SESSION_ENDED",
    "Context",
    "ContextDep",
    "PageError",
    "Schoolloket",
    "Staff",
    "StaffDep",
    "check_csrf",
    "current_staff",
    "new_session_id",
    "parse_id",
    "refused_as_page",
    "session_ended",
]

BRUSSELS = ZoneInfo("Europe/Brussels")
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self' {issuer}; "
    "frame-ancestors 'none'; base-uri 'none'"
)


# A row id in a form or a query: ASCII digits only (``int()`` also takes other scripts' digits,
# signs, spaces and underscores) and short enough for the databases' 64-bit integers.
ID_DIGITS = 18


class PageError(Exception):
    """A page-level error shown to the user as an HTML page with this status."""

    def __init__(self, status: int, title: str, message: str, *, login_again: bool = False) -> None:
        self.status = status
        self.title = title
        self.message = message
        # Offer to log in with another account (after a refused login).
        self.login_again = login_again
        super().__init__(message)


def parse_id(value: str, message: str) -> int:
    """The row id a form field or query parameter names; otherwise the 400 "Ongeldige invoer"
    page that every other malformed form field gets."""
    if not (value.isascii() and value.isdigit() and len(value) <= ID_DIGITS):
        raise PageError(400, "Ongeldige invoer", message)
    return int(value)


class Schoolloket:
    """The per-process context of the Schoolloket app (``app.state.schoolloket``)."""

    def __init__(
        self, settings: ProviderSettings, own: SchoolloketSettings, store: Datastore
    ) -> None:
        self.settings = settings
        self.own = own
        self.store = store
        self.oidc = OidcClient(
            settings.issuer,
            own.client_id,
            internal_url=own.provider_internal_url,
            timeout=own.http_timeout_seconds,
            verify=settings.outbound_ssl_context(),
            now=lambda: store.clock.now().timestamp(),
        )
        self.hashing = PasswordHashing.shared(
            Argon2Parameters(
                memory_cost=settings.argon2_memory_kib,
                time_cost=settings.argon2_time_cost,
                parallelism=settings.argon2_parallelism,
            )
        )
        self.templates = Environment(
            loader=PackageLoader("schoolloket", "templates"),
            autoescape=select_autoescape(default=True),
            auto_reload=False,
        )
        self.templates.filters["brussel"] = brussels_time
        self.csp = CSP.format(issuer=settings.issuer)

    def render(self, name: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.templates.get_template(name).render(**values)
        return HTMLResponse(html, status_code=status, headers=self.page_headers())

    def page_headers(self) -> dict[str, str]:
        return {
            "Content-Security-Policy": self.csp,
            # CSP frame-ancestors for current browsers, X-Frame-Options for those that predate
            # it (RFC 7034): no Schoolloket page may be framed (clickjacking of its buttons).
            "X-Frame-Options": "DENY",
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
        }

    def set_cookie(self, response: Response, session_id: str) -> None:
        response.set_cookie(
            self.own.cookie_name,
            session_id,
            max_age=self.own.session_ttl_seconds,
            path="/schoolloket",
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
        )

    def clear_cookie(self, response: Response) -> None:
        response.delete_cookie(
            self.own.cookie_name,
            path="/schoolloket",
            httponly=True,
            samesite="lax",
            secure=self.settings.secure_cookies,
        )


def brussels_time(moment: dt.datetime) -> str:
    """A moment as Belgian staff read it: ``15/09/2025 10:00`` in Brussels time."""
    return moment.astimezone(BRUSSELS).strftime("%d/%m/%Y %H:%M")


def new_session_id() -> str:
    return secrets.token_urlsafe(32)


def get_schoolloket(request: Request) -> Schoolloket:
    schoolloket: Schoolloket = request.app.state.schoolloket
    return schoolloket


@dataclass(frozen=True, slots=True)
class Context:
    """The request's Schoolloket and its session, if any."""

    app: Schoolloket
    request: Request
    session_id: str | None
    session: SchoolloketSessionRecord | None


def get_context(request: Request) -> Context:
    app = get_schoolloket(request)
    session_id = request.cookies.get(app.own.cookie_name)
    session = app.store.schoolloket.session(session_id) if session_id else None
    return Context(app, request, session_id, session)


ContextDep = Annotated[Context, Depends(get_context)]


@dataclass(frozen=True, slots=True)
class Staff:
    """A logged-in staff member, with their roles today (simulated clock; from the datastore)."""

    ctx: Context
    roles: StaffRoles
    session: SchoolloketSessionRecord

    @property
    def app(self) -> Schoolloket:
        return self.ctx.app

    def at(self, instellingsnummer: str) -> SchoolRoles:
        """The roles at this school; 403 when there are none."""
        roles = self.roles.at(instellingsnummer)
        if roles is None:
            raise Forbidden("bekijken", instellingsnummer)
        return roles

    def require(self, action: str, instellingsnummer: str) -> SchoolRoles:
        """The roles at the school when they allow ``action`` (the access matrix); else 403."""
        roles = self.at(instellingsnummer)
        needed = required_roles(action)
        held = {"databeheerder": roles.databeheerder, "beheerder": roles.beheerder}
        if not any(held[role] for role in needed):
            raise Forbidden(action, instellingsnummer)
        return roles

    def page(self, roles: SchoolRoles | None = None, **values: Any) -> dict[str, Any]:
        """The values every page of a school gets."""
        return {
            "staff": self.roles,
            "roles": roles,
            "school": roles.school if roles else None,
            "csrf_token": self.session.csrf_token,
            **values,
        }


class NotLoggedIn(Exception):
    """No logged-in session: the user is sent to the start page."""


SESSION_ENDED = "Je sessie is verlopen of werd beëindigd. Meld je opnieuw aan."


def session_ended(ctx: Context) -> bool:
    """The browser names a logged-in session that is gone (ended, expired or its account
    disabled): the start page says so and drops the cookie."""
    if ctx.session_id is None:
        return False
    return ctx.session is None or ctx.session.account_id is not None


def current_staff(ctx: Context) -> StaffRoles | None:
    """The logged-in staff member's roles, read again on every request.

    ``None`` without a login. An account that is no longer an active staff account (disabled
    or removed meanwhile) ends the Schoolloket session here and now, so nothing it asks for is
    done, whatever is left of its session.
    """
    session = ctx.session
    if session is None or session.account_id is None:
        return None
    try:
        return ctx.app.store.schoolloket.staff_roles(session.account_id)
    except NotFound:
        if ctx.session_id is not None:
            ctx.app.store.schoolloket.end_session(ctx.session_id)
        return None


def get_staff(ctx: ContextDep) -> Staff:
    roles = current_staff(ctx)
    if roles is None or ctx.session is None:
        raise NotLoggedIn
    return Staff(ctx, roles, ctx.session)


StaffDep = Annotated[Staff, Depends(get_staff)]


def check_csrf(staff: Staff, token: str) -> None:
    """Every POST form carries the session's CSRF token (compared in constant time)."""
    if not hmac.compare_digest(token.encode(), staff.session.csrf_token.encode()):
        raise PageError(
            403,
            "Ongeldig formulier",
            "Dit formulier is verlopen of komt niet van het LeerID Schoolloket. "
            "Laad de pagina opnieuw en probeer nog eens.",
        )


@contextmanager
def refused_as_page(title: str) -> Iterator[None]:
    """A change the datastore refuses becomes a page: 403 for a missing role, 409 otherwise."""
    try:
        yield
    except NotPermitted as exc:
        raise PageError(403, "Geen toegang", str(exc)) from exc
    except (Conflict, AlreadyExists) as exc:
        raise PageError(409, title, str(exc)) from exc
    except NotFound as exc:
        raise PageError(404, title, str(exc)) from exc
