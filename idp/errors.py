"""The one error hierarchy of the provider; ``idp.rendering`` turns each into a response.

Each class is one OAuth 2.0 / OIDC error code. Where it is shown depends on how far a request
got, not on the error: before the client and its redirect_uri are verified an authorization
error is an HTML page (RFC 6749 §4.1.2.1: never redirect to an unverified URI); after that it
is a redirect back to the client (``RedirectTarget``); at the token, introspection and
revocation endpoints it is JSON (RFC 6749 §5.2); at UserInfo a Bearer challenge (RFC 6750 §3).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from datastore import RequestRefused

__all__ = [
    "AccessDenied",
    "BadAuthorizationRequest",
    "InvalidClient",
    "InvalidGrant",
    "InvalidRequest",
    "InvalidScope",
    "InvalidToken",
    "LoginRequired",
    "OAuthError",
    "RedirectTarget",
    "RegistrationNotSupported",
    "RequestNotSupported",
    "RequestUriNotSupported",
    "UnauthorizedClient",
    "UnsupportedGrantType",
    "UnsupportedResponseType",
]


@dataclass(frozen=True, slots=True)
class RedirectTarget:
    """Where an authorization response goes once client and redirect_uri are verified."""

    redirect_uri: str
    state: str | None
    response_mode: str  # "query", "fragment" or "form_post"


class OAuthError(RequestRefused):
    """An OAuth 2.0 / OIDC error: ``error`` code, human description, HTTP status. A refusal of
    the request: raised while a grant mints, the code or refresh token stays claimed."""

    error: ClassVar[str] = "server_error"
    status_code: ClassVar[int] = 400

    def __init__(
        self, description: str, *, reason: str | None = None, nl: str | None = None
    ) -> None:
        super().__init__(description)
        self.description = description
        # What an HTML error page says, in Dutch (``description`` is for machines, in English).
        self.nl = nl
        # The exact reason for the event log (more precise than the public description).
        self.reason = reason or description
        self.redirect: RedirectTarget | None = None
        self.client_id: str | None = None

    def at(self, target: RedirectTarget, client_id: str) -> OAuthError:
        """This error, to be answered as a redirect to the verified ``target``."""
        self.redirect = target
        self.client_id = client_id
        return self


class BadAuthorizationRequest(OAuthError):
    """Unknown client or unregistered redirect_uri: an HTML page, never a redirect (§4.1.2.1).

    Only ever shown on a page, so its description is the Dutch text of that page.
    """

    error = "invalid_request"

    def __init__(self, description: str, *, reason: str | None = None) -> None:
        super().__init__(description, reason=reason, nl=description)


class InvalidRequest(OAuthError):
    """RFC 6749 §4.1.2.1, §5.2: a parameter is missing, repeated, malformed or unsupported."""

    error = "invalid_request"


class UnauthorizedClient(OAuthError):
    """RFC 6749 §4.1.2.1: the client may not use this grant (or its protocol is not active)."""

    error = "unauthorized_client"


class AccessDenied(OAuthError):
    """RFC 6749 §4.1.2.1: the resource owner or the provider refused (staff vs pupils)."""

    error = "access_denied"


class UnsupportedResponseType(OAuthError):
    """RFC 6749 §4.1.2.1: only ``response_type=code`` is supported."""

    error = "unsupported_response_type"


class InvalidScope(OAuthError):
    """RFC 6749 §4.1.2.1, §5.2: a requested scope is unknown or not allowed for the client."""

    error = "invalid_scope"


class LoginRequired(OAuthError):
    """OIDC Core §3.1.2.6: ``prompt=none`` but the user must log in."""

    error = "login_required"


class RequestNotSupported(OAuthError):
    """OIDC Core §3.1.2.6: the ``request`` parameter is not supported."""

    error = "request_not_supported"


class RequestUriNotSupported(OAuthError):
    """OIDC Core §3.1.2.6: the ``request_uri`` parameter is not supported."""

    error = "request_uri_not_supported"


class RegistrationNotSupported(OAuthError):
    """OIDC Core §3.1.2.6: the ``registration`` parameter is not supported."""

    error = "registration_not_supported"


class InvalidClient(OAuthError):
    """RFC 6749 §5.2: client authentication failed (401)."""

    error = "invalid_client"
    status_code = 401

    def __init__(
        self, description: str, *, reason: str | None = None, basic_challenge: bool = False
    ) -> None:
        super().__init__(description, reason=reason)
        # RFC 6749 §5.2: a client that tried HTTP Basic gets a WWW-Authenticate challenge.
        self.basic_challenge = basic_challenge


class InvalidGrant(OAuthError):
    """RFC 6749 §5.2: the code or refresh token is invalid, expired, revoked or not the client's."""

    error = "invalid_grant"


class UnsupportedGrantType(OAuthError):
    """RFC 6749 §5.2: the grant type is not supported."""

    error = "unsupported_grant_type"


class InvalidToken(OAuthError):
    """RFC 6750 §3.1: the access token is missing, expired, revoked or malformed (401)."""

    error = "invalid_token"
    status_code = 401
