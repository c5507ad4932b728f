"""The rules more than one endpoint applies, each stated once.

Each rule is a pure function that says why a request may not go on (or ``None``, or a
yes/no); each endpoint answers that with its own protocol error. Where two endpoints answer
with the same error, the raiser is here too.
"""

from __future__ import annotations

from typing import Literal

from datastore import AccountRecord, ClientRecord
from idp.errors import InvalidGrant, UnauthorizedClient

__all__ = [
    "AccountGate",
    "check_grant_type_registered",
    "check_protocol_at_authorization",
    "check_protocol_at_grant",
    "protocol_not_active",
    "redirect_uri_registered",
    "staff_pupil_gate",
]

AccountGate = Literal["pupil_at_staff_client", "staff_at_pupil_client"]


def protocol_not_active(client: ClientRecord) -> str | None:
    """Why the client may not be served for want of a protocol with DOV, or ``None``.

    Every client but a staff-only one (the Schoolloket, which has no protocol with DOV and
    needs none) is served only while its protocol is active: the answer is the protocol's
    status (``ended``, ``suspended``), or ``missing`` when it has none.
    """
    if client.staff_only:
        return None
    if client.protocol is None:
        return "missing"
    if not client.protocol.is_active:
        return client.protocol.status
    return None


def check_protocol_at_authorization(client: ClientRecord) -> None:
    """RFC 6749 §4.1.2.1: a client without an active protocol is ``unauthorized_client``."""
    status = protocol_not_active(client)
    if status is not None:
        raise UnauthorizedClient(
            f"the client's protocol with DOV is {status}", reason=f"protocol {status}"
        )


def check_protocol_at_grant(client: ClientRecord) -> None:
    """RFC 6749 §5.2: nothing is issued once the protocol is not active (``invalid_grant``)."""
    if protocol_not_active(client) is not None:
        raise InvalidGrant(
            "the client's protocol with DOV is not active", reason="protocol not active"
        )


def staff_pupil_gate(client: ClientRecord, account: AccountRecord) -> AccountGate | None:
    """Which kind of account may log in where: staff at staff-only clients, pupils elsewhere.

    The answer names the mismatch (OIDC Core §3.1.2.6 ``access_denied`` at the endpoints).
    """
    if client.staff_only and not account.is_staff:
        return "pupil_at_staff_client"
    if not client.staff_only and account.is_staff:
        return "staff_at_pupil_client"
    return None


def redirect_uri_registered(client: ClientRecord, redirect_uri: str) -> bool:
    """OIDC Core §3.1.2.1, RFC 6749 §3.1.2.3: the redirect_uri matches a registered one exactly."""
    return redirect_uri in client.redirect_uris


def check_grant_type_registered(client: ClientRecord, grant_type: str) -> None:
    """RFC 6749 §4.1.2.1, §5.2: the client must be registered for the grant it uses."""
    if grant_type not in client.grant_types:
        raise UnauthorizedClient(f"the client is not registered for the {grant_type} grant")
