"""Who logged in, as the Schoolloket's OIDC client learns it from its own login.

Against a scripted provider (``httpx.MockTransport``) that signs its own tokens, so the cases
the real provider never produces are tried too: the ``account_uuid`` claim only in UserInfo
(OIDC Core §5.3), a UserInfo response about someone else (§5.3.4), endpoints at other paths
than the provider's and a discovery document that names another issuer (OIDC Discovery §4.3).
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from schoolloket.oidc import Login, LoginError, OidcClient
from tests.loops import run_in_own_loop

ISSUER = "https://leerid.example/op"
NOW = 1_800_000_000
KEY = ECKey.generate_key("P-256", parameters={"kid": "test"})
DIRK = "0b6f5c0e-0000-4000-8000-00000000d1d1"


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


# Not the provider's own paths: the client must take them from the discovery document.
DISCOVERY = {
    "issuer": ISSUER,
    "authorization_endpoint": f"{ISSUER}/oauth2/authorize",
    "token_endpoint": f"{ISSUER}/oauth2/token",
    "userinfo_endpoint": f"{ISSUER}/oauth2/me",
    "jwks_uri": f"{ISSUER}/oauth2/jwks",
    "end_session_endpoint": f"{ISSUER}/oauth2/end",
}


class Provider:
    """Answers discovery, the token endpoint, the JWKS and UserInfo; counts UserInfo requests."""

    def __init__(
        self,
        id_token_claims: dict[str, Any],
        userinfo: dict[str, Any],
        discovery: dict[str, Any] = DISCOVERY,
    ) -> None:
        self.id_token_claims = id_token_claims
        self.userinfo = userinfo
        self.discovery = discovery
        self.userinfo_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/op/.well-known/openid-configuration":
            return httpx.Response(200, json=self.discovery)
        if path == "/op/oauth2/jwks":
            return httpx.Response(200, json=KeySet([KEY]).as_dict(private=False))
        if path == "/op/oauth2/token":
            claims = {
                "iss": ISSUER,
                "aud": "schoolloket",
                "sub": "pairwise-sub",
                "exp": NOW + 3600,
                "iat": NOW,
                "nonce": "n",
                "at_hash": _at_hash("the-access-token"),
                **self.id_token_claims,
            }
            id_token = jwt.encode({"alg": "ES256", "kid": "test"}, claims, KEY)
            return httpx.Response(
                200, json={"id_token": id_token, "access_token": "the-access-token"}
            )
        if path == "/op/oauth2/me":
            self.userinfo_requests.append(request)
            return httpx.Response(200, json=self.userinfo)
        return httpx.Response(404)


def _who(provider: Provider) -> str:
    oidc = OidcClient(
        ISSUER, "schoolloket", transport=httpx.MockTransport(provider), now=lambda: NOW
    )

    async def run() -> str:
        login: Login = await oidc.exchange("code", "verifier", "n")
        return await oidc.account_uuid(login)

    return run_in_own_loop(run)


def test_the_claim_in_the_id_token_names_the_account_without_userinfo() -> None:
    provider = Provider({"account_uuid": DIRK}, {})
    assert _who(provider) == DIRK
    assert provider.userinfo_requests == []


def test_acms_claim_name_names_the_account_too() -> None:
    assert _who(Provider({"ov_account_uuid": DIRK}, {})) == DIRK


def test_userinfo_names_the_account_when_the_id_token_does_not() -> None:
    provider = Provider({}, {"sub": "pairwise-sub", "account_uuid": DIRK})
    assert _who(provider) == DIRK
    [request] = provider.userinfo_requests
    assert request.headers["authorization"] == "Bearer the-access-token"


@pytest.mark.parametrize(
    "userinfo",
    [
        {"sub": "someone-else", "account_uuid": DIRK},  # §5.3.4: not the ID token's sub
        {"sub": "pairwise-sub"},  # no account named at all
        {"sub": "pairwise-sub", "account_uuid": ["a", "list"]},
        {"sub": "pairwise-sub", "account_uuid": ""},
    ],
)
def test_a_userinfo_answer_that_names_nobody_or_someone_else_is_refused(
    userinfo: dict[str, Any],
) -> None:
    with pytest.raises(LoginError) as refused:
        _who(Provider({}, userinfo))
    assert refused.value.error == "invalid_token"


def test_an_id_token_signed_by_another_key_is_refused_whatever_it_names() -> None:
    other = ECKey.generate_key("P-256", parameters={"kid": "test"})
    provider = Provider({"account_uuid": DIRK}, {})
    forged = jwt.encode(
        {"alg": "ES256", "kid": "test"},
        {"iss": ISSUER, "aud": "schoolloket", "sub": "x", "exp": NOW + 60, "nonce": "n"},
        other,
    )

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/op/oauth2/token":
            return httpx.Response(200, json={"id_token": forged, "access_token": "t"})
        return provider(request)

    oidc = OidcClient(ISSUER, "schoolloket", transport=httpx.MockTransport(answer), now=lambda: NOW)
    with pytest.raises(LoginError) as refused:
        run_in_own_loop(lambda: oidc.exchange("code", "verifier", "n"))
    assert refused.value.error == "invalid_token"


def test_the_endpoints_come_from_the_discovery_document() -> None:
    oidc = OidcClient(
        ISSUER, "schoolloket", transport=httpx.MockTransport(Provider({}, {})), now=lambda: NOW
    )
    request = run_in_own_loop(oidc.login_request)
    assert request.url.startswith(f"{ISSUER}/oauth2/authorize?")
    logout = run_in_own_loop(lambda: oidc.logout_url(None))
    assert logout.startswith(f"{ISSUER}/oauth2/end?")


def test_calls_go_by_the_back_channel_when_one_is_set() -> None:
    seen: list[str] = []
    provider = Provider({"account_uuid": DIRK}, {})

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return provider(request)

    oidc = OidcClient(
        ISSUER,
        "schoolloket",
        internal_url="http://127.0.0.1:9000/op",
        transport=httpx.MockTransport(answer),
        now=lambda: NOW,
    )
    login = run_in_own_loop(lambda: oidc.exchange("code", "verifier", "n"))
    assert login.claims["account_uuid"] == DIRK
    assert {url.split("/op/")[0] for url in seen} == {"http://127.0.0.1:9000"}
    # The browser is sent to the public endpoint, not to the back channel.
    assert run_in_own_loop(oidc.login_request).url.startswith(f"{ISSUER}/oauth2/authorize?")


@pytest.mark.parametrize(
    "discovery",
    [
        {**DISCOVERY, "issuer": "https://elders.example/op"},  # §4.3: not the issuer configured
        {k: v for k, v in DISCOVERY.items() if k != "token_endpoint"},
        {**DISCOVERY, "jwks_uri": "file:///etc/passwd"},
    ],
)
def test_a_discovery_document_that_does_not_fit_is_refused(discovery: dict[str, Any]) -> None:
    provider = Provider({"account_uuid": DIRK}, {}, discovery)
    oidc = OidcClient(
        ISSUER, "schoolloket", transport=httpx.MockTransport(provider), now=lambda: NOW
    )
    with pytest.raises(LoginError) as refused:
        run_in_own_loop(oidc.login_request)
    assert refused.value.error == "temporarily_unavailable"
