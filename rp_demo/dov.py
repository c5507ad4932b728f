"""The DOV demo page: one pupil, as each application sees it, side by side.

``/dov/start`` runs the code flow for each application in turn on the provider's single
sign-on session (one login, then codes without a login page), so each column is a real token.
With ``LEERID_RP_ADMIN_TOKEN`` the page also shows why each missing attribute was withheld,
each application's integratiedossier (the provider's preview) and the privacy-log entries of
these logins.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from rp_demo.catalogue import (
    ATTRIBUTES,
    COMPANION_CLAIMS,
    Application,
    application,
    attributes_from_claims,
)
from rp_demo.oidc import start_login
from rp_demo.pages import DOV_QUEUE
from rp_demo.provider import ProviderError, ProviderHTTP
from rp_demo.sessions import Outcome
from rp_demo.settings import RPSettings
from rp_demo.templates import browser_session, current_session, render

__all__ = ["REASONS_NL", "router"]

router = APIRouter()

# The provider's withheld-reason codes (docs/claims.md), in the words of a DOV meeting.
REASONS_NL: dict[str, str] = {
    "not_in_protocol": "Niet in het protocol met DOV (art. 3)",
    "scope_not_requested": "Niet gevraagd door de toepassing (scope)",
    "protocol_not_active": "Protocol beëindigd of geschorst door DOV",
    "staff_account": "Personeelsaccount: geen leerlingengegevens",
    "account_disabled": "Account uitgeschakeld",
    "no_account": "Geen account gevonden",
    "temporary_account": "Tijdelijk account zonder INSZ: geen leer_id_uuid",
    "not_identified": "Leerling niet geïdentificeerd met INSZ",
    "no_enrolment": "Geen lopende inschrijving",
    "no_class": "Niet in een (sub)klas geplaatst",
    "class_sharing_off": "School deelt geen klasinformatie (databeheerder)",
    "application_not_visible": "Toepassing niet zichtbaar voor leerling of klas",
    "class_sharing_not_integrated": "Toepassing heeft klasdelen niet geïntegreerd",
    "needs_instellingsnummer": "Enkel met het instellingsnummer in het protocol",
}

# The dossier fields the protocol panel shows, with their Dutch labels.
DOSSIER_LABELS: dict[str, str] = {
    "allowed_scopes": "scopes",
    "claim_dialect": "claimnamen",
    "subject_type": "sub",
    "access_token_format": "access token",
    "token_endpoint_auth_method": "clientauthenticatie",
    "pkce_methods": "PKCE",
    "access_token_ttl_seconds": "access token geldig (s)",
    "id_token_ttl_seconds": "ID token geldig (s)",
    "refresh_token_ttl_seconds": "verversperiode (s)",
    "acr_values": "acr",
}


@dataclass
class Cell:
    """One attribute in one application's column."""

    attribute: str
    received: bool
    value: Any = None
    reason: str | None = None
    in_protocol: bool = False
    why: str | None = None


@dataclass
class Column:
    """One application's view of the pupil."""

    app: Application
    outcome: Outcome | None
    cells: list[Cell] = field(default_factory=list)
    # The provider's view of the protocol and the client's dossier (admin preview), when the
    # admin token is set.
    protocol: dict[str, Any] | None = None
    dossier: list[tuple[str, str]] = field(default_factory=list)

    @property
    def received_count(self) -> int:
        """The protocol attributes received (the school's name and vo claims come on top)."""
        return sum(1 for c in self.cells if c.received and c.attribute in ATTRIBUTES)


@router.get("/dov/start")
async def dov_start(request: Request, prompt: str | None = None) -> Response:
    """Log in with every DOV demo application in turn (one login, then SSO).

    ``prompt=login`` (OIDC Core §3.1.2.1) asks for the login page at the first application,
    so a presenter can show another pupil without logging out first.
    """
    settings: RPSettings = request.app.state.settings
    queue = [c for c in settings.dov_clients if settings.client(c) is not None]
    session = browser_session(request)
    session.dov.clear()
    if not queue:
        return render(request, "dov.html", columns=[], admin=None)
    request.session[DOV_QUEUE] = queue
    params = {"prompt": "login"} if prompt == "login" else {}
    return await start_login(request, request.app.state.oauth, settings, queue[0], **params)


@router.get("/dov", response_class=HTMLResponse)
async def dov_page(request: Request) -> Response:
    """The demo page: received and withheld attributes per application, then the privacy log."""
    settings: RPSettings = request.app.state.settings
    session = current_session(request)
    outcomes = session.dov if session is not None else {}
    if not outcomes:
        return render(request, "dov.html", columns=[], admin=None, pupil=None)
    columns = [_column(application(c), outcomes.get(c)) for c in settings.dov_clients]
    pupil = _pupil(columns)
    admin = None
    if settings.admin_token_value is not None and pupil.get("account_uuid"):
        admin = await _admin_panel(request.app.state.provider, columns, pupil["account_uuid"])
    return render(request, "dov.html", columns=columns, admin=admin, pupil=pupil)


