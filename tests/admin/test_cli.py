"""``leerid-sim purge`` and ``leerid-sim register export``."""

from __future__ import annotations

import json

import pytest

from datastore import Datastore, load_demo
from leerid_sim.cli import main
from tests.admin.conftest import CHEAP


def test_purge_reports_counts(
    store: Datastore, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["purge", "--json", "--database-url", db_url]) == 0
    counts = json.loads(capsys.readouterr().out)
    assert counts["privacy_log"] == 0
    assert {"sessions", "authorization_codes", "tokens", "class_placements"} <= set(counts)


def test_register_export_formats(
    store: Datastore, db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from datastore import PasswordHashing

    load_demo(store, hashing=PasswordHashing(CHEAP))
    assert main(["register", "export", "--format", "json", "--database-url", db_url]) == 0
    activities = json.loads(capsys.readouterr().out)
    ididdit = next(a for a in activities if a["application"] == "ididdit")
    assert ididdit["recipient"] == "Uitgeverij Van In"
    assert ididdit["retention_days"] == 1095
    assert main(["register", "export", "--database-url", db_url]) == 0
    assert capsys.readouterr().out.startswith("# Register van verwerkingsactiviteiten")


def test_register_export_bad_format_is_a_one_line_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["register", "export", "--format", "xml"])
    assert exit_info.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
