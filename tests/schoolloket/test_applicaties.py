"""Applicatiebeheer: visibility per class or pupil, and the next login's ``klas``."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from datastore import Datastore
from idp.preview import preview

BASE = "/schoolloket/scholen/123456/applicaties"


def _klas(store: Datastore, username: str) -> str | None:
    claims = preview(store, "klasapp", username, "openid klas").as_dict()["claims"]["leerid"]
    return claims.get("klas")


def _klasapp(store: Datastore) -> int:
    return next(a.id for a in store.schoolloket.applications() if a.key == "klasapp")


def _class_id(store: Datastore, name: str) -> int:
    return next(c.id for c in store.schoolloket.classes("123456") if c.name == name)


def test_assign_klasapp_to_class_3a_and_hide_it_again(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("bert.beheerder")
    page = client.get(BASE)
    assert page.status_code == 200
    assert 'data-testid="app-klasapp"' in page.text
    assert 'data-testid="app-schoolloket"' not in page.text  # staff-only, not for pupils
    assert _klas(demo, "sara.wouters") is None
    generation = demo.clock.generation()

    made = client.post(
        f"{BASE}/zichtbaar",
        data={
            "csrf_token": client.csrf_token,
            "application_id": _klasapp(demo),
            "doel": "klas",
            "klas": _class_id(demo, "3A"),
        },
    )
    assert made.status_code == 303
    assert _klas(demo, "sara.wouters") == "3A"
    assert _klas(demo, "noah.tijdelijk") == "3A"
    assert demo.clock.generation() > generation
    row = next(v for v in demo.schoolloket.visibility("123456") if v.target_label == "klas 3A")
    assert "klas 3A" in client.get(BASE).text

    duplicate = client.post(
        f"{BASE}/zichtbaar",
        data={
            "csrf_token": client.csrf_token,
            "application_id": _klasapp(demo),
            "doel": "klas",
            "klas": _class_id(demo, "3A"),
        },
    )
    assert duplicate.status_code == 409

    hidden = client.post(
        f"{BASE}/verbergen", data={"csrf_token": client.csrf_token, "visibility_id": row.id}
    )
    assert hidden.status_code == 303
    assert _klas(demo, "sara.wouters") is None
    assert _klas(demo, "noah.tijdelijk") == "3A"  # still visible to him as a pupil
    actions = [e.action for e in demo.schoolloket.access_log(actor="bert.beheerder").items]
    assert actions[:2] == ["applicatie_verborgen", "applicatie_zichtbaar"]


def test_assign_to_one_pupil(demo: Datastore, logged_in: Callable[[str], TestClient]) -> None:
    client = logged_in("bert.beheerder")
    response = client.post(
        f"{BASE}/zichtbaar",
        data={
            "csrf_token": client.csrf_token,
            "application_id": _klasapp(demo),
            "doel": "leerling",
            "gebruikersnaam": "sara.wouters",
        },
    )
    assert response.status_code == 303
    assert _klas(demo, "sara.wouters") == "3A"
    stranger = client.post(
        f"{BASE}/zichtbaar",
        data={
            "csrf_token": client.csrf_token,
            "application_id": _klasapp(demo),
            "doel": "leerling",
            "gebruikersnaam": "lotte.janssens",
        },
    )
    assert stranger.status_code == 404


def test_per_class_needs_class_sharing(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    dirk = demo.world.account_by_username("dirk.directeur")
    assert dirk is not None
    demo.schoolloket.stop_class_sharing("123456", dirk.id)
    client = logged_in("bert.beheerder")
    assert 'data-testid="assign-klas-klasapp"' not in client.get(BASE).text
    refused = client.post(
        f"{BASE}/zichtbaar",
        data={
            "csrf_token": client.csrf_token,
            "application_id": _klasapp(demo),
            "doel": "klas",
            "klas": _class_id(demo, "3A"),
        },
    )
    assert refused.status_code == 409


def test_an_application_whose_protocol_ended_says_so(
    logged_in: Callable[[str], TestClient],
) -> None:
    page = logged_in("bert.beheerder").get(BASE).text
    assert 'data-testid="protocol-inactive-stopgezet"' not in page
    oude_app = page.split('data-testid="app-')
    ended = next(part for part in oude_app if "OudeApp" in part)
    assert "beëindigd" in ended
    assert 'data-testid="protocol-inactive-klasapp"' not in page


def test_the_staff_only_schoolloket_cannot_be_made_visible(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("bert.beheerder")
    schoolloket = demo.world.client("schoolloket")
    assert schoolloket is not None
    response = client.post(
        f"{BASE}/zichtbaar",
        data={
            "csrf_token": client.csrf_token,
            "application_id": schoolloket.application_id,
            "doel": "school",
        },
    )
    assert response.status_code == 404
