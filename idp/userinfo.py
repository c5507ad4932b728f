"""The UserInfo endpoint (OIDC Core §5.3), GET and POST with a Bearer access token.

It answers for opaque and JWT access tokens alike (both are looked up by their hash) and, as
ACM's does, tells the ``acr`` of the login beside the released claims.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from datastore import ProtocolEvent
from idp.adapter import OAuthRequest
from idp.bearer import bearer_token, require_account, require_live_access_token
from idp.claims import to_claims
from idp.misbehave import userinfo_answer
from idp.provider import Provider
from idp.release import privacy_release
from idp.rendering import json_response
from idp.tokens import acr_of, release_for, subject

__all__ = ["userinfo"]


def userinfo(provider: Provider, request: Request, oauth: OAuthRequest) -> Response:
    """OIDC Core §5.3.2: ``sub`` and the released claims, logged to the privacy log."""
    live = require_live_access_token(provider, bearer_token(oauth))
    client = live.client
    request.state.client_id = client.client_id
    facts = require_account(live)
    account = facts.account
    request.state.account_uuid = account.account_uuid
    release = release_for(provider, client, facts, tuple(live.record.scope.split()))
    logged = privacy_release(client, account.account_uuid, release, "userinfo", acr=True)
    provider.store.oidc.record_release(
        [logged] if logged is not None else [],
        ProtocolEvent(
            "userinfo", "success", client_id=client.client_id, account_uuid=account.account_uuid
        ),
        provider.store.clock.now(),
    )
    answer = {
        **to_claims(release, client.claim_dialect),
        "sub": subject(provider, client, account),
        "acr": acr_of(client, live.record.acr),
    }
    # Evidence of misbehaviour scenarios, and the answer one of them changes (else as it is).
    return json_response(userinfo_answer(provider, live.record, account.account_uuid, answer))
