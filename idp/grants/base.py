"""What a grant of the token endpoint is (RFC 6749 §4, §5.1): one ``GrantType`` per grant type.

The token endpoint runs the shared phases (client authentication, the grant type check, the
answer) and hands the request to the grant whose ``name`` is the request's ``grant_type``; the
registry of those grants is ``idp.grants.GRANTS``, which discovery lists as
``grant_types_supported``.
"""

from __future__ import annotations

from typing import Any, Protocol

from datastore import ClientRecord
from idp.adapter import OAuthRequest
from idp.provider import Provider

__all__ = ["GrantType"]


class GrantType(Protocol):
    """A grant type the token endpoint answers (RFC 6749 §4.1.3, §4.4, §6, ...)."""

    @property
    def name(self) -> str:
        """The ``grant_type`` value (RFC 6749 §4), as clients register and send it."""
        ...

    @property
    def needs_account(self) -> bool:
        """Whether its tokens are for an account, with an ID token (OIDC Core §3.1.3.3).

        A grant without one (``client_credentials``, RFC 6749 §4.4) stores its access token
        with no account: UserInfo refuses it, introspection answers it without ``sub``.
        """
        ...

    def handle(
        self, provider: Provider, client: ClientRecord, oauth: OAuthRequest
    ) -> dict[str, Any]:
        """The token response (RFC 6749 §5.1) for an authenticated client registered for this
        grant; a refusal raises an ``idp.errors.OAuthError`` (RFC 6749 §5.2)."""
        ...
