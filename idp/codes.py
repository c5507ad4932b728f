"""Issuing an authorization code to a logged-in user (RFC 6749 §4.1.2, OIDC Core §3.1.2.5)."""

from __future__ import annotations

import datetime as dt
import secrets

from fastapi.responses import Response

from datastore import (
    AccountRecord,
    ClientRecord,
    CodeGrant,
    ProtocolEvent,
    SessionRecord,
    sha256_hex,
)
from idp.checks import AccountGate, staff_pupil_gate
from idp.errors import AccessDenied, LoginRequired
from idp.misbehave import authorization_answer
from idp.pending import PendingAuthorization
from idp.provider import Provider

__all__ = ["check_account_may_use", "issue_code"]


_GATE_DESCRIPTIONS: dict[AccountGate, str] = {
    "pupil_at_staff_client": (
        "this application is for school staff only; a pupil account cannot log in here"
    ),
    "staff_at_pupil_client": "this application is for pupils; a staff account cannot log in here",
}


def check_account_may_use(client: ClientRecord, account: AccountRecord) -> None:
    """An active account, staff at staff-only clients and pupils at the others."""
    if not account.is_active:
        raise LoginRequired("the account is disabled", reason="account_disabled")
    refusal = staff_pupil_gate(client, account)
    if refusal is not None:
        raise AccessDenied(_GATE_DESCRIPTIONS[refusal], reason=refusal)


def issue_code(
    provider: Provider,
    pending: PendingAuthorization,
    account: AccountRecord,
    session: SessionRecord,
    *,
    sso: bool,
) -> Response:
    """Store a fresh single-use code by its hash and redirect with ``code``, ``state``, ``iss``.

    The code is 256 random bits; only its SHA-256 is stored, so a database leak gives no code.
    """
    now = provider.store.clock.now()
    code = secrets.token_urlsafe(32)
    provider.store.oidc.create_code(
        CodeGrant(
            code_hash=sha256_hex(code),
            client_id=pending.client_id,
            account_id=account.id,
            session_id=session.id,
            redirect_uri=pending.redirect_uri,
            scope=pending.scope,
            nonce=pending.nonce,
            code_challenge=pending.code_challenge,
            code_challenge_method=pending.code_challenge_method,
            auth_time=session.auth_time,
            acr=pending.acr,
            expires_at=now + dt.timedelta(seconds=provider.settings.code_ttl_seconds),
        ),
        now,
        ProtocolEvent(
            "authorization",
            "success",
            client_id=pending.client_id,
            account_uuid=account.account_uuid,
            detail={"scope": pending.scope, "sso": sso, "response_mode": pending.response_mode},
        ),
    )
    # The response as it always is, unless a misbehaviour scenario is set for this client.
    return authorization_answer(
        provider, pending.target, pending.client_id, account.account_uuid, code
    )
