"""``leerid-sim staff import`` (the weekly bulk upload) and ``staff package-key``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datastore import Datastore
from leerid_sim.cli import main

CSV = """username;instellingsnummer;rol;begindatum;einddatum;verstuurd;naam;voornaam
ilse.interim;654321;directeur;2026-09-01;31/08/2027;ja;;
nieuwe.beheerder;654321;beheerder;;;;Nieuw;Beheerder
"""


def _databeheerder(store: Datastore, username: str) -> bool:
    account = store.world.account_by_username(username)
    assert account is not None
    roles = store.schoolloket.staff_roles(account.id).at("654321")
    return roles is not None and roles.databeheerder


def test_import_csv_restores_the_right_and_twice_changes_nothing(
    demo: Datastore, db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    demo.clock.set(dt.datetime(2026, 9, 7, 8, 0, tzinfo=dt.UTC), frozen=True)
    assert not _databeheerder(demo, "ilse.interim")
    upload = tmp_path / "bulk.csv"
    upload.write_text(CSV, encoding="utf-8")
    assert main(["staff", "import", str(upload), "--database-url", db_url]) == 0
    assert "1 new staff, 1 assignments added" in capsys.readouterr().out
    demo.clock.invalidate()
    assert _databeheerder(demo, "ilse.interim")
    new = demo.world.account_by_username("nieuwe.beheerder")
    assert new is not None
    assert new.is_staff
    assert main(["staff", "import", str(upload), "--database-url", db_url]) == 0
    out = capsys.readouterr().out
    assert "0 new staff, 0 assignments added, 0 updated, 0 beheerder grants added" in out
    assert "2 unchanged" in out


def test_import_yaml(demo: Datastore, db_url: str, tmp_path: Path) -> None:
    upload = tmp_path / "bulk.yaml"
    upload.write_text(
        "staff:\n  - {username: bert.beheerder, instellingsnummer: '654321', rol: beheerder}\n",
        encoding="utf-8",
    )
    assert main(["staff", "import", str(upload), "--database-url", db_url]) == 0
    bert = demo.world.account_by_username("bert.beheerder")
    assert bert is not None
    roles = demo.schoolloket.staff_roles(bert.id).at("654321")
    assert roles is not None
    assert roles.beheerder


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("username;instellingsnummer;rol\nx;999999;directeur\n", "line 2"),
        ("username;instellingsnummer;rol;begindatum\nx;654321;directeur;morgen\n", "not a date"),
        ("username;school\nx;1\n", "unknown field"),
        ("", "no lines"),
    ],
)
def test_a_bad_file_is_one_line_and_exit_2(
    demo: Datastore,
    db_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    content: str,
    message: str,
) -> None:
    upload = tmp_path / "bad.csv"
    upload.write_text(content, encoding="utf-8")
    assert main(["staff", "import", str(upload), "--database-url", db_url]) == 2
    error = capsys.readouterr().err
    assert message in error
    assert len(error.strip().splitlines()) == 1


def test_package_key(demo: Datastore, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["staff", "package-key", "654321", "--database-url", db_url]) == 0
    key = capsys.readouterr().out.strip()
    assert demo.schoolloket.authenticate_package("654321", key) is not None
    assert demo.schoolloket.authenticate_package("654321", "broekx-654321-demo-key") is None
    assert main(["staff", "package-key", "000000", "--database-url", db_url]) == 2
