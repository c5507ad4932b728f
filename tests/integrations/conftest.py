"""Third-party relying-party libraries, unchanged, against a running provider over https.

One provider per worker process: uvicorn on a free port of 127.0.0.1 with the demo world and a
certificate of a fresh local CA (``running_provider(tls=True)``). Every library verifies that
certificate with the CA bundle, the way an application trusts its own CA; nothing is relaxed.

The "browser" is an httpx client that follows the authorization request to the login page,
posts the form with its hidden fields (the CSRF token among them) and stops at the redirect to
the client's ``redirect_uri``. That URL is what a browser would hand to the application's
callback; the tests hand it to the library.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from leerid_sim.testing_server import LeerIDProvider, running_provider
from tests.idp.flows import parse_login_form

# The demo clients register these https callbacks next to the http ones.
REDIRECT_URI = "https://localhost:8001/callback"
PUPIL_PASSWORD = "Leerling123!"


@dataclass(frozen=True)
class Pupil:
    """A demo pupil and what the demo world says about her or him."""

    username: str
    account_uuid: str
    leer_id_uuid: str | None


JAN = Pupil(
    "jan.peeters", "a6f98ebd-1280-4294-a90f-a5858c1f6f47", "814f2e42-3f55-43e0-bc62-bba3ef1d008a"
)
LOTTE = Pupil(
    "lotte.janssens", "3775cacf-ba3e-41ae-821b-72162cb293c0", "5cb1c28c-502d-4f84-bc38-d3a7e4c12948"
)
NOAH = Pupil("noah.tijdelijk", "4532ebe1-1814-422a-b28e-ce05ede78b10", None)


@pytest.fixture(scope="session")
def provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeerIDProvider]:
    with running_provider(tmp_path_factory.mktemp("integrations"), tls=True) as running:
        yield running


@pytest.fixture(scope="session")
def ca_bundle(provider: LeerIDProvider) -> str:
    assert provider.ca_bundle is not None
    return provider.ca_bundle


def log_in_in_a_browser(authorization_url: str, username: str, ca_bundle: str) -> str:
    """The URL the provider sends the browser back to after ``username`` logged in.

    A fresh cookie jar each time: no SSO between two calls, so two pupils can log in in turn.
    """
    context = ssl.create_default_context(cafile=ca_bundle)
    with httpx.Client(verify=context, follow_redirects=True, timeout=30) as browser:
        page = browser.get(authorization_url)
        assert page.status_code == 200, page.text
        form = parse_login_form(str(page.url), page.text)
        answer = browser.post(
            form.action,
            data={**form.fields, "username": username, "password": PUPIL_PASSWORD},
            follow_redirects=False,
        )
    assert answer.status_code in (302, 303), answer.text
    location = answer.headers["location"]
    assert location.startswith(REDIRECT_URI), location
    return location
