"""Every action a role does not allow answers a 403 page and changes nothing (access matrix)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from datastore import Datastore
from schoolloket.access import ACCESS_MATRIX

JAN = "a6f98ebd-1280-4294-a90f-a5858c1f6f47"


def _state(store: Datastore) -> tuple[Any, ...]:
    """Everything a Schoolloket action could change."""
    accounts = [store.world.account_by_username(u) for u in ("jan.peeters", "sara.wouters")]
    return (
        store.schoolloket.school("123456"),
        store.schoolloket.school("654321"),
        store.schoolloket.class_sharing_history("123456"),
        store.schoolloket.class_sharing_history("654321"),
        store.schoolloket.visibility("123456"),
        store.schoolloket.visibility("654321"),
        [a.password_hash for a in accounts if a is not None],
        store.schoolloket.access_log().total,
        store.clock.generation(),
    )


def _klasapp_and_a_visibility(store: Datastore) -> tuple[int, int]:
    app = next(a for a in store.schoolloket.applications() if a.key == "klasapp")
    row = next(v for v in store.schoolloket.visibility("123456") if v.application_id == app.id)
    return app.id, row.id


CASES = [
    # dirk.directeur is LeerID-databeheerder only, not LeerID-beheerder
    ("dirk.directeur", "GET", "/scholen/123456/beheer", None),
    ("dirk.directeur", "POST", "/scholen/123456/beheer/wachtwoord", {"account_uuid": JAN}),
    ("dirk.directeur", "GET", "/scholen/123456/beheer/verdeling", None),
    ("dirk.directeur", "POST", "/scholen/123456/beheer/verdeling", {"formaat": "html"}),
    ("dirk.directeur", "GET", "/scholen/123456/applicaties", None),
    ("dirk.directeur", "POST", "/scholen/123456/applicaties/zichtbaar", "make-visible"),
    ("dirk.directeur", "POST", "/scholen/123456/applicaties/verbergen", "hide"),
    # bert.beheerder is LeerID-beheerder only
    ("bert.beheerder", "GET", "/scholen/123456/instellingen/stopzetten", None),
    ("bert.beheerder", "POST", "/scholen/123456/instellingen/stopzetten", {}),
    ("bert.beheerder", "GET", "/scholen/123456/instellingen/activeren", None),
    ("bert.beheerder", "POST", "/scholen/123456/instellingen/activeren", "accept"),
    # no role at all at another school
    ("dirk.directeur", "GET", "/scholen/654321/instellingen", None),
    ("dirk.directeur", "POST", "/scholen/654321/instellingen/activeren", "accept"),
    ("bert.beheerder", "POST", "/scholen/654321/applicaties/zichtbaar", "make-visible"),
]


@pytest.mark.parametrize(("username", "method", "path", "form"), CASES)
def test_forbidden_action(
    demo: Datastore,
    logged_in: Callable[[str], TestClient],
    username: str,
    method: str,
    path: str,
    form: Any,
) -> None:
    client = logged_in(username)
    app_id, visibility_id = _klasapp_and_a_visibility(demo)
    data = (
        {
            "make-visible": {"application_id": app_id, "doel": "school"},
            "hide": {"visibility_id": visibility_id},
            "accept": {"protocol_version": "2024-1"},
        }.get(form, form)
        if isinstance(form, str)
        else form
    )
    before = _state(demo)
    if method == "GET":
        response = client.get(f"/schoolloket{path}")
    else:
        response = client.post(
            f"/schoolloket{path}", data={**data, "csrf_token": client.csrf_token}
        )
    assert response.status_code == 403
    assert 'data-testid="forbidden"' in response.text
    assert "Er werd niets gewijzigd." in response.text
    assert _state(demo) == before


def test_the_temporary_director_cannot_activate_after_31_august(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    demo.clock.set(dt.datetime(2026, 9, 1, 6, 0, tzinfo=dt.UTC), frozen=True)
    client = logged_in("ilse.interim")
    before = _state(demo)
    response = client.post(
        "/schoolloket/scholen/654321/instellingen/activeren",
        data={"protocol_version": "2024-1", "csrf_token": client.csrf_token},
    )
    assert response.status_code == 403
    assert _state(demo) == before


def test_a_post_without_the_csrf_token_changes_nothing(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("dirk.directeur")
    before = _state(demo)
    response = client.post("/schoolloket/scholen/123456/instellingen/stopzetten", data={})
    assert response.status_code == 403
    assert "Ongeldig formulier" in response.text
    assert _state(demo) == before


def test_a_post_without_a_session_changes_nothing(demo: Datastore, client: TestClient) -> None:
    before = _state(demo)
    response = client.post(
        "/schoolloket/scholen/123456/instellingen/stopzetten", data={"csrf_token": "x"}
    )
    assert response.status_code == 401
    assert _state(demo) == before


def test_every_action_of_the_matrix_is_tested() -> None:
    tested = {"klasinformatie.stopzetten", "klasinformatie.activeren", "leerlingen.zoeken"}
    tested |= {"wachtwoord.herstellen", "verdeling.afdrukken", "applicaties.bekijken"}
    tested |= {"applicaties.zichtbaar_maken", "applicaties.verbergen", "bekijken"}
    # Reading settings and the protocol is open to both roles; only "no role" is refused.
    tested |= {"instellingen.bekijken", "protocol.lezen"}
    assert tested == set(ACCESS_MATRIX)
