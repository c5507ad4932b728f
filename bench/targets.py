"""The OpenID providers the generator can drive, and how each one's login pages are submitted.

- ``leerid-sim``: the project, as docs/contract.md describes it: issuer ``<base>/op``, a login
  page with one ``<form method="post">`` (username, password), no consent screen, SSO by session
  cookie.
  Client ``i-learn`` with scope ``openid ov_leerling offline_access`` (a refresh token comes
  only with ``offline_access``, as on ACM), pupil ``jan.peeters``.
- ``oidc-provider``: panva's node-oidc-provider 9 as the peer bench runs it: devInteractions, a
  login form and then a consent form; ``prompt=consent`` on the first flow (needed for
  ``offline_access``), none on SSO flows.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

from bench.client import Reply, VuHttp

__all__ = ["FlowError", "Target", "leerid_target", "login_form", "oidc_provider_target"]


class FlowError(Exception):
    """A flow did not end as the protocol says it must."""


PageHandler = Callable[[VuHttp, Reply], Awaitable[Reply]]


@dataclass(frozen=True)
class Target:
    """One provider under test, and the client the generator plays."""

    name: str
    base_url: str
    discovery_path: str
    client_id: str
    client_secret: str
    redirect_uri: str
    scope: str
    submit_page: PageHandler
    expect_userinfo_claims: tuple[str, ...] = ("sub",)
    authorize_params: dict[str, str] = field(default_factory=dict)
    sso_authorize_params: dict[str, str] = field(default_factory=dict)

    @property
    def discovery_url(self) -> str:
        return self.base_url + self.discovery_path


class _PostForms(HTMLParser):
    """Collects every ``<form method="post">``: its action, inputs and submit buttons."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict[str, object]] = []
        self._current: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            is_post = a.get("method", "get").lower() == "post"
            self._current = {"action": a.get("action"), "inputs": []} if is_post else None
            if self._current is not None:
                self.forms.append(self._current)
        elif self._current is not None and tag == "input":
            inputs = self._current["inputs"]
            assert isinstance(inputs, list)
            inputs.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._current = None


def login_form(page_html: str, page_url: str, fields: dict[str, str]) -> tuple[str, dict[str, str]]:
    """(URL, data) of the page's single ``<form method="post">`` as a browser submits it:
    action resolved against the page URL (absent = the page itself), hidden inputs kept."""
    parser = _PostForms()
    parser.feed(page_html)
    parser.close()
    if len(parser.forms) != 1:
        raise FlowError(f"expected one <form method=post> at {page_url}, found {len(parser.forms)}")
    form = parser.forms[0]
    inputs = form["inputs"]
    assert isinstance(inputs, list)
    names = {i.get("name") for i in inputs}
    if not set(fields) <= names:
        raise FlowError(f"login form lacks inputs {sorted(set(fields) - names)}")
    data = {
        i["name"]: i.get("value", "")
        for i in inputs
        if i.get("type", "").lower() == "hidden" and i.get("name")
    }
    action = form["action"]
    url = urljoin(page_url, str(action)).split("#")[0] if action else page_url
    return url, data | fields


def leerid_target(
    base_url: str,
    client_id: str = "i-learn",
    username: str = "jan.peeters",
    password: str = "Leerling123!",  # noqa: S107 - the demo world's documented pupil password
) -> Target:
    """leerid-sim as docs/contract.md describes it (demo world)."""
    secrets = {"i-learn": "i-learn-demo-secret", "ididdit": "ididdit-demo-secret"}
    claims = {
        "i-learn": ("sub", "leer_id_uuid", "account_uuid", "naam"),
        "ididdit": ("sub", "leer_id_uuid", "account_uuid"),
    }

    async def submit(http: VuHttp, page: Reply) -> Reply:
        text = page.text
        if 'data-testid="login-error"' in text:  # else the same page is posted again and again
            raise FlowError(f"login rejected at {page.url.split('?')[0]}")
        url, data = login_form(text, page.url, {"username": username, "password": password})
        return await http.post(url, data)

    return Target(
        name="leerid-sim",
        base_url=base_url,
        discovery_path="/op/.well-known/openid-configuration",
        client_id=client_id,
        client_secret=secrets[client_id],
        redirect_uri="http://127.0.0.1:8001/callback",
        scope="openid ov_leerling offline_access",
        submit_page=submit,
        expect_userinfo_claims=claims[client_id],
    )


_ACTION = re.compile(r'<form[^>]*action="([^"]+)"')
_PROMPT = re.compile(r'name="prompt" value="([a-z]+)"')


def oidc_provider_target(base_url: str, client_id: str = "bench") -> Target:
    """node-oidc-provider with devInteractions (peer bench ``node/oidc_provider_server.mjs``)."""

    async def submit(http: VuHttp, page: Reply) -> Reply:
        text = page.text
        action, prompt = _ACTION.search(text), _PROMPT.search(text)
        if not action or not prompt:
            raise FlowError(f"no interaction form at {page.url}")
        url = urljoin(page.url, html.unescape(action.group(1)))
        data = {"prompt": prompt.group(1)}
        if data["prompt"] == "login":
            data |= {"login": "alice", "password": "alice-pw"}
        return await http.post(url, data)

    return Target(
        name="oidc-provider",
        base_url=base_url,
        discovery_path="/.well-known/openid-configuration",
        client_id=client_id,
        client_secret="bench-secret",
        redirect_uri="http://127.0.0.1:9999/cb",
        scope="openid profile offline_access",
        submit_page=submit,
        expect_userinfo_claims=("sub", "name", "given_name", "family_name"),
        authorize_params={"prompt": "consent"},
    )
