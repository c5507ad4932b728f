"""The authorization code flow as a relying party, with authlib's Starlette client.

authlib does discovery, PKCE S256 (RFC 7636 §4), ``state`` and ``nonce`` and the token
request; rp_demo itself checks ``iss`` in the response (RFC 9207 §2.4) and verifies the
ID token with python-jose (``rp_demo.verify``), so authlib's own ID-token parsing is not used.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2
from authlib.integrations.base_client import OAuthError
from authlib.integrations.starlette_client import OAuth
from jose import jwt
from jose.exceptions import JWTError
from starlette.requests import Request
from starlette.responses import RedirectResponse

from rp_demo.errors import FlowError
from rp_demo.provider import ProviderError, ProviderHTTP
from rp_demo.sessions import Login
from rp_demo.settings import RPSettings
from rp_demo.verify import TokenVerificationError, verify_id_token

__all__ = [
    "CallbackParams",
    "build_oauth",
    "complete_login",
    "decode_unverified",
    "read_callback",
    "start_login",
    "verified_login",
]


def build_oauth(settings: RPSettings, transport: httpx2.AsyncBaseTransport | None) -> OAuth:
    """One authlib client per configured client, each found through discovery."""
    oauth = OAuth()
    for client in settings.clients:
        client_kwargs: dict[str, Any] = {
            "scope": client.scope,
            "code_challenge_method": "S256",
            "timeout": settings.http_timeout_seconds,
            "verify": settings.ssl_context(),
            "token_endpoint_auth_method": "none" if client.is_public else "client_secret_basic",
        }
        if transport is not None:
            client_kwargs["transport"] = transport
        oauth.register(
            name=client.client_id,
            client_id=client.client_id,
            client_secret=(
                None if client.client_secret is None else client.client_secret.get_secret_value()
            ),
            server_metadata_url=settings.discovery_url,
            client_kwargs=client_kwargs,
        )
    return oauth


async def start_login(
    request: Request, oauth: OAuth, settings: RPSettings, client_id: str, **params: str
) -> RedirectResponse:
    """RFC 6749 §4.1.1 (with OIDC Core §3.1.2.1): redirect the browser to the provider."""
    client = oauth.create_client(client_id)
    if client is None or settings.client(client_id) is None:
        raise FlowError("rp_unknown_client", client_id, client_id=client_id)
    try:
        response: RedirectResponse = await client.authorize_redirect(
            request, settings.redirect_uri, **params
        )
    except (httpx2.HTTPError, ValueError, KeyError, RuntimeError) as exc:
        raise FlowError(
            "rp_provider_unreachable", f"{settings.discovery_url}: {exc}", client_id=client_id
        ) from exc
    return response


@dataclass(frozen=True, slots=True)
class CallbackParams:
    """The authorization response (RFC 6749 §4.1.2) and the request it answers."""

    client_id: str
    state: str
    state_data: dict[str, Any]
    code: str | None
    error: str | None
    error_description: str | None
    iss: str | None


async def read_callback(request: Request, oauth: OAuth, settings: RPSettings) -> CallbackParams:
    """Match the response to a pending request of this browser by ``state`` (RFC 6749 §10.12)."""
    if request.method == "POST":  # response_mode=form_post (OAuth 2.0 Form Post Response Mode)
        form = await request.form()
        params = {k: str(v) for k, v in form.items()}
    else:
        params = dict(request.query_params)
    state = params.get("state", "")
    for client in settings.clients:
        app = oauth.create_client(client.client_id)
        data = await app.framework.get_state_data(request.session, state) if state else None
        if data:
            await app.framework.clear_state_data(request.session, state)
            return CallbackParams(
                client_id=client.client_id,
                state=state,
                state_data=data,
                code=params.get("code"),
                error=params.get("error"),
                error_description=params.get("error_description"),
                iss=params.get("iss"),
            )
    # Without a matching state the response is not ours to act on, not even its error.
    raise FlowError("rp_state_mismatch", params.get("error"))


async def complete_login(
    params: CallbackParams, oauth: OAuth, provider: ProviderHTTP, settings: RPSettings
) -> Login:
    """Check the response, redeem the code (RFC 6749 §4.1.3) and verify what comes back."""
    client_id = params.client_id
    try:
        metadata = await provider.metadata()
    except ProviderError as exc:
        raise FlowError("rp_provider_unreachable", str(exc), client_id=client_id) from exc
    # RFC 9207 §2.4: a provider that announces iss must send it, and it must be our issuer.
    iss_required = bool(metadata.get("authorization_response_iss_parameter_supported"))
    if (params.iss is not None or iss_required) and params.iss != settings.issuer:
        raise FlowError(
            "rp_iss_mismatch",
            f"iss={params.iss!r}, verwacht {settings.issuer!r}",
            client_id=client_id,
        )
    if params.error:
        raise FlowError(params.error, params.error_description, client_id=client_id)
    if not params.code:
        raise FlowError("invalid_request", "Het antwoord heeft geen code.", client_id=client_id)

    client = oauth.create_client(client_id)
    token_params: dict[str, Any] = {"code": params.code}
    for name in ("redirect_uri", "code_verifier"):
        if params.state_data.get(name):
            token_params[name] = params.state_data[name]
    try:
        token = await client.fetch_access_token(**token_params)
    except OAuthError as exc:
        raise FlowError(exc.error, exc.description, client_id=client_id) from exc
    except (httpx2.HTTPError, ValueError) as exc:
        raise FlowError("rp_provider_unreachable", str(exc), client_id=client_id) from exc
    return await verified_login(
        client_id, dict(token), params.state_data.get("nonce"), provider, settings
    )


async def verified_login(
    client_id: str,
    token: dict[str, Any],
    nonce: str | None,
    provider: ProviderHTTP,
    settings: RPSettings,
) -> Login:
    """Verify the ID token (OIDC Core §3.1.3.7) and ask UserInfo (§5.3) for a token response."""
    if str(token.get("token_type", "")).lower() != "bearer":
        # RFC 6749 §5.1: token_type is required; a client uses only a type it understands.
        raise FlowError(
            "rp_token_response_invalid",
            f"token_type={token.get('token_type')!r}",
            client_id=client_id,
        )
    id_token = token.get("id_token")
    access_token = token.get("access_token")
    if not isinstance(id_token, str) or not isinstance(access_token, str):
        raise FlowError(
            "rp_id_token_invalid", "Het antwoord bevat geen id_token.", client_id=client_id
        )
    try:
        verified = await verify_id_token(
            provider,
            id_token,
            client_id=client_id,
            nonce=nonce,
            access_token=access_token,
            leeway=settings.leeway_seconds,
        )
        userinfo_status, userinfo = await provider.userinfo(access_token)
    except TokenVerificationError as exc:
        raise FlowError("rp_id_token_invalid", str(exc), client_id=client_id) from exc
    except ProviderError as exc:
        raise FlowError("rp_provider_unreachable", str(exc), client_id=client_id) from exc
    if userinfo_status == 200 and (
        not isinstance(userinfo, dict) or userinfo.get("sub") != verified.claims["sub"]
    ):
        # OIDC Core §5.3.2: a UserInfo answer about someone else must not be used.
        raise FlowError(
            "rp_userinfo_sub_mismatch",
            "sub van UserInfo ≠ sub van het ID-token",
            client_id=client_id,
        )
    at_header, at_claims = decode_unverified(access_token)
    expires_in = token.get("expires_in")
    return Login(
        client_id=client_id,
        id_token=id_token,
        access_token=access_token,
        refresh_token=token.get("refresh_token"),
        token_type=str(token.get("token_type", "")),
        expires_in=int(expires_in) if isinstance(expires_in, int | float) else None,
        scope=token.get("scope"),
        header=verified.header,
        claims=verified.claims,
        access_token_header=at_header,
        access_token_claims=at_claims,
        signature_check=f"geldig: {verified.header.get('alg')}, sleutel {verified.kid}",
        userinfo_status=userinfo_status,
        userinfo=userinfo,
    )


def decode_unverified(token: str) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Header and claims of a JWT access token (RFC 9068), for display only."""
    try:
        return jwt.get_unverified_header(token), jwt.get_unverified_claims(token)
    except JWTError:
        return None, None
