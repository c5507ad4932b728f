"""`leerid-sim privacy-log export`: every matching entry, CSV or JSON, names never values."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from datastore import Datastore, PrivacyLogRecord, PrivacyRelease
from idp import privacy_export
from idp.privacy_export import EXPORT_FIELDS, render_privacy_log
from leerid_sim.cli import main

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
JAN = "a6f98ebd-1280-4294-a90f-a5858c1f6f47"
NOAH = "4532ebe1-1814-422a-b28e-ce05ede78b10"
BASIS = "AVG art. 6.1.c; Codex Secundair Onderwijs art. VI.10"


def release(client_id: str, account_uuid: str, channel: str) -> PrivacyRelease:
    return PrivacyRelease(
        client_id=client_id,
        organisation="imec" if client_id == "i-learn" else "Demo Uitgeverij",
        protocol_reference=f"P-{client_id}",
        account_uuid=account_uuid,
        attributes=("leer_id_uuid", "account_uuid", "instellingsnummer"),
        legal_basis=BASIS,
        purpose='Authenticatie van leerlingen, "met" aanhalingstekens, en komma\'s',
        channel=channel,
        retention_days=365,
    )


def write_log(url: str) -> None:
    """Four releases an hour apart, on the simulated clock so no outcome depends on today."""
    store = Datastore.from_url(url)
    try:
        entries = [
            release("i-learn", JAN, "id_token"),
            release("i-learn", JAN, "userinfo"),
            release("klasapp", NOAH, "id_token"),
            release("klasapp", JAN, "introspection"),
        ]
        for hour, entry in enumerate(entries):
            store.clock.set(T0 + dt.timedelta(hours=hour), frozen=True)
            store.oidc.record_release([entry], None, store.clock.now())
    finally:
        store.dispose()


def export(capsys: pytest.CaptureFixture[str], url: str, *args: str) -> tuple[int, str, str]:
    code = main(["privacy-log", "export", "--database-url", url, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_csv_export_of_the_whole_log(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    write_log(db_url)
    code, out, _ = export(capsys, db_url)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == EXPORT_FIELDS
    assert [(r["client_id"], r["channel"]) for r in rows] == [
        ("klasapp", "introspection"),
        ("klasapp", "id_token"),
        ("i-learn", "userinfo"),
        ("i-learn", "id_token"),
    ]
    newest = rows[0]
    assert newest["at"] == "2026-11-23T12:00:00+00:00"
    assert newest["attributes"] == "leer_id_uuid account_uuid instellingsnummer"
    assert newest["legal_basis"] == BASIS
    assert newest["purpose"].endswith('"met" aanhalingstekens, en komma\'s')
    assert newest["protocol"] == "P-klasapp"
    assert newest["organisation"] == "Demo Uitgeverij"
    assert newest["account_uuid"] == JAN


def test_json_export_filtered_by_time_client_and_account(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_log(db_url)
    _, out, _ = export(capsys, db_url, "--format", "json", "--client", "i-learn")
    assert [e["channel"] for e in json.loads(out)] == ["userinfo", "id_token"]
    _, out, _ = export(capsys, db_url, "--format", "json", "--account-uuid", NOAH)
    assert [(e["client_id"], e["account_uuid"]) for e in json.loads(out)] == [("klasapp", NOAH)]
    _, out, _ = export(
        capsys, db_url, "--format", "json",
        "--since", "2026-11-23T10:00:00Z", "--until", "2026-11-23T12:00:00+00:00",
    )  # fmt: skip
    entries = json.loads(out)
    assert [e["at"] for e in entries] == ["2026-11-23T11:00:00+00:00", "2026-11-23T10:00:00+00:00"]
    assert entries[0]["attributes"] == ["leer_id_uuid", "account_uuid", "instellingsnummer"]
    # A time without zone is UTC; a date is midnight UTC.
    _, out, _ = export(capsys, db_url, "--format", "json", "--since", "2026-11-23T10:30")
    assert len(json.loads(out)) == 2
    _, out, _ = export(capsys, db_url, "--format", "json", "--until", "2026-11-23")
    assert json.loads(out) == []


def test_export_to_a_file(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    write_log(sqlite_url)
    target = tmp_path / "log.json"
    code, out, err = export(capsys, sqlite_url, "--format", "json", "--output", str(target))
    assert code == 0
    assert out == ""
    assert err.strip() == f"wrote 4 privacy-log entries to {target}"
    assert len(json.loads(target.read_text(encoding="utf-8"))) == 4


def test_export_pages_through_every_entry_once(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_log(sqlite_url)
    monkeypatch.setattr(privacy_export, "_PAGE_SIZE", 3)
    _, out, _ = export(capsys, sqlite_url, "--format", "json")
    ids = [e["id"] for e in json.loads(out)]
    assert len(ids) == len(set(ids)) == 4


def test_entries_of_the_same_instant_across_batches_are_each_exported_once(
    db_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Datastore.from_url(db_url)
    try:
        store.clock.set(T0, frozen=True)
        store.oidc.record_release([release("klasapp", JAN, "userinfo")] * 5, None, T0)
    finally:
        store.dispose()
    monkeypatch.setattr(privacy_export, "_PAGE_SIZE", 2)
    _, out, _ = export(capsys, db_url, "--format", "json", "--client", "klasapp")
    ids = [e["id"] for e in json.loads(out)]
    assert len(ids) == len(set(ids)) == 5
    assert ids == sorted(ids, reverse=True)


def test_an_empty_log_is_a_valid_file(sqlite_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = export(capsys, sqlite_url, "--format", "json")
    assert json.loads(out) == []
    _, out, _ = export(capsys, sqlite_url)
    assert out.strip() == ",".join(EXPORT_FIELDS)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "yesterday"), "argument --since: not an ISO 8601 date or time: 'yesterday'"),
        (("--format", "xml"), "argument --format: invalid choice: 'xml'"),
        (("--since", "2026-11-23", "--until", "2026-11-01"), "--since must be before --until"),
        (("--output", "/nonexistent-dir/log.csv"), "cannot write /nonexistent-dir/log.csv"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    sqlite_url: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    try:
        code, _, err = export(capsys, sqlite_url, *args)
    except SystemExit as exit_:
        code, err = int(str(exit_.code)), capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert message in err


def test_render_names_attributes_never_values() -> None:
    record = PrivacyLogRecord(
        1, T0, "klasapp", "Demo Uitgeverij", "P", JAN, ("naam", "klas"), BASIS, "p", "userinfo", 1
    )
    assert json.loads(render_privacy_log([record], "json"))[0]["attributes"] == ["naam", "klas"]
    assert "naam klas" in render_privacy_log([record], "csv")
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        render_privacy_log([record], "xml")