def _column(app: Application, outcome: Outcome | None) -> Column:
    column = Column(app=app, outcome=outcome)
    received: dict[str, Any] = {}
    if outcome is not None and outcome.login is not None:
        received = attributes_from_claims(app, outcome.login.released_claims())
    for attribute in ATTRIBUTES:
        in_protocol = attribute in app.protocol_attributes
        if attribute in received:
            column.cells.append(Cell(attribute, True, received[attribute], None, in_protocol))
        else:
            reason = None if in_protocol else REASONS_NL["not_in_protocol"]
            column.cells.append(Cell(attribute, False, None, reason, in_protocol))
    for claim in COMPANION_CLAIMS:
        if claim in received:
            column.cells.append(Cell(claim, True, received[claim], None, True))
    return column


def _pupil(columns: list[Column]) -> dict[str, Any]:
    """What the applications together know of the pupil, for the page's heading."""
    pupil: dict[str, Any] = {"without_leer_id": False}
    for column in columns:
        if column.outcome is not None and column.outcome.login is not None:
            cell = next(c for c in column.cells if c.attribute == "leer_id_uuid")
            # A protocol that lists leer_id_uuid got none: the pupil has no INSZ (seed 000 art. 3).
            pupil["without_leer_id"] |= cell.in_protocol and not cell.received
    for column in columns:
        for cell in column.cells:
            if cell.received and cell.attribute not in pupil:
                pupil[cell.attribute] = cell.value
    return pupil


async def _admin_panel(
    provider: ProviderHTTP, columns: list[Column], account_uuid: str
) -> dict[str, Any]:
    """Withheld reasons from the provider's preview and the privacy-log entries of these logins.

    The admin API knows accounts by username; the account_uuid every column received finds it.
    """
    panel: dict[str, Any] = {"error": None, "entries": []}
    try:
        account = await provider.admin(f"/accounts/{quote(account_uuid, safe='')}", {})
        username = account.get("username") if isinstance(account, dict) else None
        if not isinstance(username, str):
            raise ProviderError("de admin-API kent dit account niet")
        for column in columns:
            if column.outcome is None:
                continue
            login = column.outcome.login
            preview = await provider.admin(
                "/preview",
                {
                    "client_id": column.app.client_id,
                    "username": username,
                    "scope": (login.scope if login else None) or "openid ov_leerling",
                },
            )
            _apply_preview(column, preview)
        log = await provider.admin("/privacy-log", {"account_uuid": account_uuid, "limit": "100"})
        panel["entries"] = _entries_of_these_logins(columns, log)
    except ProviderError as exc:
        panel["error"] = str(exc)
    return panel


def _entries_of_these_logins(columns: list[Column], log: Any) -> list[dict[str, Any]]:
    """The entries of the DOV clients written since the first of these logins.

    The tokens' ``iat`` is on the provider's (possibly simulated) clock, like the log's ``at``.
    """
    items = log.get("items") if isinstance(log, dict) else log
    if not isinstance(items, list):
        return []
    clients = {c.app.client_id for c in columns}
    issued = [
        int(c.outcome.login.claims["iat"])
        for c in columns
        if c.outcome is not None
        and c.outcome.login is not None
        and isinstance(c.outcome.login.claims.get("iat"), int)
    ]
    since = dt.datetime.fromtimestamp(min(issued) - 5, dt.UTC) if issued else None
    entries = []
    for entry in items:
        if not isinstance(entry, dict) or entry.get("client_id") not in clients:
            continue
        try:
            at = dt.datetime.fromisoformat(str(entry.get("at")))
        except ValueError:
            continue
        if since is None or at >= since:
            entries.append(entry)
    return sorted(entries, key=lambda e: str(e.get("at")))


def _apply_preview(column: Column, preview: Any) -> None:
    """Fill in why each attribute was released or withheld, and the protocol's periods."""
    if not isinstance(preview, dict):
        return
    if isinstance(preview.get("protocol"), dict):
        column.protocol = preview["protocol"]
    if isinstance(preview.get("dossier"), dict):
        column.dossier = _dossier_rows(preview["dossier"])
    why = {
        r.get("attribute"): r.get("why") for r in preview.get("released", []) if isinstance(r, dict)
    }
    reasons = {
        w.get("attribute"): REASONS_NL.get(str(w.get("reason"))) or w.get("detail")
        for w in preview.get("withheld", [])
        if isinstance(w, dict)
    }
    for cell in column.cells:
        if cell.received and why.get(cell.attribute):
            cell.why = str(why[cell.attribute])
        elif not cell.received and reasons.get(cell.attribute):
            cell.reason = str(reasons[cell.attribute])


def _dossier_rows(dossier: dict[str, Any]) -> list[tuple[str, str]]:
    """The dossier fields of the protocol panel as (label, text); a lifetime null is the default."""
    rows = []
    for name, label in DOSSIER_LABELS.items():
        value = dossier.get(name)
        if value is None:
            text = "standaard van de provider" if name.endswith("_ttl_seconds") else "—"
        elif isinstance(value, list):
            text = " ".join(str(v) for v in value)
        else:
            text = str(value)
        rows.append((label, text))
    return rows
