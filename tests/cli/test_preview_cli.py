"""`leerid-sim preview` as a user runs it: text, JSON equal to the API's, exit 2 on bad input."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest

from datastore import Argon2Parameters, Datastore, PasswordHashing, load_demo
from idp.preview import InvalidScope, UnknownClient, UnknownUser, preview
from leerid_sim.cli import main

# The simulated clock is set: nothing depends on today's real date.
NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.UTC)


@pytest.fixture
def demo_url(sqlite_url: str) -> str:
    store = Datastore.from_url(sqlite_url)
    load_demo(store, hashing=PasswordHashing(Argon2Parameters(8, 1, 1)))
    store.clock.set(NOW, frozen=True)
    store.dispose()
    return sqlite_url


def run_cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_preview_text_says_what_is_released_and_why(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        capsys, "preview", "--client", "klasapp", "--user", "lotte.janssens",
        "--scope", "openid ov_leerling", "--database-url", demo_url,
    )  # fmt: skip
    assert code == 0
    assert "on 2026-11-23" in out
    assert "Protocol: DEMO-KlasApp-2025 (active)" in out
    assert "data kept 365 days; inactive accounts deleted after 730 days" in out
    assert '  instellingsnummer       "654321"  (scope ov_leerling; protocol' in out
    assert "Integratiedossier:" in out
    assert "  subject_type                  pairwise" in out
    assert "  access_token_ttl_seconds      the provider's setting" in out
    assert "  klas                    class_sharing_off: class sharing is not active" in out
    assert "INSZ" not in out.upper().replace("HAS_INSZ", "")


def test_preview_json_is_the_admin_api_answer(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli(
        capsys, "preview", "--client", "i-learn-acm", "--user", "noah.tijdelijk",
        "--json", "--database-url", demo_url,
    )  # fmt: skip
    assert code == 0
    shown = json.loads(out)
    store = Datastore.from_url(demo_url)
    try:
        assert (
            shown == preview(store, "i-learn-acm", "noah.tijdelijk", "openid ov_leerling").as_dict()
        )
    finally:
        store.dispose()
    assert shown["protocol"]["reference"] == "DOV-LeerID-imec-iLearn-2023"
    assert shown["protocol"]["retention_days"] == 365
    assert shown["protocol"]["inactive_account_deletion_days"] == 1095
    assert shown["protocol"]["source_document"].startswith("seeds/001")
    assert shown["login_error"] is None
    assert shown["withheld"] == [
        {
            "attribute": "leer_id_uuid",
            "claim": "ov_leerid_uuid",
            "reason": "temporary_account",
            "detail": "a temporary account (pupil without INSZ) has no leer_id_uuid",
        }
    ]
    assert shown["claims"]["dialect"] == "acm"
    assert shown["claims"]["acm"] == {
        "ov_leerid_uuid": [],
        "ov_account_uuid": "4532ebe1-1814-422a-b28e-ce05ede78b10",
        "ov_historiek_account_uuid": [],
        "family_name": "Tijdelijk",
        "given_name": "Noah",
        "ov_orgcode": "123456",
        "ov_orgnaam": "Sint-Jozefscollege Demo",
    }
    assert [r["attribute"] for r in shown["released"]] == [
        "account_uuid", "historiek_account_uuid", "naam", "voornaam", "instellingsnummer",
        "instellingsnaam",
    ]  # fmt: skip
    assert shown["released"][0]["why"] == (
        "scope ov_leerling; protocol DOV-LeerID-imec-iLearn-2023 art. 3"
    )


def test_preview_follows_the_simulated_clock(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ("preview", "--client", "klasapp", "--user", "ex.leerling", "--json")
    _, out, _ = run_cli(capsys, *args, "--database-url", demo_url)
    withheld = {w["attribute"]: w["reason"] for w in json.loads(out)["withheld"]}
    assert withheld == {
        "instellingsnummer": "no_enrolment",
        "instellingsnaam": "no_enrolment",
        "klas": "no_enrolment",
    }
    store = Datastore.from_url(demo_url)
    store.clock.set(dt.datetime(2026, 6, 30, 12, 0, tzinfo=dt.UTC), frozen=True)
    store.dispose()
    _, out, _ = run_cli(capsys, *args, "--database-url", demo_url)
    released = {r["attribute"]: r["value"] for r in json.loads(out)["released"]}
    assert released["instellingsnummer"] == "123456"


def test_preview_of_an_ended_protocol_and_of_staff_says_the_login_would_fail(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _, out, _ = run_cli(
        capsys, "preview", "--client", "stopgezet", "--user", "jan.peeters",
        "--database-url", demo_url,
    )  # fmt: skip
    assert "A login would fail: unauthorized_client (the client's protocol is ended)" in out
    assert "Released:\n  (nothing but sub)" in out
    assert "leer_id_uuid            protocol_not_active" in out
    _, out, _ = run_cli(
        capsys, "preview", "--client", "schoolloket", "--user", "dirk.directeur",
        "--scope", "openid", "--json", "--database-url", demo_url,
    )  # fmt: skip
    shown = json.loads(out)
    assert shown["protocol"] is None
    assert shown["login_error"] is None
    assert shown["released"] == shown["withheld"] == []
    _, out, _ = run_cli(
        capsys, "preview", "--client", "schoolloket", "--user", "jan.peeters",
        "--scope", "openid", "--json", "--database-url", demo_url,
    )  # fmt: skip
    assert json.loads(out)["login_error"]["error"] == "access_denied"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--client", "nope", "--user", "jan.peeters"), "no client is registered"),
        (("--client", "klasapp", "--user", "nobody"), "no account has the username 'nobody'"),
        (("--client", "klasapp", "--user", "jan.peeters", "--scope", "openid rrn"),
         "invalid_scope: the rrn scope is never allowed"),
        (("--client", "spa-demo", "--user", "jan.peeters", "--scope", "openid vo"),
         "invalid_scope: scope 'vo' is not allowed for client 'spa-demo'"),
        (("--client", "klasapp", "--user", "jan.peeters", "--scope", "klas"),
         "the openid scope is required"),
        (("--client", "klasapp"), "the following arguments are required: --user"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(
    demo_url: str, capsys: pytest.CaptureFixture[str], args: tuple[str, ...], message: str
) -> None:
    try:
        code, _, err = run_cli(capsys, "preview", *args, "--database-url", demo_url)
    except SystemExit as exit_:
        code, err = int(str(exit_.code)), capsys.readouterr().err
    assert code == 2
    assert err.count("\n") == 1
    assert message in err


def test_the_installed_command_exits_2_without_a_traceback(demo_url: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "leerid_sim.cli", "preview", "--client", "klasapp",
         "--user", "jan.peeters", "--scope", "openid email"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "LEERID_DATABASE_URL": demo_url},
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.startswith("leerid-sim preview: error: invalid_scope: scope 'email'")
    assert "Traceback" not in result.stderr


def test_preview_errors_are_named(demo_url: str) -> None:
    store = Datastore.from_url(demo_url)
    try:
        with pytest.raises(UnknownClient, match="'x'") as client_error:
            preview(store, "x", "jan.peeters", "openid")
        assert client_error.value.error == "unknown_client"
        with pytest.raises(UnknownUser) as user_error:
            preview(store, "klasapp", "x", "openid")
        assert user_error.value.error == "unknown_user"
        with pytest.raises(InvalidScope) as scope_error:
            preview(store, "klasapp", "jan.peeters", "")
        assert scope_error.value.error == "invalid_scope"
    finally:
        store.dispose()
