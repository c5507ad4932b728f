"""pyoidc (``oic``) as a relying party: discovery, a login, the ID token it verified, UserInfo.

The client is configured as ``docs/integrating.md`` shows: https with the provider's CA, the
client registered by hand (LeerID has no dynamic registration), ``client_secret_basic``.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import urlsplit

import pytest
from oic.oic import Client
from oic.oic.message import AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from oic.utils.settings import OicClientSettings

from leerid_sim.testing_server import LeerIDProvider
from tests.integrations.conftest import JAN, LOTTE, NOAH, REDIRECT_URI, Pupil, log_in_in_a_browser

pytestmark = pytest.mark.xdist_group("integrations")


def _client(provider: LeerIDProvider, ca_bundle: str, client_id: str) -> Client:
    client = Client(
        client_authn_method=CLIENT_AUTHN_METHOD, settings=OicClientSettings(verify_ssl=ca_bundle)
    )
    client.provider_config(provider.issuer)
    client.store_registration_info(
        RegistrationResponse(
            client_id=client_id,
            client_secret=provider.client_secrets[client_id],
            redirect_uris=[REDIRECT_URI],
            token_endpoint_auth_method="client_secret_basic",
        )
    )
    client.redirect_uris = [REDIRECT_URI]
    return client


def _log_in(client: Client, pupil: Pupil, ca_bundle: str) -> tuple[Any, Any]:
    """One login of ``pupil``: the ID token pyoidc verified, and the UserInfo answer."""
    state, nonce = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
    request = client.construct_AuthorizationRequest(
        request_args={
            "response_type": "code",
            "scope": ["openid", "profile", "ov_leerling"],
            "state": state,
            "nonce": nonce,
            "redirect_uri": REDIRECT_URI,
        }
    )
    callback = log_in_in_a_browser(
        request.request(client.authorization_endpoint), pupil.username, ca_bundle
    )
    response = client.parse_response(
        AuthorizationResponse, info=urlsplit(callback).query, sformat="urlencoded"
    )
    assert response["state"] == state
    assert response["iss"] == client.provider_info["issuer"]
    tokens = client.do_access_token_request(
        state=state,
        request_args={"code": response["code"], "redirect_uri": REDIRECT_URI},
        authn_method="client_secret_basic",
    )
    # pyoidc has checked the ID token's signature against the JWKS, its iss, aud and nonce.
    id_token = tokens["id_token"]
    assert id_token["nonce"] == nonce
    return id_token, client.do_user_info_request(state=state)


def test_acm_claim_names_key_each_pupil_on_ov_account_uuid(
    provider: LeerIDProvider, ca_bundle: str
) -> None:
    client = _client(provider, ca_bundle, "i-learn-acm")
    jan, jan_info = _log_in(client, JAN, ca_bundle)
    lotte, lotte_info = _log_in(client, LOTTE, ca_bundle)
    assert jan["iss"] == provider.issuer
    assert jan["ov_account_uuid"] == jan_info["ov_account_uuid"] == JAN.account_uuid
    assert lotte["ov_account_uuid"] == lotte_info["ov_account_uuid"] == LOTTE.account_uuid
    assert jan["ov_leerid_uuid"] == [JAN.leer_id_uuid]
    assert (jan["family_name"], jan["given_name"]) == ("Peeters", "Jan")
    assert jan["sub"] != lotte["sub"]
    assert jan_info["sub"] == jan["sub"]
    # No email claim exists: an application that keys users on email has nothing to key on.
    assert "email" not in jan_info
    assert "email" not in jan.to_dict()


def test_the_same_pupil_gets_the_same_sub_again(provider: LeerIDProvider, ca_bundle: str) -> None:
    client = _client(provider, ca_bundle, "i-learn-acm")
    first, _ = _log_in(client, JAN, ca_bundle)
    again, _ = _log_in(client, JAN, ca_bundle)
    assert first["sub"] == again["sub"]


def test_a_temporary_account_has_an_empty_ov_leerid_uuid(
    provider: LeerIDProvider, ca_bundle: str
) -> None:
    client = _client(provider, ca_bundle, "i-learn-acm")
    noah, info = _log_in(client, NOAH, ca_bundle)
    assert noah["ov_account_uuid"] == NOAH.account_uuid
    assert noah["ov_leerid_uuid"] == info["ov_leerid_uuid"] == []


def test_leerid_claim_names(provider: LeerIDProvider, ca_bundle: str) -> None:
    client = _client(provider, ca_bundle, "i-learn")
    jan, info = _log_in(client, JAN, ca_bundle)
    assert jan["account_uuid"] == info["account_uuid"] == JAN.account_uuid
    assert jan["leer_id_uuid"] == JAN.leer_id_uuid
    assert (jan["naam"], jan["voornaam"]) == ("Peeters", "Jan")
    assert jan["instellingsnummer"] == "123456"
    assert "ov_account_uuid" not in jan.to_dict()
