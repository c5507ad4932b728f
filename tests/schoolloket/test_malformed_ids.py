"""Row ids in Schoolloket forms and queries: a malformed or oversized one is a 400 page.

``int()`` takes other scripts' digits, signs and spaces, and a number of 23 digits does not fit
the databases' integers; each of these once reached the database and ended in a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from datastore import Datastore
from tests.databases import TemplateDatabases


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, templates: TemplateDatabases) -> Iterator[str]:
    """Both databases: each refuses a too large integer in its own way."""
    with templates.fresh(request.param) as url:
        yield url


BASE = "/schoolloket/scholen/123456"
MALFORMED = ["99999999999999999999999", "١٢", "１", "-1", " 1", "1_0", "x"]


def _klasapp(store: Datastore) -> int:
    return next(a.id for a in store.schoolloket.applications() if a.key == "klasapp")


def _is_error_page(response: httpx.Response) -> None:
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("value", MALFORMED)
def test_malformed_ids_are_a_400_page(
    demo: Datastore, logged_in: Callable[[str], TestClient], value: str
) -> None:
    client = logged_in("bert.beheerder")
    _is_error_page(client.get(f"{BASE}/beheer", params={"klas": value}))
    _is_error_page(
        client.post(
            f"{BASE}/applicaties/zichtbaar",
            data={"csrf_token": client.csrf_token, "application_id": value, "doel": "school"},
        )
    )
    _is_error_page(
        client.post(
            f"{BASE}/applicaties/verbergen",
            data={"csrf_token": client.csrf_token, "visibility_id": value},
        )
    )


@pytest.mark.parametrize("value", ["99999999999999999999999", "١٢"])
def test_a_malformed_class_for_visibility_is_refused_as_a_page(
    demo: Datastore, logged_in: Callable[[str], TestClient], value: str
) -> None:
    client = logged_in("bert.beheerder")
    made = client.post(
        f"{BASE}/applicaties/zichtbaar",
        data={
            "csrf_token": client.csrf_token,
            "application_id": str(_klasapp(demo)),
            "doel": "klas",
            "klas": value,
        },
    )
    assert 400 <= made.status_code < 500
    assert made.headers["content-type"].startswith("text/html")
