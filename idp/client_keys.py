"""The public keys of ``private_key_jwt`` clients that publish them at a ``jwks_uri``.

OIDC Core §10.1.1 and OIDC Registration §2 (``jwks_uri``): a client may publish its keys at a URL
instead of registering them inline. The provider fetches the set on first use and keeps it; when
an assertion names a ``kid`` the kept set does not hold, the client has rotated its keys, so the
set is fetched again (at most once per ``REFETCH_SECONDS`` per URL, so a stream of assertions
with made-up ``kid`` values cannot make the provider fetch in a loop).

Anyone who knows a client_id can send an assertion, so the fetch must stay cheap for the
provider whatever the URL does: a failed fetch is remembered for ``REFETCH_SECONDS`` too (an
unreachable host is not asked again for every assertion), and a whole fetch, from connecting to
the last byte, takes at most ``FETCH_SECONDS`` (a host that sends its answer a byte at a time
cannot hold the token endpoint).
"""

from __future__ import annotations

import base64
import binascii
import json
import ssl
import threading
import time
from dataclasses import dataclass

from joserfc.errors import JoseError
from joserfc.jwk import KeySet

__all__ = [
    "FETCH_SECONDS",
    "MAX_JWKS_BYTES",
    "REFETCH_SECONDS",
    "JwksUnavailable",
    "RemoteKeySets",
    "header_kid",
]

# A key set is small: a few keys of a few hundred bytes each.
MAX_JWKS_BYTES = 64 * 1024
# The least time between two fetches of one URL.
REFETCH_SECONDS = 10.0
# The longest one fetch may take, and the timeout of each network step within it.
FETCH_SECONDS = 5.0
# A kept set is fetched again after this long even when no unknown kid asked for it.
MAX_AGE_SECONDS = 3600.0


class JwksUnavailable(Exception):
    """The client's ``jwks_uri`` gave no usable key set (the message says why, for the event)."""


def header_kid(assertion: str) -> str | None:
    """The ``kid`` of a compact JWS header, or ``None`` (no kid, or not a JWS at all)."""
    try:
        segment = assertion.split(".", 1)[0]
        header = json.loads(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except (ValueError, binascii.Error):
        return None
    kid = header.get("kid") if isinstance(header, dict) else None
    return kid if isinstance(kid, str) else None


@dataclass(frozen=True, slots=True)
class _Kept:
    keys: KeySet
    kids: frozenset[str]
    fetched_at: float


class RemoteKeySets:
    """Key sets by URL, fetched with the provider's outbound TLS settings; thread-safe."""

    def __init__(self, verify: ssl.SSLContext, timeout: float = FETCH_SECONDS) -> None:
        self._verify = verify
        self._timeout = timeout
        self._kept: dict[str, _Kept] = {}
        # URL -> (when, why) of its last failed fetch.
        self._failed: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def key_set(self, uri: str, kid: str | None) -> KeySet:
        """The set published at ``uri``, fetched again when it lacks ``kid`` or has grown old."""
        now = time.monotonic()
        kept = self._kept.get(uri)
        if kept is not None:
            fresh = now - kept.fetched_at < MAX_AGE_SECONDS
            knows_kid = kid is None or kid in kept.kids
            if (fresh and knows_kid) or now - kept.fetched_at < REFETCH_SECONDS:
                return kept.keys
        failed = self._failed.get(uri)
        if failed is not None and now - failed[0] < REFETCH_SECONDS:
            raise JwksUnavailable(failed[1])
        try:
            fetched = self._fetch(uri, now)
        except JwksUnavailable as exc:
            with self._lock:
                self._failed[uri] = (now, str(exc))
            raise
        with self._lock:
            self._kept[uri] = fetched
            self._failed.pop(uri, None)
        return fetched.keys

    def _fetch(self, uri: str, now: float) -> _Kept:
        # Imported here: a provider whose clients publish no jwks_uri never needs an HTTP client,
        # and importing one is a noticeable part of a worker's start.
        import httpx

        deadline = time.monotonic() + self._timeout
        try:
            with (
                httpx.Client(verify=self._verify, timeout=self._timeout) as http,
                http.stream("GET", uri, headers={"Accept": "application/json"}) as response,
            ):
                if response.status_code != 200:
                    raise JwksUnavailable(f"jwks_uri answered HTTP {response.status_code}")
                body = b""
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_JWKS_BYTES:
                        raise JwksUnavailable("jwks_uri answered more than 64 KiB")
                    if time.monotonic() > deadline:
                        raise JwksUnavailable(
                            f"jwks_uri took longer than {self._timeout:g} s to answer"
                        )
        except httpx.HTTPError as exc:
            raise JwksUnavailable(f"jwks_uri could not be fetched: {type(exc).__name__}") from exc
        try:
            document = json.loads(body)
            keys = KeySet.import_key_set(document)
        except (ValueError, TypeError, KeyError, JoseError) as exc:
            raise JwksUnavailable("jwks_uri did not answer a JWK Set") from exc
        kids = frozenset(
            str(key["kid"])
            for key in document.get("keys", [])
            if isinstance(key, dict) and "kid" in key
        )
        return _Kept(keys=keys, kids=kids, fetched_at=now)
