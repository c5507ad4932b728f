"""A lean per-virtual-user HTTP client for the load generator: aiohttp with a tiny cookie jar.

Every virtual user (VU) has its own connections and its own cookies, like one browser. The
generator shares two cores with the server under test, so each request must cost it little:
aiohttp's own cookie jar and redirect handling are switched off (the flows follow redirects
themselves) and cookies are kept in a dict with RFC 6265 §5.1.4 path matching only, as every
target is plain http on one loopback origin.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import time
from dataclasses import dataclass
from typing import Any

import aiohttp
from yarl import URL

__all__ = ["REQUEST_TIMEOUT_S", "CookieJar", "Reply", "VuHttp", "basic_auth"]

REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True, slots=True)
class Reply:
    """What a flow needs of one HTTP response."""

    status: int
    url: str
    location: str | None
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class CookieJar:
    """Cookies of one VU: (name, path) -> value, RFC 6265 §5.1.4 path match, deletion by
    ``Max-Age<=0`` or an ``Expires`` in the past. Domain, Secure and SameSite are not needed on
    one plain-http loopback origin."""

    def __init__(self) -> None:
        self.cookies: dict[tuple[str, str], str] = {}

    def clear(self) -> None:
        self.cookies.clear()

    def store(self, request_path: str, set_cookie_headers: list[str]) -> None:
        for raw in set_cookie_headers:
            parts = raw.split(";")
            name, _, value = parts[0].strip().partition("=")
            path, delete = request_path[: request_path.rfind("/")] or "/", False
            for attribute in parts[1:]:
                key, _, val = attribute.strip().partition("=")
                key = key.lower()
                if key == "path" and val.startswith("/"):
                    path = val
                elif key == "max-age":
                    delete = val.strip().lstrip("-").isdigit() and int(val) <= 0
                elif key == "expires":
                    with contextlib.suppress(TypeError, ValueError):
                        delete = email.utils.parsedate_to_datetime(val).timestamp() < time.time()
            if delete:
                self.cookies.pop((name, path), None)
            else:
                self.cookies[(name, path)] = value

    def header(self, request_path: str) -> str:
        hits = [
            (path, name, value)
            for (name, path), value in self.cookies.items()
            if request_path == path
            or (
                request_path.startswith(path)
                and (path.endswith("/") or request_path[len(path)] == "/")
            )
        ]
        hits.sort(key=lambda hit: -len(hit[0]))
        return "; ".join(f"{name}={value}" for _, name, value in hits)


def basic_auth(client_id: str, secret: str) -> str:
    """RFC 6749 §2.3.1 client_secret_basic (form-urlencoding of id and secret is a no-op here)."""
    raw = f"{client_id}:{secret}".encode()
    return "Basic " + base64.b64encode(raw).decode("ascii")


class VuHttp:
    """One VU's client: its own keep-alive connections (at most 4) and cookie jar."""

    def __init__(self) -> None:
        self.jar = CookieJar()
        self._session: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None:  # created lazily inside the running loop
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=4, keepalive_timeout=5, ssl=False),
                cookie_jar=aiohttp.DummyCookieJar(),
                timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
            )
        return self._session

    async def request(
        self,
        method: str,
        url: str,
        *,
        data: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        target = URL(url, encoded=True)
        all_headers = dict(headers or {})
        cookie = self.jar.header(target.path)
        if cookie:
            all_headers["cookie"] = cookie
        kwargs: dict[str, Any] = {"headers": all_headers, "allow_redirects": False}
        if data is not None:
            kwargs["data"] = data
        async with self._client().request(method, target, **kwargs) as response:
            body = await response.read()
            set_cookies = response.headers.getall("set-cookie", [])
            if set_cookies:
                self.jar.store(target.path, set_cookies)
            return Reply(response.status, url, response.headers.get("location"), body)

    async def get(self, url: str, headers: dict[str, str] | None = None) -> Reply:
        return await self.request("GET", url, headers=headers)

    async def post(
        self, url: str, data: dict[str, str], headers: dict[str, str] | None = None
    ) -> Reply:
        return await self.request("POST", url, data=data, headers=headers)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
