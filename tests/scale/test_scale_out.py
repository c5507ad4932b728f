"""Scale-out: two stateless provider processes on one PostgreSQL act as one provider.

- a bounded load whose every flow crosses processes (login at one, token at the other, SSO
  with the session cookie made at the other, refresh alternating) runs without errors;
- concurrent refreshes of one token (RFC 6749 §6, OAuth 2.0 Security BCP §4.14.2): exactly
  one rotation wins, the others are ``invalid_grant``, and the family stays consistent (the
  replays revoke it, the winner's new token included: no live branch is left);
- concurrent redemptions of one code (RFC 6749 §4.1.2): exactly one 200, the others
  ``invalid_grant``, and the tokens of the winner are revoked.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet

from bench.targets import login_form
from tests.loops import run_in_own_loop
from tests.scale.conftest import Providers

# One xdist worker runs the whole module: its two provider processes are started once.
pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.xdist_group("scale")]

CLIENT = ("i-learn", "i-learn-demo-secret")
REDIRECT_URI = "http://127.0.0.1:8001/callback"
PUPIL = {"username": "jan.peeters", "password": "Leerling123!"}
VUS, ROUNDS, RACERS = 6, 4, 8


def _pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(32)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def _code(http: httpx.AsyncClient, base: str, *, sso: bool) -> tuple[str, str]:
    """Authorize at ``base`` until the redirect to the client; log in unless ``sso``."""
    verifier, challenge = _pkce()
    state = secrets.token_urlsafe(8)
    params = {
        "client_id": CLIENT[0],
        "response_type": "code",
        "redirect_uri": REDIRECT_URI,
        "scope": "openid ov_leerling offline_access",  # a refresh token comes with it only
        "state": state,
        "nonce": secrets.token_urlsafe(8),
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    reply = await http.get(f"{base}/op/v1/auth", params=params)
    for _ in range(8):
        if reply.status_code in (302, 303):
            location = urljoin(str(reply.url), reply.headers["location"])
            if location.startswith(REDIRECT_URI):
                query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
                assert query.get("state") == state, query
                return query["code"], verifier
            reply = await http.get(location)
        elif reply.status_code == 200 and not sso:
            url, data = login_form(reply.text, str(reply.url), PUPIL)
            reply = await http.post(url, data=data)
        else:
            raise AssertionError(f"authorize at {base}: {reply.status_code} {reply.text[:200]}")
    raise AssertionError("too many authorize steps")


async def _token(http: httpx.AsyncClient, base: str, form: dict[str, str]) -> httpx.Response:
    return await http.post(f"{base}/op/v1/token", data=form, auth=CLIENT)


def _code_form(code: str, verifier: str) -> dict[str, str]:
    return {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT_URI,
        "code_verifier": verifier,
    }


async def _logged_in(providers: Providers) -> tuple[httpx.AsyncClient, dict[str, Any]]:
    """A browser logged in at the first process whose code was redeemed at the second."""
    http = httpx.AsyncClient(timeout=15)
    try:
        code, verifier = await _code(http, providers.urls[0], sso=False)
        reply = await _token(http, providers.urls[1], _code_form(code, verifier))
        assert reply.status_code == 200, reply.text
    except BaseException:
        await http.aclose()
        raise
    return http, reply.json()


async def _race(providers: Providers, form: dict[str, str]) -> list[httpx.Response]:
    """``RACERS`` token requests with the same form, alternating between the processes, each on
    its own connection, released together."""
    clients = [httpx.AsyncClient(timeout=15) for _ in range(RACERS)]
    try:
        start = asyncio.Event()

        async def one(i: int) -> httpx.Response:
            await start.wait()
            return await _token(clients[i], providers.urls[i % 2], form)

        tasks = [asyncio.ensure_future(one(i)) for i in range(RACERS)]
        await asyncio.sleep(0.05)
        start.set()
        return list(await asyncio.wait_for(asyncio.gather(*tasks), timeout=20))
    finally:
        await asyncio.gather(*(c.aclose() for c in clients))


def _one_winner(replies: list[httpx.Response]) -> httpx.Response:
    winners = [r for r in replies if r.status_code == 200]
    assert len(winners) == 1, [(r.status_code, r.text[:80]) for r in replies]
    for reply in replies:
        if reply is not winners[0]:
            assert reply.status_code == 400, reply.text
            assert reply.json()["error"] == "invalid_grant"
    return winners[0]


def test_load_across_two_processes_has_no_errors(providers: Providers) -> None:
    """Every step of every flow lands on the other process than the one before it."""
    a, b = providers.urls

    async def vu(i: int) -> list[str]:
        errors: list[str] = []
        http, tokens = await _logged_in(providers)
        try:
            refresh = tokens["refresh_token"]
            for r in range(ROUNDS):
                here, there = (a, b) if (i + r) % 2 else (b, a)
                code, verifier = await _code(http, here, sso=True)
                reply = await _token(http, there, _code_form(code, verifier))
                if reply.status_code != 200:
                    errors.append(f"token {reply.status_code} {reply.text[:80]}")
                    continue
                bearer = {"authorization": f"Bearer {reply.json()['access_token']}"}
                info = await http.get(f"{here}/op/v1/userinfo", headers=bearer)
                if info.status_code != 200 or "leer_id_uuid" not in info.json():
                    errors.append(f"userinfo {info.status_code} {info.text[:80]}")
                rotated = await _token(
                    http, here, {"grant_type": "refresh_token", "refresh_token": refresh}
                )
                if rotated.status_code != 200:
                    errors.append(f"refresh {rotated.status_code} {rotated.text[:80]}")
                    continue
                refresh = rotated.json()["refresh_token"]
        finally:
            await http.aclose()
        return errors

    async def main() -> list[str]:
        results = await asyncio.wait_for(asyncio.gather(*(vu(i) for i in range(VUS))), 25)
        return [e for errors in results for e in errors]

    assert run_in_own_loop(main) == []


def test_tokens_of_one_process_verify_with_the_other_ones_keys(providers: Providers) -> None:
    """The signing keys live in the database: an ID token minted by the second process verifies
    against the JWKS served by the first (OIDC Core §10.1)."""

    async def main() -> tuple[str, dict[str, Any]]:
        http, tokens = await _logged_in(providers)
        try:
            jwks = (await http.get(f"{providers.urls[0]}/op/v1/keys")).json()
        finally:
            await http.aclose()
        return tokens["id_token"], jwks

    id_token, jwks = run_in_own_loop(main)
    claims = jwt.decode(id_token, KeySet.import_key_set(jwks), algorithms=["RS256"]).claims
    assert claims["iss"] == providers.issuer
    assert claims["aud"] == CLIENT[0]


@dataclass(frozen=True)
class Race:
    """RACERS simultaneous token requests with one grant, and what the winner's result is
    worth afterwards."""

    replies: list[httpx.Response]
    after: httpx.Response  # the winner's new refresh token used / access token presented


@pytest.fixture(scope="module")
def refresh_race(providers: Providers) -> Race:
    async def main() -> Race:
        http, tokens = await _logged_in(providers)
        try:
            form = {"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]}
            replies = await _race(providers, form)
            winner = [r for r in replies if r.status_code == 200]
            new = winner[0].json()["refresh_token"] if winner else "none"
            after = await _token(
                http, providers.urls[0], {"grant_type": "refresh_token", "refresh_token": new}
            )
        finally:
            await http.aclose()
        return Race(replies, after)

    return run_in_own_loop(main)


@pytest.fixture(scope="module")
def code_race(providers: Providers) -> Race:
    async def main() -> Race:
        http = httpx.AsyncClient(timeout=15)
        try:
            code, verifier = await _code(http, providers.urls[0], sso=False)
            replies = await _race(providers, _code_form(code, verifier))
            winner = [r for r in replies if r.status_code == 200]
            access = winner[0].json()["access_token"] if winner else "none"
            bearer = {"authorization": f"Bearer {access}"}
            after = await http.get(f"{providers.urls[1]}/op/v1/userinfo", headers=bearer)
        finally:
            await http.aclose()
        return Race(replies, after)

    return run_in_own_loop(main)


def test_concurrent_refreshes_rotate_exactly_once(refresh_race: Race) -> None:
    """Of RACERS simultaneous uses of one refresh token, exactly one rotates it; the others
    are invalid_grant (RFC 6749 §6, §5.2)."""
    _one_winner(refresh_race.replies)


def test_replays_in_a_refresh_race_revoke_the_whole_family(refresh_race: Race) -> None:
    """The losers replayed a rotated token: the family is revoked, the winner's new refresh
    token with it (OAuth 2.0 Security BCP §4.14.2), so no live branch is left."""
    assert refresh_race.after.status_code == 400
    assert refresh_race.after.json()["error"] == "invalid_grant"


def test_concurrent_redemptions_of_one_code_succeed_once(code_race: Race) -> None:
    """Of RACERS simultaneous redemptions of one code, exactly one gets tokens; the others
    are invalid_grant (RFC 6749 §4.1.2)."""
    _one_winner(code_race.replies)


def test_replays_in_a_code_race_revoke_the_winners_tokens(code_race: Race) -> None:
    """A second use of a code revokes the tokens issued from it (RFC 6749 §4.1.2),
    also when the second use came at the same moment as the first."""
    assert code_race.after.status_code == 401
