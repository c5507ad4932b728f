"""The adapter between Starlette requests and the protocol code: parameters in, once.

RFC 6749 §3.1: parameters sent without a value are treated as omitted, and a parameter must
not appear more than once. The protocol modules see an ``OAuthRequest`` only, never Starlette.
authlib's building blocks (``rfc7636`` PKCE, ``oidc.core.util`` half hashes) work on its
plain values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from fastapi import Request

from idp.errors import InvalidRequest

__all__ = ["FORM", "OAuthRequest", "collect", "form_request", "query_or_form_request"]

FORM = "application/x-www-form-urlencoded"
# The parameters of the endpoints this provider serves (RFC 6749, OIDC Core §3.1.2.1, RFC 7009,
# RFC 7662, RFC 7523, RP-Initiated Logout): an error may name one of these, never other text.
KNOWN_PARAMETERS = frozenset(
    {
        "acr_values", "claims", "client_assertion", "client_assertion_type", "client_id",
        "client_secret", "code", "code_challenge", "code_challenge_method", "code_verifier",
        "display", "grant_type", "id_token_hint", "login_hint", "logout_hint", "max_age",
        "nonce", "post_logout_redirect_uri", "prompt", "redirect_uri", "refresh_token",
        "registration", "request", "request_uri", "response_mode", "response_type", "scope",
        "state", "token", "token_type_hint", "ui_locales",
    }
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OAuthRequest:
    """The parameters and the few headers of a protocol request."""

    method: str
    params: Mapping[str, str]
    repeated: frozenset[str]
    authorization: str | None
    cookies: Mapping[str, str] = field(default_factory=dict)
    origin: str | None = None

    def get(self, name: str) -> str | None:
        """The parameter, or ``None`` when absent or empty (RFC 6749 §3.1)."""
        value = self.params.get(name)
        return value if value else None

    def single(self, *names: str) -> None:
        """Raise ``invalid_request`` when one of ``names`` was sent more than once."""
        for name in names:
            if name in self.repeated:
                raise InvalidRequest(
                    f"parameter {name} is repeated",
                    nl=f"De parameter {name} komt meer dan één keer voor in de aanvraag.",
                )

    def no_repeats(self) -> None:
        """Raise ``invalid_request`` when any parameter was sent more than once (§3.1)."""
        if self.repeated:
            name = min(self.repeated)
            # Only a parameter name of the protocol is repeated back: never the client's text.
            known = name in KNOWN_PARAMETERS
            shown = f"parameter {name}" if known else "a parameter"
            raise InvalidRequest(
                f"{shown} is repeated",
                reason=f"parameter {name} is repeated",
                nl=(
                    f"De parameter {name} komt meer dan één keer voor in de aanvraag."
                    if known
                    else "Een parameter komt meer dan één keer voor in de aanvraag."
                ),
            )


def collect(items: list[tuple[str, str]]) -> tuple[dict[str, str], frozenset[str]]:
    """The first value of each parameter, and the names sent more than once (RFC 6749 §3.1)."""
    params: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in items:
        if name in params:
            repeated.add(name)
        else:
            params[name] = value
    return params, frozenset(repeated)


async def _form_items(request: Request) -> list[tuple[str, str]]:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM:
        return []
    form = await request.form()
    return [(k, v) for k, v in form.multi_items() if isinstance(v, str)]


def _build(request: Request, items: list[tuple[str, str]]) -> OAuthRequest:
    params, repeated = collect(items)
    return OAuthRequest(
        method=request.method,
        params=params,
        repeated=repeated,
        authorization=request.headers.get("authorization"),
        cookies=request.cookies,
        origin=request.headers.get("origin"),
    )


async def form_request(request: Request) -> OAuthRequest:
    """The form body of a POST (RFC 6749 §3.2: ``application/x-www-form-urlencoded``)."""
    if request.method == "POST":
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != FORM:
            raise InvalidRequest(
                f"the request body must be {FORM}",
                nl=f"De aanvraag moet als formulier ({FORM}) verstuurd worden.",
            )
    return _build(request, await _form_items(request))


async def query_or_form_request(request: Request) -> OAuthRequest:
    """GET query parameters, or a POST form (OIDC Core §3.1.2.1: both are allowed)."""
    if request.method == "GET":
        return _build(request, list(request.query_params.multi_items()))
    return _build(request, await _form_items(request))
