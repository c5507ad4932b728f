"""Claim dialects: the same release under LeerID names and ACM names (docs/claims.md)."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings

from datastore import ClientRecord, ReleaseFacts
from idp.claims import (
    ACM_CLAIM_NAMES,
    ACM_CLAIMS,
    CLAIMS_SUPPORTED,
    LEERID_CLAIMS,
    claim_names,
    to_claims,
)
from idp.release import decide
from tests.idp.test_release_demo import (
    EX_ACC,
    EX_LEER,
    JAN,
    NOAH_ACC,
    OV_LEERLING,
    TODAY,
    client,
    hand_built_facts,
)
from tests.idp.test_release_properties import clients, days, release_facts, scope_lists


def test_i_learn_acm_gets_the_acm_names_for_jan() -> None:
    release = decide(
        client("i-learn-acm"), OV_LEERLING, hand_built_facts("jan.peeters", "i-learn-acm"), TODAY
    )
    assert to_claims(release, "acm") == {
        "ov_leerid_uuid": [JAN["leer_id_uuid"]],
        "ov_account_uuid": JAN["account_uuid"],
        "ov_historiek_account_uuid": JAN["historiek"],
        "family_name": "Peeters",
        "given_name": "Jan",
        "ov_orgcode": "123456",
        "ov_orgnaam": "Sint-Jozefscollege Demo",
    }


def test_a_temporary_account_gets_an_empty_ov_leerid_uuid_list() -> None:
    release = decide(
        client("i-learn-acm"), OV_LEERLING, hand_built_facts("noah.tijdelijk", "i-learn-acm"), TODAY
    )
    assert to_claims(release, "acm") == {
        "ov_leerid_uuid": [],
        "ov_account_uuid": NOAH_ACC,
        "ov_historiek_account_uuid": [],
        "family_name": "Tijdelijk",
        "given_name": "Noah",
        "ov_orgcode": "123456",
        "ov_orgnaam": "Sint-Jozefscollege Demo",
    }


def test_ov_leerid_uuid_is_absent_when_the_scope_does_not_ask_for_it() -> None:
    ilearn = client("i-learn-acm")
    release = decide(ilearn, ("openid", "profile"), hand_built_facts("noah.tijdelijk", ""), TODAY)
    assert to_claims(release, "acm") == {"family_name": "Tijdelijk", "given_name": "Noah"}


def test_ov_leerid_uuid_is_absent_when_the_protocol_is_ended() -> None:
    stopgezet = client("stopgezet")
    release = decide(stopgezet, OV_LEERLING, hand_built_facts("noah.tijdelijk", ""), TODAY)
    assert to_claims(release, "acm") == {}
    assert to_claims(release, "leerid") == {}


def test_leerid_dialect_uses_the_protocol_names_without_orgcode_after_the_enrolment() -> None:
    release = decide(
        client("i-learn"), OV_LEERLING, hand_built_facts("ex.leerling", "i-learn"), TODAY
    )
    assert to_claims(release, "leerid") == {
        "leer_id_uuid": EX_LEER,
        "account_uuid": EX_ACC,
        "historiek_account_uuid": [],
        "naam": "Leerling",
        "voornaam": "Ex",
    }


def test_claims_are_copies_of_the_release() -> None:
    release = decide(
        client("i-learn"), OV_LEERLING, hand_built_facts("jan.peeters", "i-learn"), TODAY
    )
    claims = to_claims(release, "leerid")
    claims["historiek_account_uuid"].append("changed")
    assert release.attributes["historiek_account_uuid"] == JAN["historiek"]


def test_an_unknown_dialect_is_refused() -> None:
    release = decide(client("ididdit"), OV_LEERLING, hand_built_facts("jan.peeters", ""), TODAY)
    with pytest.raises(ValueError, match="unknown claim dialect 'oidc'"):
        to_claims(release, "oidc")


def test_the_claim_tables() -> None:
    assert claim_names("leerid") == LEERID_CLAIMS
    assert claim_names("acm") == ACM_CLAIMS
    assert ACM_CLAIMS == (
        "ov_leerid_uuid",
        "ov_account_uuid",
        "ov_historiek_account_uuid",
        "family_name",
        "given_name",
        "ov_orgcode",
        "ov_orgnaam",
        "ov_klas",
        "vo_id",
        "vo_doelgroepcode",
        "vo_orgcode",
        "vo_orgnaam",
    )
    assert CLAIMS_SUPPORTED[0] == "sub"
    assert "insz" not in CLAIMS_SUPPORTED
    assert "rrn" not in CLAIMS_SUPPORTED
    # sub, 12 LeerID names, 8 ACM names of their own; the vo_* names are shared.
    assert len(set(CLAIMS_SUPPORTED)) == len(CLAIMS_SUPPORTED) == 21


def test_the_vo_claims_have_the_same_names_in_both_dialects() -> None:
    release = decide(
        client("i-learn-acm"),
        ("openid", "vo"),
        hand_built_facts("jan.peeters", "i-learn-acm"),
        TODAY,
    )
    acm = to_claims(release, "acm")
    assert acm == to_claims(release, "leerid")
    assert set(acm) == {"vo_id", "vo_doelgroepcode", "vo_orgcode", "vo_orgnaam"}
    assert acm["vo_orgcode"] == "123456"
    assert acm["vo_orgnaam"] == "Sint-Jozefscollege Demo"


@settings(max_examples=120)
@given(client=clients(), scopes=scope_lists, facts=release_facts(), today=days)
def test_the_acm_dialect_maps_the_release_exactly(
    client: ClientRecord, scopes: tuple[str, ...], facts: ReleaseFacts, today: dt.date
) -> None:
    release = decide(client, scopes, facts, today)
    leerid = to_claims(release, "leerid")
    acm = to_claims(release, "acm")
    assert leerid == dict(release.attributes)
    expected = {
        ACM_CLAIM_NAMES[name]: [value] if name == "leer_id_uuid" else value
        for name, value in leerid.items()
    }
    leer_id_withheld = {w.reason for w in release.withheld if w.attribute == "leer_id_uuid"}
    if leer_id_withheld & {"temporary_account", "not_identified"}:
        expected["ov_leerid_uuid"] = []
        assert facts.account.is_temporary or not facts.has_insz or facts.leer_id_uuid is None
    assert acm == expected
    assert set(acm) <= set(ACM_CLAIMS)
    if "ov_historiek_account_uuid" in acm:
        assert isinstance(acm["ov_historiek_account_uuid"], list)
