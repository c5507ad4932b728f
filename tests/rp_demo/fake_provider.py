"""A tiny stand-in for the provider's HTTP surface, for rp_demo's failure-path tests.

It answers discovery, JWKS, authorization (no login page: it redirects at once), token,
UserInfo and logout, and can be told to misbehave (wrong audience, wrong nonce, foreign key,
missing ``iss``) so that rp_demo's own checks can be seen to work. The real provider is used
in tests/e2e.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from joserfc import jwt
from joserfc.jwk import RSAKey

__all__ = ["FakeProvider"]


def _at_hash(access_token: str) -> str:
    digest = hashlib.sha256(access_token.encode()).digest()
    return base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()


@dataclass
class FakeProvider:
    """The fake provider's state and its misbehaviour switches."""

    issuer: str = ""
    key: RSAKey = field(
        default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
    )
    claims: dict[str, Any] = field(default_factory=dict)
    sid: str = "sid-1"
    # Misbehaviour switches.
    wrong_audience: bool = False
    wrong_nonce: bool = False
    foreign_key: bool = False
    omit_iss: bool = False
    lifetime_seconds: int = 600
    error: str | None = None
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)

    def sign(self, claims: dict[str, Any], *, typ: str = "JWT", key: RSAKey | None = None) -> str:
        signing_key = key or self.key
        header = {"alg": "RS256", "kid": signing_key.kid, "typ": typ}
        return jwt.encode(header, claims, signing_key)

    def logout_token(self, aud: str, **overrides: Any) -> str:
        """A logout token (Back-Channel Logout 1.0 §2.4) for ``aud``; ``overrides`` change it."""
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": aud,
            "iat": now,
            "exp": now + 120,
            "jti": secrets.token_urlsafe(8),
            "sid": self.sid,
            "events": {"http://schemas.openid.net/event/backchannel-logout": {}},
        }
        claims.update(overrides)
        return self.sign({k: v for k, v in claims.items() if v is not None}, typ="logout+jwt")

    def app(self) -> FastAPI:
        app = FastAPI()
        op = "/op"

        @app.get(f"{op}/.well-known/openid-configuration")
        async def discovery() -> dict[str, Any]:
            return {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.issuer}/v1/auth",
                "token_endpoint": f"{self.issuer}/v1/token",
                "userinfo_endpoint": f"{self.issuer}/v1/userinfo",
                "jwks_uri": f"{self.issuer}/v1/keys",
                "end_session_endpoint": f"{self.issuer}/v1/logout",
                "id_token_signing_alg_values_supported": ["RS256"],
                "authorization_response_iss_parameter_supported": True,
                "response_types_supported": ["code"],
                "subject_types_supported": ["pairwise"],
            }

        @app.get(f"{op}/v1/keys")
        async def keys() -> dict[str, Any]:
            return {"keys": [{**self.key.as_dict(private=False), "use": "sig", "alg": "RS256"}]}

        @app.get(f"{op}/v1/auth")
        async def auth(request: Request) -> Response:
            q = request.query_params
            params: dict[str, str] = {"state": q.get("state", "")}
            if not self.omit_iss:
                params["iss"] = self.issuer
            if self.error:
                params.update(error=self.error, error_description="zo ingesteld in de test")
            else:
                code = secrets.token_urlsafe(12)
                self.codes[code] = {"client_id": q["client_id"], "nonce": q.get("nonce")}
                params["code"] = code
            return RedirectResponse(f"{q['redirect_uri']}?{urlencode(params)}", status_code=302)

        @app.post(f"{op}/v1/token")
        async def token(code: str = Form(...)) -> Response:
            grant = self.codes.pop(code, None)
            if grant is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            access_token = secrets.token_urlsafe(24)
            now = int(time.time())
            claims = {
                "iss": self.issuer,
                "sub": "pairwise-sub",
                "aud": "someone-else" if self.wrong_audience else grant["client_id"],
                "iat": now,
                "exp": now + self.lifetime_seconds,
                "auth_time": now,
                "nonce": "not-the-nonce" if self.wrong_nonce else grant["nonce"],
                "sid": self.sid,
                "at_hash": _at_hash(access_token),
                **self.claims,
            }
            key = (
                RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
                if self.foreign_key
                else None
            )
            return JSONResponse(
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 600,
                    "id_token": self.sign(claims, key=key),
                    "scope": "openid ov_leerling",
                },
                headers={"Cache-Control": "no-store"},
            )

        @app.get(f"{op}/v1/userinfo")
        async def userinfo() -> dict[str, Any]:
            return {"sub": "pairwise-sub", **self.claims}

        return app
