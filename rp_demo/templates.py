"""The Jinja2 templates of rp_demo and the small helpers every page uses."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from rp_demo.catalogue import ATTRIBUTE_LABELS, ATTRIBUTES, COMPANION_CLAIMS, application
from rp_demo.sessions import RPSession, SessionRegistry
from rp_demo.settings import RPSettings

__all__ = ["browser_session", "build_templates", "current_session", "render"]

_TEMPLATES = Path(__file__).resolve().parent / "templates"
_SESSION_KEY = "rp"


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False)


def _display(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value) if value else "[] (leeg)"
    return str(value)


def _duration(days: Any) -> str:
    """A protocol period in the words of the protocols: "3 jaar", "1 jaar", "45 dagen"."""
    if not isinstance(days, int):
        return str(days)
    if days and days % 365 == 0:
        return f"{days // 365} jaar"
    return f"{days} dagen"


def _moment(timestamp: Any) -> str:
    """A JWT NumericDate (RFC 7519 §2) as a readable UTC time."""
    if not isinstance(timestamp, int | float):
        return "—"
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).strftime("%d/%m/%Y %H:%M:%S UTC")


def build_templates(settings: RPSettings) -> Jinja2Templates:
    """The templates, with the settings and the attribute vocabulary as globals."""
    templates = Jinja2Templates(directory=str(_TEMPLATES))
    env = templates.env
    env.globals.update(
        settings=settings,
        application=application,
        ATTRIBUTES=ATTRIBUTES,
        COMPANION_CLAIMS=COMPANION_CLAIMS,
        ATTRIBUTE_LABELS=ATTRIBUTE_LABELS,
        admin_enabled=settings.admin_token_value is not None,
    )
    env.filters["pretty"] = _pretty
    env.filters["display"] = _display
    env.filters["duration"] = _duration
    env.filters["moment"] = _moment
    return templates


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of rp_demo; never cached, since most pages show tokens or personal data."""
    response: HTMLResponse = request.app.state.templates.TemplateResponse(
        request, name, context, status_code=status, headers={"Cache-Control": "no-store"}
    )
    return response


def current_session(request: Request) -> RPSession | None:
    """This browser's rp_demo session, if it has one."""
    registry: SessionRegistry = request.app.state.sessions
    return registry.get(request.session.get(_SESSION_KEY))


def browser_session(request: Request) -> RPSession:
    """This browser's rp_demo session, created on first use."""
    registry: SessionRegistry = request.app.state.sessions
    session = registry.get(request.session.get(_SESSION_KEY))
    if session is None:
        session = registry.create()
        request.session[_SESSION_KEY] = session.key
    return session
