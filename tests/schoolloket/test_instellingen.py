"""Schoolinstellingen: activate and stop class sharing, read the protocol."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from datastore import Conflict, Datastore, NotPermitted
from idp.preview import preview

BASE = "/schoolloket/scholen/123456/instellingen"


def _klas(store: Datastore, username: str) -> str | None:
    claims = preview(store, "klasapp", username, "openid klas").as_dict()["claims"]["leerid"]
    return claims.get("klas")


def test_stop_and_activate_class_sharing_as_the_director(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    client = logged_in("dirk.directeur")
    page = client.get(BASE)
    assert page.status_code == 200
    assert 'data-state="active"' in page.text
    assert "Klasinformatie wordt gedeeld met LeerID" in page.text
    assert _klas(demo, "jan.peeters") == "3B"

    confirm = client.get(f"{BASE}/stopzetten")
    assert "Stop het delen van klasinformatie" in confirm.text
    generation = demo.clock.generation()
    stopped = client.post(f"{BASE}/stopzetten", data={"csrf_token": client.csrf_token})
    assert stopped.status_code == 303
    assert stopped.headers["location"] == BASE
    start = client.get(BASE)
    assert 'data-state="inactive"' in start.text
    assert "Momenteel deelt je school geen klasinformatie met LeerID" in start.text
    assert 'data-testid="sharing-activate"' in start.text
    assert demo.clock.generation() > generation
    assert _klas(demo, "jan.peeters") is None
    history = demo.schoolloket.class_sharing_history("123456")
    assert history[0].stopped_by == "Dirk Directeur"

    protocol = client.get(f"{BASE}/activeren")
    assert 'data-testid="protocol-text"' in protocol.text
    assert "klasinformatie" in protocol.text
    accepted = client.post(
        f"{BASE}/activeren",
        data={"csrf_token": client.csrf_token, "protocol_version": "2024-1"},
    )
    assert accepted.status_code == 303
    assert 'data-state="active"' in client.get(BASE).text
    assert _klas(demo, "jan.peeters") == "3B"
    newest = demo.schoolloket.class_sharing_history("123456")[0]
    assert (newest.accepted_by, newest.protocol_version, newest.stopped_at) == (
        "Dirk Directeur",
        "2024-1",
        None,
    )
    assert newest.accepted_at == demo.clock.now()

    again = client.get(f"{BASE}/protocol")
    assert again.status_code == 200
    assert 'data-testid="accepted-by">Dirk Directeur<' in again.text
    assert 'data-testid="accepted-at">24/08/2026 12:00<' in again.text  # Brussels time
    assert 'data-testid="protocol-version">2024-1<' in again.text


def test_the_beheerder_reads_the_state_and_the_protocol_but_has_no_buttons(
    logged_in: Callable[[str], TestClient],
) -> None:
    client = logged_in("bert.beheerder")
    page = client.get(BASE)
    assert page.status_code == 200
    assert 'data-testid="sharing-stop"' not in page.text
    assert 'data-testid="databeheerder-only"' in page.text
    assert client.get(f"{BASE}/protocol").status_code == 200


def test_a_school_on_another_package_gets_a_clear_message(
    demo: Datastore, logged_in: Callable[[str], TestClient]
) -> None:
    demo.admin.update_school("654321", {"admin_package": "smartschool"})
    client = logged_in("ilse.interim")
    page = client.get("/schoolloket/scholen/654321/instellingen")
    assert 'data-testid="package-unsupported"' in page.text
    assert "enkel met Broekx of Informat" in page.text
    assert 'data-testid="sharing-activate"' not in page.text
    refused = client.post(
        "/schoolloket/scholen/654321/instellingen/activeren",
        data={"csrf_token": client.csrf_token, "protocol_version": "2024-1"},
    )
    assert refused.status_code == 409
    assert not demo.schoolloket.school("654321").class_sharing_active


def test_the_datastore_checks_the_role_and_the_state_itself(demo: Datastore) -> None:
    bert = demo.world.account_by_username("bert.beheerder")
    dirk = demo.world.account_by_username("dirk.directeur")
    assert bert is not None
    assert dirk is not None
    with pytest.raises(NotPermitted):
        demo.schoolloket.stop_class_sharing("123456", bert.id)
    with pytest.raises(Conflict):
        demo.schoolloket.activate_class_sharing("123456", dirk.id, "2024-1")
    assert demo.schoolloket.school("123456").class_sharing_active
