"""Over https with certificate verification on: a login, pyoidc unchanged, and plain http refused.

The provider runs under uvicorn on a free port with a certificate of a fresh local CA
(``leerid_sim.testing_server.running_provider(tls=True)``); clients trust that CA and nothing
is relaxed: no ``verify=False``, no insecure-transport switch.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from leerid_sim.testing_login import login
from leerid_sim.testing_server import LeerIDProvider, running_provider


@pytest.fixture(scope="module")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeerIDProvider]:
    with running_provider(tmp_path_factory.mktemp("https"), tls=True) as running:
        yield running


def _verified(provider: LeerIDProvider) -> ssl.SSLContext:
    assert provider.ca_bundle is not None
    return ssl.create_default_context(cafile=provider.ca_bundle)


def test_discovery_is_https_throughout(provider: LeerIDProvider) -> None:
    response = httpx.get(provider.discovery_url, verify=_verified(provider))
    metadata = response.json()
    assert metadata["issuer"] == provider.issuer
    assert provider.issuer.startswith("https://127.0.0.1:")
    for name in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert metadata[name].startswith(f"{provider.issuer}/"), name


def test_a_full_login_with_certificate_verification(provider: LeerIDProvider) -> None:
    tokens = login(
        provider.issuer,
        "i-learn",
        "jan.peeters",
        scope="openid account",
        redirect_uri="https://localhost:8001/callback",
        client_secret="i-learn-demo-secret",
        verify=provider.ca_bundle or True,
    )
    assert tokens.claims["iss"] == provider.issuer
    assert tokens.claims["leer_id_uuid"] == "814f2e42-3f55-43e0-bc62-bba3ef1d008a"
    userinfo = httpx.get(
        f"{provider.issuer}/v1/userinfo",
        headers={"Authorization": f"Bearer {tokens.access_token}"},
        verify=_verified(provider),
    )
    assert userinfo.json()["leer_id_uuid"] == "814f2e42-3f55-43e0-bc62-bba3ef1d008a"


def test_the_sso_cookie_is_secure_over_https(provider: LeerIDProvider) -> None:
    url = httpx.URL(f"{provider.issuer}/v1/auth").copy_merge_params(
        {
            "client_id": "ididdit",
            "redirect_uri": "https://localhost:8001/callback",
            "response_type": "code",
            "scope": "openid",
            "state": "s",
        }
    )
    location, cookies = _log_in_in_a_browser(provider, str(url))
    assert parse_qs(urlsplit(location).query)["iss"] == [provider.issuer]
    assert cookies
    assert all("secure" in cookie.lower().split("; ") for cookie in cookies), cookies


def test_a_client_that_does_not_trust_the_ca_is_refused(provider: LeerIDProvider) -> None:
    with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
        httpx.get(provider.discovery_url, verify=ssl.create_default_context())


def test_plain_http_to_the_https_port_fails_cleanly(provider: LeerIDProvider) -> None:
    plain = provider.base_url.replace("https://", "http://")
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{plain}/health", timeout=5)
    # The provider is unharmed and still answers over https.
    assert httpx.get(f"{provider.base_url}/health", verify=_verified(provider)).status_code == 200


def test_pyoidc_discovers_and_logs_in_with_its_https_checks_on(
    provider: LeerIDProvider, tmp_path: Path
) -> None:
    pytest.importorskip("oic")
    from oic.oic import Client
    from oic.oic.message import AuthorizationResponse, RegistrationResponse
    from oic.utils.authn.client import CLIENT_AUTHN_METHOD
    from oic.utils.settings import OicClientSettings

    assert provider.ca_bundle is not None
    # pyoidc verifies certificates by default; ``verify_ssl`` names the CA bundle to trust.
    settings = OicClientSettings(verify_ssl=provider.ca_bundle)
    client = Client(client_authn_method=CLIENT_AUTHN_METHOD, settings=settings)
    client.provider_config(provider.issuer)
    assert client.provider_info["issuer"] == provider.issuer
    client.store_registration_info(
        RegistrationResponse(
            client_id="i-learn",
            client_secret="i-learn-demo-secret",
            redirect_uris=["https://localhost:8001/callback"],
            token_endpoint_auth_method="client_secret_basic",
        )
    )
    client.redirect_uris = ["https://localhost:8001/callback"]
    state, nonce = "state-pyoidc", "nonce-pyoidc"
    request = client.construct_AuthorizationRequest(
        request_args={
            "response_type": "code",
            "scope": ["openid", "account"],
            "state": state,
            "nonce": nonce,
            "redirect_uri": "https://localhost:8001/callback",
        }
    )
    url = request.request(client.authorization_endpoint)
    location, _ = _log_in_in_a_browser(provider, url)
    response = client.parse_response(
        AuthorizationResponse, info=urlsplit(location).query, sformat="urlencoded"
    )
    assert response["state"] == state
    tokens = client.do_access_token_request(
        state=state,
        request_args={"code": response["code"], "redirect_uri": "https://localhost:8001/callback"},
        authn_method="client_secret_basic",
    )
    id_token = tokens["id_token"]  # pyoidc has checked its signature, iss, aud and nonce
    assert id_token["iss"] == provider.issuer
    assert id_token["leer_id_uuid"] == "814f2e42-3f55-43e0-bc62-bba3ef1d008a"
    userinfo = client.do_user_info_request(state=state)
    assert userinfo["leer_id_uuid"] == "814f2e42-3f55-43e0-bc62-bba3ef1d008a"


def _log_in_in_a_browser(provider: LeerIDProvider, url: str) -> tuple[str, list[str]]:
    """The login form, submitted as a browser would: the redirect back and the cookies set."""
    from html.parser import HTMLParser

    class Form(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.action = ""
            self.fields: dict[str, str] = {}

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = {k: v or "" for k, v in attrs}
            if tag == "form":
                self.action = values.get("action", "")
            elif tag == "input" and values.get("name"):
                self.fields[values["name"]] = values.get("value", "")

    with httpx.Client(verify=_verified(provider), follow_redirects=True) as browser:
        page = browser.get(url)
        form = Form()
        form.feed(page.text)
        form.fields.update(username="jan.peeters", password="Leerling123!")
        answer = browser.post(page.url.join(form.action), data=form.fields, follow_redirects=False)
    assert answer.status_code in (302, 303), answer.text
    return answer.headers["location"], answer.headers.get_list("set-cookie")
