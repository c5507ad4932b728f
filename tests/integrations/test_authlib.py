"""Authlib's Starlette client as a relying party, registered as ``docs/integrating.md`` shows.

A two-route Starlette application (login, callback) with Authlib's ``OAuth`` registry; the
library fetches discovery and the JWKS and verifies the ID token itself. Starlette's test
client plays the application's visitor; the login at the provider is done by the httpx
"browser" over https.
"""

from __future__ import annotations

import ssl
from typing import Any
from urllib.parse import urlsplit

import pytest
from authlib.integrations.starlette_client import OAuth
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from leerid_sim.testing_server import LeerIDProvider
from tests.integrations.conftest import JAN, LOTTE, REDIRECT_URI, Pupil, log_in_in_a_browser

pytestmark = pytest.mark.xdist_group("integrations")

ORIGIN = "https://localhost:8001"


def _application(provider: LeerIDProvider, ca_bundle: str) -> Starlette:
    oauth = OAuth()
    oauth.register(
        "leerid",
        server_metadata_url=provider.discovery_url,
        client_id="i-learn-acm",
        client_secret=provider.client_secrets["i-learn-acm"],
        client_kwargs={
            "scope": "openid profile ov_leerling",
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": "client_secret_basic",
            "verify": ssl.create_default_context(cafile=ca_bundle),
        },
    )

    async def login(request: Request) -> Response:
        response: Response = await oauth.leerid.authorize_redirect(request, REDIRECT_URI)
        return response

    async def callback(request: Request) -> Response:
        token: dict[str, Any] = await oauth.leerid.authorize_access_token(request)
        claims = token["userinfo"]  # the ID token's claims, verified by Authlib
        return JSONResponse({"key": claims["ov_account_uuid"], "claims": dict(claims)})

    return Starlette(
        routes=[Route("/login", login), Route(urlsplit(REDIRECT_URI).path, callback)],
        middleware=[Middleware(SessionMiddleware, secret_key="integration-tests-only")],
    )


def _log_in(app: Starlette, pupil: Pupil, ca_bundle: str) -> dict[str, Any]:
    with TestClient(app, base_url=ORIGIN, follow_redirects=False) as visitor:
        start = visitor.get("/login")
        assert start.status_code == 302, start.text
        callback = urlsplit(
            log_in_in_a_browser(start.headers["location"], pupil.username, ca_bundle)
        )
        answer = visitor.get(f"{callback.path}?{callback.query}")
        assert answer.status_code == 200, answer.text
        result: dict[str, Any] = answer.json()
        return result


def test_authlib_verifies_the_id_token_and_keys_on_ov_account_uuid(
    provider: LeerIDProvider, ca_bundle: str
) -> None:
    app = _application(provider, ca_bundle)
    jan = _log_in(app, JAN, ca_bundle)
    lotte = _log_in(app, LOTTE, ca_bundle)
    assert jan["key"] == JAN.account_uuid
    assert lotte["key"] == LOTTE.account_uuid
    assert jan["claims"]["iss"] == provider.issuer
    assert jan["claims"]["aud"] == "i-learn-acm"
    assert jan["claims"]["given_name"] == "Jan"
    assert jan["claims"]["sub"] != lotte["claims"]["sub"]
