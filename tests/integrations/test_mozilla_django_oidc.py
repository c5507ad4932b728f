"""mozilla-django-oidc as a relying party, with the backend ``docs/integrating.md`` gives.

With its defaults the library keys users on ``email``, which LeerID never sends: every pupil
would map to one username (a hash of "None") and the second one fails. The documented backend
keys users on the account's ``ov_account_uuid`` instead. The backend's code is taken from the
page itself, so the page and this test cannot drift apart.

A minimal Django project lives in this module: settings, two URLs (the library's views) and
the backend. Django's test ``Client`` plays the application's users; the login at the provider
is done by an httpx "browser", over https with the provider's CA.
"""

from __future__ import annotations

import re
import sys
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import django
import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from leerid_sim.testing_server import LeerIDProvider
from tests.integrations.conftest import JAN, LOTTE, NOAH, REDIRECT_URI, Pupil, log_in_in_a_browser

pytestmark = pytest.mark.xdist_group("integrations")

DOC = Path(__file__).resolve().parents[2] / "docs" / "integrating.md"
BACKEND_MODULE = "leerid_integration_backend"
URLS_MODULE = "leerid_integration_urls"
# The application answers on the host and path of the demo client's registered callback.
HOST = urlsplit(REDIRECT_URI).netloc
CALLBACK_PATH = urlsplit(REDIRECT_URI).path


def _documented_backend() -> types.ModuleType:
    """The Python block of the page that defines ``LeerIDBackend``, as an importable module."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    [source] = [block for block in blocks if "class LeerIDBackend(" in block]
    module = types.ModuleType(BACKEND_MODULE)
    exec(compile(source, str(DOC), "exec"), module.__dict__)  # noqa: S102 - our own docs
    return module


def _urls() -> types.ModuleType:
    from django.urls import path
    from mozilla_django_oidc.views import (
        OIDCAuthenticationCallbackView,
        OIDCAuthenticationRequestView,
    )

    module = types.ModuleType(URLS_MODULE)
    module.urlpatterns = [  # type: ignore[attr-defined]
        path(
            "oidc/authenticate/",
            OIDCAuthenticationRequestView.as_view(),
            name="oidc_authentication_init",
        ),
        path(
            CALLBACK_PATH.lstrip("/"),
            OIDCAuthenticationCallbackView.as_view(),
            name="oidc_authentication_callback",
        ),
    ]
    return module


@pytest.fixture(scope="module")
def django_site(provider: LeerIDProvider, ca_bundle: str) -> Iterator[None]:
    """A Django project configured as the page says, on an in-memory database."""
    if settings.configured:
        pytest.fail("Django was configured before this module: its settings would be wrong")
    issuer = provider.issuer
    settings.configure(
        DEBUG=False,
        SECRET_KEY="integration-tests-only",
        ALLOWED_HOSTS=[HOST.split(":")[0]],
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}},
        INSTALLED_APPS=[
            "django.contrib.auth",
            "django.contrib.contenttypes",
            "django.contrib.sessions",
            "mozilla_django_oidc",
        ],
        MIDDLEWARE=[
            "django.contrib.sessions.middleware.SessionMiddleware",
            "django.contrib.auth.middleware.AuthenticationMiddleware",
        ],
        ROOT_URLCONF=URLS_MODULE,
        USE_TZ=True,
        LOGIN_REDIRECT_URL="/welkom",
        LOGIN_REDIRECT_URL_FAILURE="/mislukt",
        AUTHENTICATION_BACKENDS=[f"{BACKEND_MODULE}.LeerIDBackend"],
        # The settings of docs/integrating.md, with this test's provider as the issuer.
        OIDC_RP_CLIENT_ID="i-learn-acm",
        OIDC_RP_CLIENT_SECRET=provider.client_secrets["i-learn-acm"],
        OIDC_RP_SCOPES="openid profile ov_leerling",
        OIDC_RP_SIGN_ALGO="RS256",
        OIDC_OP_AUTHORIZATION_ENDPOINT=f"{issuer}/v1/auth",
        OIDC_OP_TOKEN_ENDPOINT=f"{issuer}/v1/token",
        OIDC_OP_USER_ENDPOINT=f"{issuer}/v1/userinfo",
        OIDC_OP_JWKS_ENDPOINT=f"{issuer}/v1/keys",
        OIDC_TOKEN_USE_BASIC_AUTH=True,
        OIDC_USE_PKCE=True,
        OIDC_VERIFY_SSL=ca_bundle,
    )
    with pytest.MonkeyPatch.context() as patch:
        # When the browser tests ran first in this worker, Playwright's sync API keeps an event
        # loop marked as running in this thread, and Django then refuses its ORM as if called
        # from async code. Nothing here is async: Django's documented switch says so.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        django.setup()
        # Importable by the names the settings give, for this module's tests only: the patch
        # takes them out of sys.modules again however the tests end.
        patch.setitem(sys.modules, BACKEND_MODULE, _documented_backend())
        patch.setitem(sys.modules, URLS_MODULE, _urls())
        call_command("migrate", verbosity=0, interactive=False)
        yield


def _log_in(pupil: Pupil, ca_bundle: str) -> tuple[Client, Any]:
    """A visitor of the Django site logs in with LeerID; the client and the answer to it."""
    visitor = Client(HTTP_HOST=HOST)
    start = visitor.get("/oidc/authenticate/", secure=True)
    assert start.status_code == 302, start.content
    authorization_url = start["Location"]
    assert parse_qs(urlsplit(authorization_url).query)["redirect_uri"] == [REDIRECT_URI]
    callback = urlsplit(log_in_in_a_browser(authorization_url, pupil.username, ca_bundle))
    answer = visitor.get(f"{callback.path}?{callback.query}", secure=True)
    return visitor, answer


@pytest.mark.usefixtures("django_site")
def test_each_pupil_becomes_a_user_keyed_on_the_account_uuid(ca_bundle: str) -> None:
    from django.contrib.auth import get_user_model

    users = get_user_model().objects
    jan_visitor, answer = _log_in(JAN, ca_bundle)
    assert answer.status_code == 302
    assert answer["Location"] == "/welkom"
    jan = users.get(username=JAN.account_uuid)
    assert (jan.first_name, jan.last_name, jan.email) == ("Jan", "Peeters", "")
    assert jan_visitor.session["_auth_user_id"] == str(jan.pk)

    lotte_visitor, answer = _log_in(LOTTE, ca_bundle)
    assert answer["Location"] == "/welkom"
    lotte = users.get(username=LOTTE.account_uuid)
    assert lotte.pk != jan.pk
    assert lotte_visitor.session["_auth_user_id"] == str(lotte.pk)

    # Jan again: the same user, not a new one.
    again, answer = _log_in(JAN, ca_bundle)
    assert answer["Location"] == "/welkom"
    assert again.session["_auth_user_id"] == str(jan.pk)
    assert users.filter(username__in=[JAN.account_uuid, LOTTE.account_uuid]).count() == 2


@pytest.mark.usefixtures("django_site")
def test_a_temporary_account_logs_in_too(ca_bundle: str) -> None:
    from django.contrib.auth import get_user_model

    # No leer_id_uuid for a pupil without INSZ; the account uuid is there all the same.
    visitor, answer = _log_in(NOAH, ca_bundle)
    assert answer["Location"] == "/welkom"
    noah = get_user_model().objects.get(username=NOAH.account_uuid)
    assert visitor.session["_auth_user_id"] == str(noah.pk)
