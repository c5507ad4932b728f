"""The adapter between ASGI requests and the protocol code: parameters in, once.

RFC 6749 §3.1: parameters sent without a value are treated as omitted, and a parameter must
not appear more than once. The protocol modules see an ``OAuthRequest`` only, never Starlette.
authlib's building blocks (``rfc7636`` PKCE, ``oidc.core.util`` half hashes) work on its
plain values.

This is the one parser of protocol parameters, with one size limit and one decoding, for every
protocol endpoint (``idp.dispatch``) and for fault injection (``idp.faults``):

- a GET's parameters come from the query, a POST's from its body when that is
  ``application/x-www-form-urlencoded`` (RFC 6749 §3.2, Appendix B); an endpoint that takes a
  form only answers any other POST ``invalid_request``;
- both are decoded as Starlette decodes a query string: the bytes as latin-1, then each
  ``%XX`` escape as UTF-8 (``parse_qsl``), blank values kept and then treated as omitted;
- a form larger than ``MAX_FORM_BYTES`` is ``invalid_request`` (RFC 6749 §5.2) on every
  endpoint, read no further than the limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from starlette.requests import cookie_parser
from starlette.types import Message, Receive, Scope

from idp.errors import InvalidRequest

__all__ = [
    "FORM",
    "MAX_FORM_BYTES",
    "ClientDisconnected",
    "OAuthRequest",
    "collect",
    "is_form",
    "oauth_request",
    "parse_params",
    "read_body",
]

FORM = "application/x-www-form-urlencoded"
# A protocol form is a few hundred bytes; a client assertion a few kilobytes.
MAX_FORM_BYTES = 64 * 1024
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


def collect(items: Iterable[tuple[str, str]]) -> tuple[dict[str, str], frozenset[str]]:
    """The first value of each parameter, and the names sent more than once (RFC 6749 §3.1)."""
    params: dict[str, str] = {}
    repeated: set[str] = set()
    for name, value in items:
        if name in params:
            repeated.add(name)
        else:
            params[name] = value
    return params, frozenset(repeated)


def is_form(content_type: str | None) -> bool:
    """Whether a ``Content-Type`` is ``application/x-www-form-urlencoded`` (any parameters)."""
    return (content_type or "").split(";")[0].strip().lower() == FORM


def parse_params(raw: bytes) -> list[tuple[str, str]]:
    """A query string or form body as name/value pairs, in order, blank values kept."""
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True)


class ClientDisconnected(Exception):
    """The client went away before its request body was complete: nothing may act on it."""


async def read_body(receive: Receive) -> tuple[bytes, bool]:
    """The request body, read up to just past ``MAX_FORM_BYTES``.

    Returns the bytes read and whether that is the whole body within the limit; when it is
    not, the rest is left unread in ``receive``. Raises ``ClientDisconnected`` when the client
    disconnects first (ASGI ``http.disconnect``): a cut-off form must not redeem a code or
    count as a wrong password.
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message: Message = await receive()
        if message["type"] != "http.request":
            raise ClientDisconnected
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), size <= MAX_FORM_BYTES
        if size > MAX_FORM_BYTES:
            return b"".join(chunks), False


async def oauth_request(scope: Scope, receive: Receive, *, form_only: bool) -> OAuthRequest:
    """The ``OAuthRequest`` of an HTTP request: GET query, or POST form (RFC 6749 §3.1-3.2).

    ``form_only``: a POST that is no form is ``invalid_request`` (token, login, revocation,
    introspection); otherwise it is a request without parameters.
    """
    authorization = origin = cookie = content_type = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            authorization = value.decode("latin-1")
        elif name == b"cookie":
            cookie = value.decode("latin-1")
        elif name == b"origin":
            origin = value.decode("latin-1")
        elif name == b"content-type":
            content_type = value.decode("latin-1")
    method = scope["method"]
    raw = b""
    if method == "GET":
        raw = scope["query_string"]
    elif method == "POST" and is_form(content_type):
        raw, whole = await read_body(receive)
        if not whole:
            raise InvalidRequest(f"the form is larger than {MAX_FORM_BYTES} bytes")
    elif method == "POST" and form_only:
        raise InvalidRequest(f"the request body must be {FORM}")
    params, repeated = collect(parse_params(raw))
    return OAuthRequest(
        method=method,
        params=params,
        repeated=repeated,
        authorization=authorization,
        cookies=cookie_parser(cookie) if cookie else {},
        origin=origin,
    )
