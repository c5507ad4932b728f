"""The provider as rp_demo sees it: its issuer URL and what HTTP answers there.

Discovery (OIDC Discovery 1.0 §4), the JWKS (RFC 7517) with a refetch on an unknown ``kid``
so a key rotation needs no restart, UserInfo (OIDC Core §5.3) and the optional admin API.
Every call goes over HTTP with ``httpx2``: authlib 1.9 prefers it and warns when it falls back
to ``httpx``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from typing import Any

import httpx2

from rp_demo.settings import RPSettings

__all__ = ["ProviderError", "ProviderHTTP"]

# Discovery and JWKS are read again after this long (a provider may rotate keys or change).
METADATA_TTL_SECONDS = 300.0


class ProviderError(Exception):
    """The provider could not be reached or answered something unusable."""


class ProviderHTTP:
    """Cached discovery and JWKS, and the few plain HTTP calls rp_demo makes itself."""

    def __init__(self, settings: RPSettings, transport: httpx2.AsyncBaseTransport | None = None):
        self.settings = settings
        self._transport = transport
        self._metadata: dict[str, Any] | None = None
        self._metadata_at = 0.0
        self._jwks: dict[str, Any] | None = None
        self._jwks_at = 0.0
        self._lock = asyncio.Lock()
        self._clock_offset = 0.0
        self._clock_read_at: float | None = None

    def client(self) -> httpx2.AsyncClient:
        """A fresh HTTP client (one per call keeps rp_demo free of loop-bound state)."""
        return httpx2.AsyncClient(
            timeout=self.settings.http_timeout_seconds,
            transport=self._transport,
            verify=self.settings.ssl_context(),
        )

    async def _get_json(self, url: str, **kwargs: Any) -> Any:
        try:
            async with self.client() as http:
                response = await http.get(url, **kwargs)
        except httpx2.HTTPError as exc:
            raise ProviderError(f"{url} is niet bereikbaar ({type(exc).__name__})") from exc
        if response.status_code != 200:
            raise ProviderError(f"{url} antwoordde met HTTP {response.status_code}")
        try:
            return response.json()
        except ValueError as exc:
            raise ProviderError(f"{url} antwoordde zonder geldige JSON") from exc

    async def metadata(self) -> dict[str, Any]:
        """The OpenID Provider metadata; its ``issuer`` must equal ours (Discovery §4.3)."""
        async with self._lock:
            fresh = time.monotonic() - self._metadata_at < METADATA_TTL_SECONDS
            if self._metadata is None or not fresh:
                metadata = await self._get_json(self.settings.discovery_url)
                if not isinstance(metadata, dict):
                    raise ProviderError("de discovery is geen JSON-object")
                if metadata.get("issuer") != self.settings.issuer:
                    raise ProviderError(
                        f"de discovery noemt issuer {metadata.get('issuer')!r}, "
                        f"verwacht {self.settings.issuer!r} (Discovery §4.3)"
                    )
                self._metadata = metadata
                self._metadata_at = time.monotonic()
            return self._metadata

    async def jwks(self, *, force: bool = False) -> dict[str, Any]:
        """The provider's JWKS; ``force`` reads it again (after an unknown ``kid``)."""
        metadata = await self.metadata()
        async with self._lock:
            fresh = time.monotonic() - self._jwks_at < METADATA_TTL_SECONDS
            if self._jwks is None or force or not fresh:
                jwks_uri = metadata.get("jwks_uri")
                if not isinstance(jwks_uri, str):
                    raise ProviderError("de discovery noemt geen jwks_uri")
                jwks = await self._get_json(jwks_uri)
                if not isinstance(jwks, dict) or not isinstance(jwks.get("keys"), list):
                    raise ProviderError("de JWKS heeft geen lijst 'keys'")
                self._jwks = jwks
                self._jwks_at = time.monotonic()
            return self._jwks

    async def now(self) -> float:
        """The time tokens are checked against, as a Unix timestamp.

        Real time, unless the admin token is set: then the provider's clock, which a presenter
        or a test may have moved (``/admin/api/clock``), so its tokens are not "expired" here.
        """
        if self.settings.admin_token_value is None:
            return time.time()
        fresh = self._clock_read_at is not None and time.monotonic() - self._clock_read_at < 2
        if not fresh:
            try:
                clock = await self.admin("/clock", {})
                provider_now = dt.datetime.fromisoformat(str(clock["now"])).timestamp()
                self._clock_offset = provider_now - time.time()
            except (ProviderError, KeyError, TypeError, ValueError):
                self._clock_offset = 0.0  # no admin API there: plain real time
            self._clock_read_at = time.monotonic()
        return time.time() + self._clock_offset

    async def userinfo(self, access_token: str) -> tuple[int, Any]:
        """OIDC Core §5.3.1: GET UserInfo with the access token; (status, JSON or text)."""
        metadata = await self.metadata()
        url = metadata.get("userinfo_endpoint")
        if not isinstance(url, str):
            raise ProviderError("de discovery noemt geen userinfo_endpoint")
        try:
            async with self.client() as http:
                response = await http.get(url, headers={"Authorization": f"Bearer {access_token}"})
        except httpx2.HTTPError as exc:
            raise ProviderError(f"{url} is niet bereikbaar ({type(exc).__name__})") from exc
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, response.text

    async def admin(self, path: str, params: dict[str, str]) -> Any:
        """GET on the provider's admin API with the configured token."""
        token = self.settings.admin_token_value
        if token is None:
            raise ProviderError("geen LEERID_RP_ADMIN_TOKEN ingesteld")
        return await self._get_json(
            f"{self.settings.admin_api}{path}",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
        )
