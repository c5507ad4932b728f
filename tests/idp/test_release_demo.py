"""The demo world of docs/contract.md as release records, and the persona × client matrix it must
give.

``EXPECTED`` is written out by hand from the contract's tables (docs/contract.md): it is
the answer a service provider reads in the docs, so the tests compare against it literally.
``hand_built_facts`` builds the facts without a database; the seeded-datastore test reads the
same facts from the real demo fixture.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from datastore import (
    SCOPES,
    AccountRecord,
    Argon2Parameters,
    ClientRecord,
    Datastore,
    EnrolmentFacts,
    PasswordHashing,
    ProtocolRecord,
    ReleaseFacts,
    load_demo,
)
from idp.release import REASONS, Release, ScopeError, check_scopes, decide, privacy_release

TODAY = dt.date(2026, 11, 23)
OV_LEERLING = ("openid", "ov_leerling")

JAN: dict[str, Any] = {
    "leer_id_uuid": "814f2e42-3f55-43e0-bc62-bba3ef1d008a",
    "account_uuid": "a6f98ebd-1280-4294-a90f-a5858c1f6f47",
    "historiek": ["59a78937-fb37-4754-bd0a-f96d4e42927e", "ce23570e-79dc-48e2-b1ab-a28973e4ae57"],
}
LOTTE_LEER, LOTTE_ACC = (
    "5cb1c28c-502d-4f84-bc38-d3a7e4c12948",
    "3775cacf-ba3e-41ae-821b-72162cb293c0",
)
NOAH_ACC = "4532ebe1-1814-422a-b28e-ce05ede78b10"
SARA_LEER = "8241a73e-cc45-44ce-9062-a8a0ebb4f07a"
SARA_ACC = "47fb34c1-135b-4f21-a5cf-ca813177b312"
EX_LEER, EX_ACC = "51f66a13-60de-48e4-9f30-69c2e37f4d81", "a1f49cd6-0e11-4e28-bf28-06cccdaa35a0"
EMMA_LEER = "5bf03c41-2cd0-467f-92c4-d50226aee17c"
EMMA_ACC, EMMA2_ACC = "e798885b-0cd0-48ba-af84-9687fd3dcbc0", "4488c66c-3e02-42ef-bde3-410d00613287"

JAN_ACC, JAN_LEER = JAN["account_uuid"], JAN["leer_id_uuid"]
PUBLIC = ("spa-demo", "schoolloket")
PUPILS = (
    "jan.peeters",
    "lotte.janssens",
    "noah.tijdelijk",
    "sara.wouters",
    "ex.leerling",
    "emma.maes",
    "emma.maes2",
)
# The INSZ numbers of the demo fixture (datastore/worlds/demo.yaml): synthetic, valid check digits.
DEMO_INSZ = ("11031401738", "15060204290", "11112308844", "08013012156", "10100506495")
PUPIL_CLIENTS = ("ididdit", "i-learn", "i-learn-acm", "klasapp", "stopgezet", "spa-demo")

ILEARN = ("naam", "voornaam", "leer_id_uuid", "account_uuid", "historiek_account_uuid")
PROTOCOL_ATTRIBUTES: dict[str, tuple[str, ...]] = {
    "ididdit": ("leer_id_uuid", "account_uuid"),
    "i-learn": (*ILEARN, "instellingsnummer"),
    "i-learn-acm": (*ILEARN, "instellingsnummer"),
    "klasapp": ("leer_id_uuid", "account_uuid", "instellingsnummer", "klas"),
    "stopgezet": ("leer_id_uuid", "account_uuid"),
    "spa-demo": ("account_uuid",),
}

# (username, client) -> (released attributes, withheld attribute -> reason), scope ov_leerling.
Row = tuple[dict[str, Any], dict[str, str]]
EXPECTED: dict[tuple[str, str], Row] = {}
for _client in ("i-learn", "i-learn-acm"):
    EXPECTED |= {
        ("jan.peeters", _client): (
            {
                "leer_id_uuid": JAN["leer_id_uuid"],
                "account_uuid": JAN["account_uuid"],
                "historiek_account_uuid": JAN["historiek"],
                "naam": "Peeters",
                "voornaam": "Jan",
                "instellingsnummer": "123456",
                "instellingsnaam": "Sint-Jozefscollege Demo",
            },
            {},
        ),
        ("lotte.janssens", _client): (
            {
                "leer_id_uuid": LOTTE_LEER,
                "account_uuid": LOTTE_ACC,
                "historiek_account_uuid": [],
                "naam": "Janssens",
                "voornaam": "Lotte",
                "instellingsnummer": "654321",
                "instellingsnaam": "Basisschool De Demo",
            },
            {},
        ),
        ("noah.tijdelijk", _client): (
            {
                "account_uuid": NOAH_ACC,
                "historiek_account_uuid": [],
                "naam": "Tijdelijk",
                "voornaam": "Noah",
                "instellingsnummer": "123456",
                "instellingsnaam": "Sint-Jozefscollege Demo",
            },
            {"leer_id_uuid": "temporary_account"},
        ),
        ("sara.wouters", _client): (
            {
                "leer_id_uuid": SARA_LEER,
                "account_uuid": SARA_ACC,
                "historiek_account_uuid": [],
                "naam": "Wouters",
                "voornaam": "Sara",
                "instellingsnummer": "123456",
                "instellingsnaam": "Sint-Jozefscollege Demo",
            },
            {},
        ),
        ("ex.leerling", _client): (
            {
                "leer_id_uuid": EX_LEER,
                "account_uuid": EX_ACC,
                "historiek_account_uuid": [],
                "naam": "Leerling",
                "voornaam": "Ex",
            },
            {"instellingsnummer": "no_enrolment", "instellingsnaam": "no_enrolment"},
        ),
    }
    for _user, _acc in (("emma.maes", EMMA_ACC), ("emma.maes2", EMMA2_ACC)):
        EXPECTED[(_user, _client)] = (
            {
                "leer_id_uuid": EMMA_LEER,
                "account_uuid": _acc,
                "historiek_account_uuid": [],
                "naam": "Maes",
                "voornaam": "Emma",
                "instellingsnummer": "123456",
                "instellingsnaam": "Sint-Jozefscollege Demo",
            },
            {},
        )
EXPECTED |= {
    ("jan.peeters", "ididdit"): (
        {"leer_id_uuid": JAN["leer_id_uuid"], "account_uuid": JAN["account_uuid"]},
        {},
    ),
    ("lotte.janssens", "ididdit"): ({"leer_id_uuid": LOTTE_LEER, "account_uuid": LOTTE_ACC}, {}),
    ("noah.tijdelijk", "ididdit"): (
        {"account_uuid": NOAH_ACC},
        {"leer_id_uuid": "temporary_account"},
    ),
    ("sara.wouters", "ididdit"): ({"leer_id_uuid": SARA_LEER, "account_uuid": SARA_ACC}, {}),
    ("ex.leerling", "ididdit"): ({"leer_id_uuid": EX_LEER, "account_uuid": EX_ACC}, {}),
    ("emma.maes", "ididdit"): ({"leer_id_uuid": EMMA_LEER, "account_uuid": EMMA_ACC}, {}),
    ("emma.maes2", "ididdit"): ({"leer_id_uuid": EMMA_LEER, "account_uuid": EMMA2_ACC}, {}),
    ("jan.peeters", "klasapp"): (
        {
            "leer_id_uuid": JAN["leer_id_uuid"],
            "account_uuid": JAN["account_uuid"],
            "instellingsnummer": "123456",
            "instellingsnaam": "Sint-Jozefscollege Demo",
            "klas": "3B",
        },
        {},
    ),
    ("lotte.janssens", "klasapp"): (
        {
            "leer_id_uuid": LOTTE_LEER,
            "account_uuid": LOTTE_ACC,
            "instellingsnummer": "654321",
            "instellingsnaam": "Basisschool De Demo",
        },
        {"klas": "class_sharing_off"},
    ),
    ("noah.tijdelijk", "klasapp"): (
        {
            "account_uuid": NOAH_ACC,
            "instellingsnummer": "123456",
            "instellingsnaam": "Sint-Jozefscollege Demo",
            "klas": "3A",
        },
        {"leer_id_uuid": "temporary_account"},
    ),
    ("sara.wouters", "klasapp"): (
        {
            "leer_id_uuid": SARA_LEER,
            "account_uuid": SARA_ACC,
            "instellingsnummer": "123456",
            "instellingsnaam": "Sint-Jozefscollege Demo",
        },
        {"klas": "application_not_visible"},
    ),
    ("ex.leerling", "klasapp"): (
        {"leer_id_uuid": EX_LEER, "account_uuid": EX_ACC},
        {
            "instellingsnummer": "no_enrolment",
            "instellingsnaam": "no_enrolment",
            "klas": "no_enrolment",
        },
    ),
    ("emma.maes", "klasapp"): (
        {
            "leer_id_uuid": EMMA_LEER,
            "account_uuid": EMMA_ACC,
            "instellingsnummer": "123456",
            "instellingsnaam": "Sint-Jozefscollege Demo",
            "klas": "3B",
        },
        {},
    ),
    ("emma.maes2", "klasapp"): (
        {
            "leer_id_uuid": EMMA_LEER,
            "account_uuid": EMMA2_ACC,
            "instellingsnummer": "123456",
            "instellingsnaam": "Sint-Jozefscollege Demo",
            "klas": "3B",
        },
        {},
    ),
}
for _user, _acc in (
    ("jan.peeters", JAN["account_uuid"]),
    ("lotte.janssens", LOTTE_ACC),
    ("noah.tijdelijk", NOAH_ACC),
    ("sara.wouters", SARA_ACC),
    ("ex.leerling", EX_ACC),
    ("emma.maes", EMMA_ACC),
    ("emma.maes2", EMMA2_ACC),
):
    # An ended protocol releases nothing at all (the protocol's article 8).
    EXPECTED[(_user, "stopgezet")] = (
        {},
        {"leer_id_uuid": "protocol_not_active", "account_uuid": "protocol_not_active"},
    )
    EXPECTED[(_user, "spa-demo")] = ({"account_uuid": _acc}, {})

# The scopes of the demo dossiers that do not allow every scope (datastore/worlds/demo.yaml).
DOSSIER_SCOPES = {
    "spa-demo": ("openid", "account", "ov_leerling"),
    "schoolloket": ("openid", "account"),
}

# The demo world's classes, for visibility: KlasApp is visible to class 3B and to noah.
CLASS_IDS = {"3A": 1, "3B": 2, "5A": 3}
SCHOOLS = {"123456": ("Sint-Jozefscollege Demo", True), "654321": ("Basisschool De Demo", False)}
PERSONAS: dict[str, tuple[str, str | None, str, str, bool, str, str, dt.date | None]] = {
    # username: (account_uuid, leer_id_uuid, naam, voornaam, temporary, school, klas, end)
    "jan.peeters": (JAN_ACC, JAN_LEER, "Peeters", "Jan", False, "123456", "3B", None),
    "lotte.janssens": (LOTTE_ACC, LOTTE_LEER, "Janssens", "Lotte", False, "654321", "5A", None),
    "noah.tijdelijk": (NOAH_ACC, None, "Tijdelijk", "Noah", True, "123456", "3A", None),
    "sara.wouters": (SARA_ACC, SARA_LEER, "Wouters", "Sara", False, "123456", "3A", None),
    "ex.leerling": (EX_ACC, EX_LEER, "Leerling", "Ex", False, "123456", "3B", dt.date(2026, 6, 30)),
    "emma.maes": (EMMA_ACC, EMMA_LEER, "Maes", "Emma", False, "123456", "3B", None),
    "emma.maes2": (EMMA2_ACC, EMMA_LEER, "Maes", "Emma", False, "123456", "3B", None),
}  # fmt: skip


def protocol(client_id: str) -> ProtocolRecord | None:
    if client_id == "schoolloket":
        return None
    return ProtocolRecord(
        reference=f"DOV-{client_id}",
        attributes=PROTOCOL_ATTRIBUTES[client_id],
        purpose="identificatie van de leerling",
        disclosure_legal_basis="AVG art. 6.1.c; Codex Secundair Onderwijs art. VI.10",
        processing_legal_basis="AVG art. 6.1.f",
        retention_days=365 if client_id.startswith("i-learn") else 1095,
        inactive_account_deletion_days=1095,
        status="ended" if client_id == "stopgezet" else "active",
        signed_on=None,
        source_document=None,
    )


def client(client_id: str) -> ClientRecord:
    return ClientRecord(
        id=1,
        client_id=client_id,
        name=client_id,
        application_id=1,
        application_key=client_id,
        application_name="KlasApp" if client_id == "klasapp" else client_id,
        organisation="Demo Uitgeverij",
        redirect_uris=("http://localhost:8001/callback",),
        post_logout_redirect_uris=("http://localhost:8001/",),
        token_endpoint_auth_method="none" if client_id in PUBLIC else "client_secret_basic",
        extra_auth_methods=(),
        secret_hash=None,
        jwks=None,
        grant_types=("authorization_code", "refresh_token"),
        id_token_signed_response_alg="RS256",
        claim_dialect="acm" if client_id == "i-learn-acm" else "leerid",
        class_sharing_integrated=client_id == "klasapp",
        backchannel_logout_uri=None,
        sector_identifier=None,
        staff_only=client_id == "schoolloket",
        protocol=protocol(client_id),
        allowed_scopes=DOSSIER_SCOPES.get(client_id, SCOPES),
    )  # fmt: skip


def hand_built_facts(username: str, client_id: str) -> ReleaseFacts:
    """The facts ``WorldRepository.release_facts`` gives for a demo persona and application."""
    if username == "dirk.directeur":
        staff = AccountRecord(
            9, "0b6f5c0e-0000-4000-8000-00000000d1d1", username, "x", False, "active",
            None, 1, "Directeur", "Dirk",
        )  # fmt: skip
        return ReleaseFacts(staff, None, False, (), (), False)
    account_uuid, leer_id, naam, voornaam, temporary, school, klas, end = PERSONAS[username]
    account = AccountRecord(
        1, account_uuid, username, "x", temporary, "active", 1, None, naam, voornaam
    )
    school_name, sharing = SCHOOLS[school]
    enrolment = EnrolmentFacts(
        school, school_name, dt.date(2025, 9, 1), end, sharing, klas, (CLASS_IDS[klas],)
    )
    if client_id == "klasapp":
        visible_pupil, classes, schools = username == "noah.tijdelijk", {CLASS_IDS["3B"]}, set()
    elif client_id in ("ididdit", "i-learn", "i-learn-acm"):
        visible_pupil, classes, schools = False, set(), set(SCHOOLS)
    else:
        visible_pupil, classes, schools = False, set(), set()
    return ReleaseFacts(
        account=account,
        leer_id_uuid=leer_id,
        has_insz=leer_id is not None,
        historiek_account_uuids=tuple(JAN["historiek"]) if username == "jan.peeters" else (),
        enrolments=(enrolment,),
        visible_to_pupil=visible_pupil,
        visible_class_ids=frozenset(classes & {CLASS_IDS[klas]}),
        visible_instellingsnummers=frozenset(schools & {school}),
    )


def assert_matches(username: str, client_id: str, release: Release) -> None:
    released, withheld = EXPECTED[(username, client_id)]
    assert dict(release.attributes) == released, (username, client_id)
    assert {w.attribute: w.reason for w in release.withheld} == withheld, (username, client_id)


@pytest.mark.parametrize("client_id", PUPIL_CLIENTS)
@pytest.mark.parametrize("username", PUPILS)
def test_the_demo_matrix_with_scope_ov_leerling(username: str, client_id: str) -> None:
    demo_client = client(client_id)
    scopes = check_scopes(demo_client, "openid ov_leerling")
    release = decide(demo_client, scopes, hand_built_facts(username, client_id), TODAY)
    assert_matches(username, client_id, release)


def test_every_pair_of_the_matrix_is_written_out() -> None:
    assert set(EXPECTED) == {(u, c) for u in PUPILS for c in PUPIL_CLIENTS}


@pytest.mark.parametrize(
    ("day", "instellingsnummer"),
    [(dt.date(2026, 6, 30), "123456"), (dt.date(2026, 7, 1), None)],
)
def test_an_enrolment_counts_up_to_and_including_its_end_date(
    day: dt.date, instellingsnummer: str | None
) -> None:
    release = decide(
        client("i-learn"), OV_LEERLING, hand_built_facts("ex.leerling", "i-learn"), day
    )
    assert release.attributes.get("instellingsnummer") == instellingsnummer


def test_separate_scopes_release_what_each_asks_and_say_what_was_not_asked() -> None:
    klasapp = client("klasapp")
    scopes = check_scopes(klasapp, "openid account")
    release = decide(klasapp, scopes, hand_built_facts("jan.peeters", "klasapp"), TODAY)
    assert dict(release.attributes) == {
        "leer_id_uuid": JAN["leer_id_uuid"],
        "account_uuid": JAN["account_uuid"],
    }
    reasons = {w.attribute: w.reason for w in release.withheld}
    assert reasons == {
        "historiek_account_uuid": "not_in_protocol",
        "instellingsnummer": "scope_not_requested",
        "instellingsnaam": "scope_not_requested",
        "klas": "scope_not_requested",
    }
    assert [(r.attribute, r.scope, r.article) for r in release.released] == [
        ("leer_id_uuid", "account", "art. 3"),
        ("account_uuid", "account", "art. 3"),
    ]


def test_the_scope_that_asked_first_is_the_why() -> None:
    ilearn = client("i-learn")
    scopes = check_scopes(ilearn, "openid profile ov_leerling profile")
    assert scopes == ("openid", "profile", "ov_leerling")
    release = decide(ilearn, scopes, hand_built_facts("jan.peeters", "i-learn"), TODAY)
    why = {r.attribute: r.scope for r in release.released}
    assert why["naam"] == "profile"
    assert why["instellingsnummer"] == "ov_leerling"


NOT_ALLOWED = "a requested scope is unknown or not allowed in the client's integratiedossier"


@pytest.mark.parametrize(
    ("client_id", "scope", "message"),
    [
        ("ididdit", "ov_leerling", "the openid scope is required"),
        ("ididdit", None, "the openid scope is required"),
        ("ididdit", "openid rrn", "the rrn scope is never allowed"),
        ("i-learn", "openid email", NOT_ALLOWED),
        ("i-learn", "openid ov_leerling phone", NOT_ALLOWED),
        ("spa-demo", "openid inschrijving", NOT_ALLOWED),
        ("spa-demo", "openid profile vo ov_leerling", NOT_ALLOWED),
        ("schoolloket", "openid ov_leerling", NOT_ALLOWED),
        ("schoolloket", "openid offline_access", NOT_ALLOWED),
    ],
)
def test_scopes_outside_the_dossier_or_unknown_are_invalid_scope(
    client_id: str, scope: str | None, message: str
) -> None:
    with pytest.raises(ScopeError) as caught:
        check_scopes(client(client_id), scope)
    assert caught.value.error == "invalid_scope"
    assert caught.value.description.startswith(message)
    # A fixed sentence: the description never repeats what the request asked for; the
    # operator's detail (event log, preview) names the scope.
    for token in (scope or "").split():
        assert token not in caught.value.description or token in ("openid", "rrn")
    if message == NOT_ALLOWED:
        assert f"is not allowed for client {client_id!r}" in caught.value.detail
        assert any(f"scope {t!r}" in caught.value.detail for t in (scope or "").split())


@pytest.mark.parametrize(
    ("client_id", "scope", "expected"),
    [
        ("schoolloket", "openid", ("openid",)),
        ("ididdit", "openid  account openid", ("openid", "account")),
        ("ididdit", "openid profile vo ov_leerling", ("openid", "profile", "vo", "ov_leerling")),
        # The dossier decides, not the protocol: klas releases nothing to iDiddit, but is allowed.
        ("ididdit", "openid klas offline_access", ("openid", "klas", "offline_access")),
        ("klasapp", "klas openid inschrijving", ("klas", "openid", "inschrijving")),
        ("spa-demo", "openid account ov_leerling", ("openid", "account", "ov_leerling")),
        ("stopgezet", "openid account", ("openid", "account")),
    ],
)
def test_allowed_scopes_are_kept_once_in_order(
    client_id: str, scope: str, expected: tuple[str, ...]
) -> None:
    assert check_scopes(client(client_id), scope) == expected


def test_a_staff_account_releases_nothing_but_sub() -> None:
    release = decide(client("klasapp"), OV_LEERLING, hand_built_facts("dirk.directeur", ""), TODAY)
    assert release.attributes == {}
    assert {w.reason for w in release.withheld} == {"staff_account"}
    loket = client("schoolloket")
    scopes = check_scopes(loket, "openid")
    staff_release = decide(loket, scopes, hand_built_facts("dirk.directeur", ""), TODAY)
    assert staff_release.attributes == {}
    assert staff_release.withheld == ()
    assert privacy_release(loket, "x", staff_release, "id_token") is None


def test_a_staff_only_client_gets_only_the_staff_accounts_own_account_uuid() -> None:
    """The Schoolloket learns who logged in from its own login (OIDC Core §3.1.3.7), not more."""
    loket = client("schoolloket")
    scopes = check_scopes(loket, "openid account")
    dirk = hand_built_facts("dirk.directeur", "")
    release = decide(loket, scopes, dirk, TODAY)
    assert dict(release.attributes) == {"account_uuid": dirk.account.account_uuid}
    assert [(r.scope, r.protocol_reference) for r in release.released] == [("account", None)]
    assert {w.attribute: w.reason for w in release.withheld} == {
        "leer_id_uuid": "not_in_protocol",
        "historiek_account_uuid": "not_in_protocol",
    }
    assert privacy_release(loket, dirk.account.account_uuid, release, "id_token") is None
    # A pupil's account_uuid never goes there, nor a disabled staff member's.
    pupil = decide(loket, scopes, hand_built_facts("jan.peeters", ""), TODAY)
    assert pupil.attributes == {}
    disabled = dataclasses.replace(
        dirk, account=dataclasses.replace(dirk.account, status="disabled")
    )
    assert decide(loket, scopes, disabled, TODAY).attributes == {}
    # Elsewhere a staff account still releases nothing but sub.
    assert decide(client("klasapp"), ("openid", "account"), dirk, TODAY).attributes == {}


def test_the_privacy_log_entry_of_a_release() -> None:
    ilearn = client("i-learn")
    release = decide(ilearn, OV_LEERLING, hand_built_facts("jan.peeters", "i-learn"), TODAY)
    entry = privacy_release(ilearn, JAN["account_uuid"], release, "id_token")
    assert entry is not None
    assert entry.attributes == (
        "leer_id_uuid",
        "account_uuid",
        "historiek_account_uuid",
        "naam",
        "voornaam",
        "instellingsnummer",
        "instellingsnaam",
    )
    assert entry.legal_basis == "AVG art. 6.1.c; Codex Secundair Onderwijs art. VI.10"
    assert entry.protocol_reference == "DOV-i-learn"
    assert entry.retention_days == 365
    assert entry.account_uuid == JAN["account_uuid"]
    assert "Peeters" not in repr(entry)
    with pytest.raises(ValueError, match="channel"):
        privacy_release(ilearn, JAN["account_uuid"], release, "email")


def test_the_seeded_demo_world_gives_the_same_matrix(store: Datastore) -> None:
    """The facts the datastore reads for the real demo fixture give the matrix above."""
    load_demo(store, hashing=PasswordHashing(Argon2Parameters(8, 1, 1)))
    for client_id in (*PUPIL_CLIENTS, "schoolloket"):
        demo_client = store.world.client(client_id)
        assert demo_client is not None
        scope = "openid" if demo_client.staff_only else "openid ov_leerling"
        scopes = check_scopes(demo_client, scope)
        for username in (*PUPILS, "dirk.directeur"):
            account = store.world.account_by_username(username)
            assert account is not None
            facts = store.world.release_facts(account.id, demo_client.application_id)
            release = decide(demo_client, scopes, facts, TODAY)
            if (username, client_id) in EXPECTED:
                assert_matches(username, client_id, release)
            else:
                assert release.attributes == {}, (username, client_id)
                reasons = {w.reason for w in release.withheld}
                assert reasons <= {"staff_account", "protocol_not_active"}, (username, client_id)
            # The INSZ never even reaches release, so no claim can carry it.
            assert not any(insz in repr(facts) for insz in DEMO_INSZ)


def test_every_reason_code_is_documented_for_service_providers() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "claims.md").read_text(encoding="utf-8")
    for code in REASONS:
        assert f"| `{code}` |" in docs, code


VO = ("openid", "vo")
VO_SCHOOL = ("vo_doelgroepcode", "vo_orgcode", "vo_orgnaam")


def test_vo_gives_a_pupil_acms_identity_claims_with_the_school() -> None:
    ilearn = client("i-learn")
    release = decide(ilearn, VO, hand_built_facts("lotte.janssens", "i-learn"), TODAY)
    assert set(release.attributes) == {"vo_id", *VO_SCHOOL}
    assert release.attributes["vo_doelgroepcode"] == "OV"
    assert release.attributes["vo_orgcode"] == "654321"
    assert release.attributes["vo_orgnaam"] == "Basisschool De Demo"
    # Only vo asked: the protocol's attributes are withheld as not requested.
    assert {w.reason for w in release.withheld} == {"scope_not_requested"}
    assert {r.scope for r in release.released} == {"vo"}


def test_vo_id_is_stable_per_account_and_neither_the_insz_nor_the_leer_id_uuid() -> None:
    ilearn = client("i-learn")
    ids = {
        username: decide(ilearn, VO, hand_built_facts(username, "i-learn"), TODAY).attributes[
            "vo_id"
        ]
        for username in PUPILS
    }
    assert len(set(ids.values())) == len(PUPILS)  # emma.maes's two accounts differ too
    again = decide(client("klasapp"), VO, hand_built_facts("jan.peeters", "klasapp"), TODAY)
    assert again.attributes["vo_id"] == ids["jan.peeters"]
    leer_ids = {JAN_LEER, LOTTE_LEER, SARA_LEER, EX_LEER, EMMA_LEER}
    assert not set(ids.values()) & (leer_ids | set(DEMO_INSZ))
    assert ids["jan.peeters"] != JAN_ACC


def test_vo_school_claims_need_instellingsnummer_in_the_protocol() -> None:
    ididdit = client("ididdit")
    release = decide(ididdit, VO, hand_built_facts("jan.peeters", "ididdit"), TODAY)
    assert set(release.attributes) == {"vo_id"}
    withheld = {w.attribute: w for w in release.withheld if w.attribute.startswith("vo_")}
    assert set(withheld) == set(VO_SCHOOL)
    assert {w.reason for w in withheld.values()} == {"needs_instellingsnummer"}
    assert "instellingsnummer" in withheld["vo_orgcode"].detail


def test_vo_school_claims_need_a_current_enrolment() -> None:
    release = decide(client("i-learn"), VO, hand_built_facts("ex.leerling", "i-learn"), TODAY)
    assert set(release.attributes) == {"vo_id"}
    reasons = {w.attribute: w.reason for w in release.withheld if w.attribute.startswith("vo_")}
    assert reasons == dict.fromkeys(VO_SCHOOL, "no_enrolment")


def test_vo_releases_nothing_for_staff_or_an_ended_protocol() -> None:
    staff = decide(client("klasapp"), VO, hand_built_facts("dirk.directeur", ""), TODAY)
    assert staff.attributes == {}
    vo_reasons = {w.reason for w in staff.withheld if w.attribute.startswith("vo_")}
    assert vo_reasons == {"staff_account"}
    ended = decide(client("stopgezet"), VO, hand_built_facts("jan.peeters", ""), TODAY)
    assert ended.attributes == {}
    assert {w.attribute: w.reason for w in ended.withheld if w.attribute == "vo_id"} == {
        "vo_id": "protocol_not_active"
    }


def test_the_privacy_log_names_the_vo_claims_never_their_values() -> None:
    ilearn = client("i-learn")
    scopes = ("openid", "profile", "vo", "ov_leerling")
    release = decide(ilearn, scopes, hand_built_facts("jan.peeters", "i-learn"), TODAY)
    entry = privacy_release(ilearn, JAN_ACC, release, "userinfo")
    assert entry is not None
    assert entry.attributes[-5:] == (
        "instellingsnaam",
        "vo_id",
        "vo_doelgroepcode",
        "vo_orgcode",
        "vo_orgnaam",
    )
    assert "Sint-Jozefscollege" not in repr(entry)
    assert release.attributes["vo_id"] not in repr(entry)
