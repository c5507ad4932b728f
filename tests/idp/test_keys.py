"""Signing keys: ``leerid-sim keys rotate`` and the JWKS over time."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from jose import jwt as jose_jwt

from leerid_sim.cli import main
from tests.idp.flows import tokens_for, verify_id_token


def test_rotation_keeps_the_old_key_until_it_expires(
    op: TestClient, demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = tokens_for(op)
    old_kid = jose_jwt.get_unverified_header(before["id_token"])["kid"]
    assert main(["keys", "rotate", "--keep-seconds", "3600", "--database-url", demo_url]) == 0
    assert "new signing keys" in capsys.readouterr().out
    op.app.state.store.clock.invalidate()  # type: ignore[attr-defined]
    kids = [k["kid"] for k in op.get("/op/v1/keys").json()["keys"]]
    assert old_kid in kids
    assert len(kids) == 4
    verify_id_token(op, before["id_token"], "ididdit", access_token=before["access_token"])
    after = tokens_for(op)
    assert jose_jwt.get_unverified_header(after["id_token"])["kid"] != old_kid
    verify_id_token(op, after["id_token"], "ididdit", access_token=after["access_token"])
    op.app.state.store.clock.advance(3601)  # type: ignore[attr-defined]
    kids = [k["kid"] for k in op.get("/op/v1/keys").json()["keys"]]
    assert old_kid not in kids
    assert len(kids) == 2


def test_keys_list(demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["keys", "list", "--database-url", demo_url]) == 0
    out = capsys.readouterr().out
    assert "RS256" in out
    assert "ES256" in out
