"""Clock, snapshots, reset, purge, events, privacy log and the register through the admin API."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from tests.plugin.test_docs_example import WORLD

API = "/admin/api"


def test_clock_set_advance_freeze_and_reset(admin: TestClient) -> None:
    assert admin.get(f"{API}/clock").json()["simulated"] is False
    frozen = admin.put(f"{API}/clock", json={"now": "2026-07-01T09:00:00+02:00", "frozen": True})
    assert frozen.json()["now"].startswith("2026-07-01T07:00:00")
    assert frozen.json()["today"] == "2026-07-01"
    moved = admin.post(f"{API}/clock", json={"advance_seconds": 86400})
    assert moved.json()["today"] == "2026-07-02"
    assert moved.json()["frozen"] is True
    naive = admin.put(f"{API}/clock", json={"now": "2026-07-01T09:00:00"})
    assert naive.status_code == 422
    assert naive.json()["detail"][0]["loc"] == ["body", "now"]
    both = admin.put(f"{API}/clock", json={"now": "2026-07-01T09:00:00Z", "advance_seconds": 1})
    assert both.status_code == 422
    assert admin.delete(f"{API}/clock").json()["simulated"] is False
    assert admin.post(f"{API}/clock/reset").json()["frozen"] is False


def test_snapshot_restore_brings_the_world_back_quickly(admin: TestClient) -> None:
    saved = admin.post(f"{API}/snapshots", json={"name": "baseline"})
    assert saved.status_code == 201
    assert admin.post(f"{API}/snapshots", json={"name": "baseline"}).status_code == 409
    admin.delete(f"{API}/accounts/jan.peeters")
    admin.post(f"{API}/faults", json={"endpoint": "token", "error": "server_error"})
    started = time.perf_counter()
    restored = admin.post(f"{API}/snapshots/baseline/restore")
    elapsed = time.perf_counter() - started
    assert restored.status_code == 200
    assert elapsed < 2.0, f"restore took {elapsed:.2f}s"
    assert admin.get(f"{API}/accounts/jan.peeters").status_code == 200
    assert admin.get(f"{API}/faults").json() == []
    # Ids stay free: a new pupil after a restore does not collide with restored rows.
    created = admin.post(f"{API}/pupils", json={"naam": "Na", "voornaam": "Restore"})
    assert created.status_code == 201
    assert "baseline" in [s["name"] for s in admin.get(f"{API}/snapshots").json()]
    assert admin.post(f"{API}/snapshots/nergens/restore").status_code == 404
    assert admin.delete(f"{API}/snapshots/baseline").status_code == 204
    assert admin.post(f"{API}/snapshots", json={"name": "no spaces"}).status_code == 422


def test_reset_returns_to_the_seeded_world(admin: TestClient) -> None:
    admin.delete(f"{API}/accounts/jan.peeters")
    admin.post(f"{API}/schools", json={"instellingsnummer": "111111", "name": "Extra"})
    admin.put(f"{API}/clock", json={"now": "2030-01-01T00:00:00Z"})
    reset = admin.post(f"{API}/reset")
    assert reset.status_code == 200, reset.text
    assert admin.get(f"{API}/accounts/jan.peeters").status_code == 200
    assert admin.get(f"{API}/schools/111111").status_code == 404
    assert admin.get(f"{API}/clock").json()["simulated"] is False


def test_purge_removes_class_placements_a_year_after_the_enrolment(admin: TestClient) -> None:
    ex = admin.get(f"{API}/accounts/ex.leerling").json()
    enrolment = admin.get(f"{API}/enrolments", params={"pupil_id": ex["pupil_id"]}).json()[0]
    admin.patch(f"{API}/enrolments/{enrolment['id']}", json={"klas": "3A"})
    admin.put(f"{API}/clock", json={"now": "2027-06-01T12:00:00Z", "frozen": True})
    kept = admin.post(f"{API}/purge").json()
    assert kept["class_placements"] == 0
    admin.put(f"{API}/clock", json={"now": "2027-07-02T12:00:00Z", "frozen": True})
    purged = admin.post(f"{API}/purge").json()
    assert purged["class_placements"] == 1
    assert set(purged) >= {"sessions", "authorization_codes", "tokens", "privacy_log"}
    assert admin.get(f"{API}/enrolments/{enrolment['id']}").json()["klas"] is None


def test_events_and_privacy_log_filters_and_export(admin: TestClient) -> None:
    events = admin.get(f"{API}/events", params={"client_id": "i-learn", "limit": 5})
    assert events.status_code == 200
    assert set(events.json()) == {"items", "total", "offset", "limit"}
    privacy = admin.get(
        f"{API}/privacy-log", params={"since": "2026-01-01T00:00:00Z", "client_id": "i-learn"}
    )
    assert privacy.status_code == 200
    naive = admin.get(f"{API}/privacy-log", params={"since": "2026-01-01T00:00:00"})
    assert naive.status_code == 422
    csv = admin.get(f"{API}/privacy-log/export", params={"format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0].startswith("id,at,client_id")
    assert admin.get(f"{API}/privacy-log/export", params={"format": "json"}).json() == []
    assert admin.get(f"{API}/privacy-log/export", params={"format": "xml"}).status_code == 422


def test_register_of_processing_activities(admin: TestClient) -> None:
    register = admin.get(f"{API}/register").json()
    by_app = {a["application"]: a for a in register}
    ilearn = by_app["i-learn"]
    assert ilearn["recipient"] == "imec"
    assert ilearn["retention_days"] == 365
    assert "inschrijvingen" in ilearn["categories_of_data"]
    assert ilearn["disclosure_legal_basis"]
    # The clients of the application, each with its integratiedossier.
    dossiers = {c["client_id"]: c["dossier"] for c in ilearn["clients"]}
    assert set(dossiers) == {"i-learn", "i-learn-acm"}
    assert dossiers["i-learn-acm"]["claim_dialect"] == "acm"
    assert "vo" in dossiers["i-learn"]["allowed_scopes"]
    assert dossiers["i-learn"]["access_token_format"] == "opaque"
    assert dossiers["i-learn"]["subject_type"] == "pairwise"
    markdown = admin.get(f"{API}/register/export", params={"format": "md"}).text
    assert markdown.startswith("# Register van verwerkingsactiviteiten")
    assert "| client i-learn-acm | i-learn-acm (allowed_scopes: openid profile vo" in markdown
    csv = admin.get(f"{API}/register/export", params={"format": "csv"}).text
    assert csv.splitlines()[0].startswith("protocol,application")
    assert csv.splitlines()[0].endswith(",clients")
    assert "claim_dialect: acm" in csv


def test_reset_reloads_the_configured_fixture(
    admin: TestClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = tmp_path / "world.yaml"
    world.write_text(WORLD, encoding="utf-8")
    monkeypatch.setattr(admin.app.state, "world_fixture", str(world), raising=False)  # type: ignore[attr-defined]
    assert admin.post(f"{API}/reset").json()["fixture"] == str(world)
    assert [s["instellingsnummer"] for s in admin.get(f"{API}/schools").json()] == ["777777"]
    assert admin.get(f"{API}/accounts/jan.peeters").status_code == 404
