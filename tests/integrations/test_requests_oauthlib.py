"""requests-oauthlib as a relying party, over https with certificate verification on.

requests-oauthlib speaks OAuth 2.0, not OpenID Connect: it does the authorization request
(with PKCE), the callback and the token request; the application verifies the ID token itself
(here with PyJWT and the provider's JWKS, as ``docs/integrating.md`` shows) and reads UserInfo
with the access token. No insecure-transport switch: the provider is served over https.
"""

from __future__ import annotations

import secrets
import ssl
from typing import Any

import httpx
import jwt
import pytest
from requests_oauthlib import OAuth2Session

from leerid_sim.testing_server import LeerIDProvider
from tests.integrations.conftest import JAN, LOTTE, REDIRECT_URI, Pupil, log_in_in_a_browser

pytestmark = pytest.mark.xdist_group("integrations")


def _metadata(provider: LeerIDProvider, ca_bundle: str) -> dict[str, Any]:
    context = ssl.create_default_context(cafile=ca_bundle)
    metadata: dict[str, Any] = httpx.get(provider.discovery_url, verify=context).json()
    return metadata


def _log_in(
    provider: LeerIDProvider, ca_bundle: str, client_id: str, pupil: Pupil
) -> tuple[dict[str, Any], dict[str, Any]]:
    """One login: the verified ID token's claims and the UserInfo answer."""
    metadata = _metadata(provider, ca_bundle)
    session = OAuth2Session(
        client_id,
        redirect_uri=REDIRECT_URI,
        scope=["openid", "ov_leerling"],
        pkce="S256",
    )
    nonce = secrets.token_urlsafe(16)
    url, _state = session.authorization_url(metadata["authorization_endpoint"], nonce=nonce)
    callback = log_in_in_a_browser(url, pupil.username, ca_bundle)
    # fetch_token checks the callback's state against the one it sent (MismatchingStateError).
    token = session.fetch_token(
        metadata["token_endpoint"],
        authorization_response=callback,
        client_secret=provider.client_secrets[client_id],  # sent as HTTP Basic
        verify=ca_bundle,
    )
    keys = jwt.PyJWKClient(
        metadata["jwks_uri"], ssl_context=ssl.create_default_context(cafile=ca_bundle)
    )
    claims: dict[str, Any] = jwt.decode(
        token["id_token"],
        keys.get_signing_key_from_jwt(token["id_token"]).key,
        algorithms=["RS256"],
        audience=client_id,
        issuer=metadata["issuer"],
    )
    assert claims["nonce"] == nonce
    userinfo = session.get(metadata["userinfo_endpoint"], verify=ca_bundle)
    assert userinfo.status_code == 200, userinfo.text
    info: dict[str, Any] = userinfo.json()
    return claims, info


def test_two_pupils_log_in_and_are_told_apart_by_account_uuid(
    provider: LeerIDProvider, ca_bundle: str
) -> None:
    jan, jan_info = _log_in(provider, ca_bundle, "ididdit", JAN)
    lotte, lotte_info = _log_in(provider, ca_bundle, "ididdit", LOTTE)
    assert jan["account_uuid"] == jan_info["account_uuid"] == JAN.account_uuid
    assert lotte["account_uuid"] == lotte_info["account_uuid"] == LOTTE.account_uuid
    assert jan["leer_id_uuid"] == JAN.leer_id_uuid
    assert jan["sub"] == jan_info["sub"] != lotte["sub"]
    # ididdit's protocol lists leer_id_uuid and account_uuid only: no other attribute is
    # released; ``acr`` says how the pupil logged in (OIDC Core §5.1, as ACM's UserInfo).
    assert set(jan_info) == {"sub", "acr", "leer_id_uuid", "account_uuid"}


def test_acm_claim_names(provider: LeerIDProvider, ca_bundle: str) -> None:
    jan, info = _log_in(provider, ca_bundle, "i-learn-acm", JAN)
    assert jan["ov_account_uuid"] == info["ov_account_uuid"] == JAN.account_uuid
    assert info["ov_orgcode"] == "123456"
    assert "email" not in info
