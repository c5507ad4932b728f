"""Claims preview: what a login of one user at one client would release, and why.

It asks ``idp.release.decide`` exactly as the token endpoint does, with the facts the datastore
holds now and the simulated clock's date, so the preview and a real login cannot disagree.
Used by ``GET /admin/api/preview`` and ``leerid-sim preview``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from datastore import AccountRecord, ClientRecord, dossier_view
from idp.checks import AccountGate, protocol_not_active, staff_pupil_gate
from idp.claims import ACM_CLAIM_NAMES, to_claims
from idp.release import Release, ScopeError, check_scopes, decide

if TYPE_CHECKING:
    from datastore import Datastore

__all__ = [
    "InvalidScope",
    "Preview",
    "PreviewError",
    "UnknownClient",
    "UnknownUser",
    "preview",
]

_GATE_DESCRIPTIONS: dict[AccountGate, str] = {
    "pupil_at_staff_client": "the client is for school staff only",
    "staff_at_pupil_client": "a staff account cannot log in at a pupil application",
}


class PreviewError(Exception):
    """Bad preview input; ``error`` is a stable code, the message says what to change."""

    error = "invalid_request"


class UnknownClient(PreviewError):
    """No client is registered with this client_id."""

    error = "unknown_client"


class UnknownUser(PreviewError):
    """No account has this username."""

    error = "unknown_user"


class InvalidScope(PreviewError):
    """The scope would be refused at the authorization endpoint (``invalid_scope``)."""

    error = "invalid_scope"


@dataclass(frozen=True, slots=True)
class Preview:
    """A release as a login would make it now, with the context a reader needs."""

    client: ClientRecord
    account: AccountRecord
    scopes: tuple[str, ...]
    today: dt.date
    release: Release

    @property
    def login_error(self) -> tuple[str, str] | None:
        """The error the authorization endpoint would answer instead of a login, if any.

        It checks a protocol that is not active (``unauthorized_client``) and the staff/pupil gate
        (staff and pupils each only at their own kind of client: ``access_denied``).
        """
        status = protocol_not_active(self.client)
        if status is not None:
            return "unauthorized_client", f"the client's protocol is {status}"
        refusal = staff_pupil_gate(self.client, self.account)
        if refusal is not None:
            return "access_denied", _GATE_DESCRIPTIONS[refusal]
        if not self.account.is_active:
            return "access_denied", "the account is disabled"
        return None

    def as_dict(self) -> dict[str, Any]:
        """The preview as JSON: released values with why, withheld with reason, both dialects."""
        client, protocol = self.client, self.client.protocol
        login_error = self.login_error

        def claim(attribute: str) -> str:
            """The attribute's claim name in the client's dialect."""
            return ACM_CLAIM_NAMES[attribute] if client.claim_dialect == "acm" else attribute

        return {
            "client": {
                "client_id": client.client_id,
                "name": client.name,
                "claim_dialect": client.claim_dialect,
                "class_sharing_integrated": client.class_sharing_integrated,
                "staff_only": client.staff_only,
            },
            "dossier": dossier_view(client),
            "organisation": client.organisation,
            "application": {"key": client.application_key, "name": client.application_name},
            "protocol": None
            if protocol is None
            else {
                "reference": protocol.reference,
                "status": protocol.status,
                "attributes": list(protocol.attributes),
                "purpose": protocol.purpose,
                "disclosure_legal_basis": protocol.disclosure_legal_basis,
                "processing_legal_basis": protocol.processing_legal_basis,
                "source_document": protocol.source_document,
                "signed_on": protocol.signed_on.isoformat() if protocol.signed_on else None,
                "retention_days": protocol.retention_days,
                "inactive_account_deletion_days": protocol.inactive_account_deletion_days,
            },
            "account": {
                "username": self.account.username,
                "account_uuid": self.account.account_uuid,
                "temporary": self.account.is_temporary,
                "staff": self.account.is_staff,
            },
            "date": self.today.isoformat(),
            "scopes": list(self.scopes),
            "login_error": None
            if login_error is None
            else {"error": login_error[0], "error_description": login_error[1]},
            "released": [
                {
                    "attribute": r.attribute,
                    "claim": claim(r.attribute),
                    "value": list(r.value) if isinstance(r.value, list) else r.value,
                    "scope": r.scope,
                    "protocol_reference": r.protocol_reference,
                    "article": r.article,
                    "why": r.why,
                }
                for r in self.release.released
            ],
            "withheld": [
                {
                    "attribute": w.attribute,
                    "claim": claim(w.attribute),
                    "reason": w.reason,
                    "detail": w.detail,
                }
                for w in self.release.withheld
            ],
            "claims": {
                "dialect": client.claim_dialect,
                "leerid": to_claims(self.release, "leerid"),
                "acm": to_claims(self.release, "acm"),
            },
        }


def preview(store: Datastore, client_id: str, username: str, scope: str) -> Preview:
    """What a login of ``username`` at ``client_id`` with ``scope`` would release now.

    Raises ``UnknownClient``, ``UnknownUser`` or ``InvalidScope`` (OIDC Core §3.1.2.1).
    """
    client = store.world.client(client_id)
    if client is None:
        raise UnknownClient(f"no client is registered with client_id {client_id!r}")
    account = store.world.account_by_username(username)
    if account is None:
        raise UnknownUser(f"no account has the username {username!r}")
    try:
        scopes = check_scopes(client, scope)
    except ScopeError as exc:
        raise InvalidScope(f"invalid_scope: {exc.detail}") from None
    facts = store.world.release_facts(account.id, client.application_id)
    today = store.clock.today()
    return Preview(client, account, scopes, today, decide(client, scopes, facts, today))
