"""Who logged in, as the Schoolloket's OIDC client learns it from its own login.

Against a scripted provider (``httpx.MockTransport``) that signs its own tokens, so the cases
the real provider never produces are tried too: the ``account_uuid`` claim only in UserInfo
(OIDC Core §5.3), and a UserInfo response about someone else (§5.3.4).
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


class Provider:
    """Answers the token endpoint, the JWKS and UserInfo; counts the UserInfo requests."""

    def __init__(self, id_token_claims: dict[str, Any], userinfo: dict[str, Any]) -> None:
        self.id_token_claims = id_token_claims
        self.userinfo = userinfo
        self.userinfo_requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/op/v1/keys":
            return httpx.Response(200, json=KeySet([KEY]).as_dict(private=False))
        if path == "/op/v1/token":
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
        if path == "/op/v1/userinfo":
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
        if request.url.path == "/op/v1/token":
            return httpx.Response(200, json={"id_token": forged, "access_token": "t"})
        return provider(request)

    oidc = OidcClient(ISSUER, "schoolloket", transport=httpx.MockTransport(answer), now=lambda: NOW)
    with pytest.raises(LoginError) as refused:
        run_in_own_loop(lambda: oidc.exchange("code", "verifier", "n"))
    assert refused.value.error == "invalid_token"
