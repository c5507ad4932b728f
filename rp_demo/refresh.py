"""Refreshing a login's tokens from the token inspector (RFC 6749 §6, OIDC Core §12).

The provider rotates refresh tokens (each is single use): the inspector shows that the refresh token
changed. Like ACM's, the provider's answer has no ID token by default: the login's one stays and
UserInfo is asked again. When one comes (``LEERID_REFRESH_ID_TOKEN=true``), it must name the same
``iss``, ``sub`` and ``aud`` as the first one (OIDC Core §12.2); it is verified like any ID token,
without a ``nonce``.
"""

from __future__ import annotations

import dataclasses

import httpx2
from authlib.integrations.base_client import OAuthError
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from rp_demo.errors import FlowError, KnownClient
from rp_demo.oidc import decode_unverified, verified_login
from rp_demo.provider import ProviderError
from rp_demo.templates import current_session

__all__ = ["router"]

router = APIRouter()


@router.post("/inspector/{client_id}/refresh")
async def refresh(request: Request, client_id: KnownClient) -> Response:
    """Use the refresh token once and show the new tokens in the inspector."""
    session = current_session(request)
    login = session.logins.get(client_id) if session else None
    if session is None or login is None:
        return RedirectResponse(f"/inspector/{client_id}", status_code=303)
    if not login.refresh_token:
        raise FlowError(
            "invalid_request", "Deze aanmelding kreeg geen refresh token.", client_id=client_id
        )
    client = request.app.state.oauth.create_client(client_id)
    try:
        token = dict(
            await client.fetch_access_token(
                grant_type="refresh_token", refresh_token=login.refresh_token
            )
        )
    except OAuthError as exc:
        # invalid_grant ends this login: the refresh token (family) is no longer valid.
        session.logins.pop(client_id, None)
        raise FlowError(exc.error, exc.description, client_id=client_id) from exc
    except (httpx2.HTTPError, ValueError) as exc:
        raise FlowError("rp_provider_unreachable", str(exc), client_id=client_id) from exc
    provider = request.app.state.provider
    if "id_token" in token:
        renewed = await verified_login(client_id, token, None, provider, request.app.state.settings)
        for claim in ("iss", "sub", "aud"):
            if renewed.claims.get(claim) != login.claims.get(claim):
                raise FlowError(
                    "rp_id_token_invalid",
                    f"Het vernieuwde ID-token heeft een andere {claim} (OIDC Core §12.2).",
                    client_id=client_id,
                )
    else:  # §12.2: the ID token is optional in a refresh response; keep the first one
        access_token = str(token.get("access_token", ""))
        try:
            status, userinfo = await provider.userinfo(access_token)
        except ProviderError as exc:
            raise FlowError("rp_provider_unreachable", str(exc), client_id=client_id) from exc
        header, claims = decode_unverified(access_token)
        renewed = dataclasses.replace(
            login,
            access_token=access_token,
            refresh_token=token.get("refresh_token"),
            access_token_header=header,
            access_token_claims=claims,
            userinfo_status=status,
            userinfo=userinfo,
        )
    session.logins[client_id] = dataclasses.replace(
        renewed,
        refreshes=login.refreshes + 1,
        refresh_rotated=renewed.refresh_token is not None
        and renewed.refresh_token != login.refresh_token,
        refresh_token=renewed.refresh_token or login.refresh_token,
    )
    return RedirectResponse(f"/inspector/{client_id}", status_code=303)
