"""The demo world of docs/contract.md, as `leerid-sim seed demo` loads it (SQLite and
PostgreSQL)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from datastore import Datastore, PasswordHashing, sha256_hex
from datastore.worlds.apps import expand_issuer_origin
from datastore.worlds.load import dump_tables, load_demo

TEST_KEY = Path(__file__).parents[2] / "datastore" / "worlds" / "pkjwt-demo.test-key.json"

RP_REDIRECTS = (
    "http://localhost:8001/callback",
    "http://127.0.0.1:8001/callback",
    "https://localhost:8001/callback",
    "https://127.0.0.1:8001/callback",
)
RP_LOGOUTS = (
    "http://localhost:8001/",
    "http://127.0.0.1:8001/",
    "https://localhost:8001/",
    "https://127.0.0.1:8001/",
)

# username: (leer_id_uuid, account_uuid, temporary, naam, voornaam, [(school, class, end)])
PERSONAS = {
    "jan.peeters": (
        "814f2e42-3f55-43e0-bc62-bba3ef1d008a",
        "a6f98ebd-1280-4294-a90f-a5858c1f6f47",
        False,
        "Peeters",
        "Jan",
        [("123456", "3B", None)],
    ),
    "lotte.janssens": (
        "5cb1c28c-502d-4f84-bc38-d3a7e4c12948",
        "3775cacf-ba3e-41ae-821b-72162cb293c0",
        False,
        "Janssens",
        "Lotte",
        [("654321", "5A", None)],
    ),
    "noah.tijdelijk": (
        None,
        "4532ebe1-1814-422a-b28e-ce05ede78b10",
        True,
        "Tijdelijk",
        "Noah",
        [("123456", "3A", None)],
    ),
    "sara.wouters": (
        "8241a73e-cc45-44ce-9062-a8a0ebb4f07a",
        "47fb34c1-135b-4f21-a5cf-ca813177b312",
        False,
        "Wouters",
        "Sara",
        [("123456", "3A", None)],
    ),
    "ex.leerling": (
        "51f66a13-60de-48e4-9f30-69c2e37f4d81",
        "a1f49cd6-0e11-4e28-bf28-06cccdaa35a0",
        False,
        "Leerling",
        "Ex",
        [("123456", "3A", "2026-06-30")],
    ),
    "emma.maes": (
        "5bf03c41-2cd0-467f-92c4-d50226aee17c",
        "e798885b-0cd0-48ba-af84-9687fd3dcbc0",
        False,
        "Maes",
        "Emma",
        [("123456", "3B", None)],
    ),
    "emma.maes2": (
        "5bf03c41-2cd0-467f-92c4-d50226aee17c",
        "4488c66c-3e02-42ef-bde3-410d00613287",
        False,
        "Maes",
        "Emma",
        [("123456", "3B", None)],
    ),
}


def _application_id(store: Datastore, client_id: str) -> int:
    client = store.world.client(client_id)
    assert client is not None
    return client.application_id


@pytest.fixture
def demo(demo_store: Datastore) -> Datastore:
    """The demo world, shared by the tests of this module that only read it."""
    return demo_store


def test_seeding_twice_changes_nothing(store: Datastore, cheap_hashing: PasswordHashing) -> None:
    load_demo(store, hashing=cheap_hashing)
    first = dump_tables(store)
    generation = store.clock.generation()
    load_demo(store, hashing=cheap_hashing)
    second = dump_tables(store)
    # Only the generation counter moves: processes must re-read their cached clients.
    first.pop("simulator_state")
    second.pop("simulator_state")
    assert {t: len(r) for t, r in second.items()} == {t: len(r) for t, r in first.items()}
    assert second == first
    store.clock.invalidate()
    assert store.clock.generation() == generation + 1
    assert len(first["accounts"]) == 10
    assert len(first["pupils"]) == 6
    assert len(first["clients"]) == 8


@pytest.mark.parametrize("username", sorted(PERSONAS))
def test_persona_is_as_the_contract_says(demo: Datastore, username: str) -> None:
    leer_id, account_uuid, temporary, naam, voornaam, enrolments = PERSONAS[username]
    account = demo.world.account_by_username(username)
    assert account is not None
    assert (account.account_uuid, account.is_temporary, account.naam, account.voornaam) == (
        account_uuid,
        temporary,
        naam,
        voornaam,
    )
    assert account.is_active
    assert not account.is_staff
    client = demo.world.client("i-learn")
    assert client is not None
    facts = demo.world.release_facts(account.id, client.application_id)
    assert facts.leer_id_uuid == leer_id
    assert facts.has_insz == (leer_id is not None)
    assert [
        (e.instellingsnummer, e.klas, e.end_date and e.end_date.isoformat())
        for e in facts.enrolments
    ] == enrolments
    # iDiddit and i-Learn are visible to every pupil of both schools.
    assert facts.visible_instellingsnummers == {e[0] for e in enrolments}


def test_jan_has_two_old_accounts_and_emma_one_pupil(demo: Datastore) -> None:
    jan = demo.world.account_by_username("jan.peeters")
    emma = demo.world.account_by_username("emma.maes")
    emma2 = demo.world.account_by_username("emma.maes2")
    assert jan is not None
    assert emma is not None
    assert emma2 is not None
    facts = demo.world.release_facts(jan.id, _application_id(demo, "ididdit"))
    assert facts.historiek_account_uuids == (
        "59a78937-fb37-4754-bd0a-f96d4e42927e",
        "ce23570e-79dc-48e2-b1ab-a28973e4ae57",
    )
    assert emma.pupil_id == emma2.pupil_id


def test_klasapp_visible_to_3b_and_noah_only(demo: Datastore) -> None:
    klasapp = demo.world.client("klasapp")
    assert klasapp is not None
    assert klasapp.class_sharing_integrated
    visible = {}
    for username in PERSONAS:
        account = demo.world.account_by_username(username)
        assert account is not None
        facts = demo.world.release_facts(account.id, klasapp.application_id)
        class_ids = {c for e in facts.enrolments for c in e.class_ids}
        visible[username] = facts.visible_to_pupil or bool(class_ids & facts.visible_class_ids)
    assert {u for u, v in visible.items() if v} == {
        "jan.peeters",
        "noah.tijdelijk",
        "emma.maes",
        "emma.maes2",
    }


def test_class_sharing_only_at_123456(demo: Datastore) -> None:
    jan = demo.world.account_by_username("jan.peeters")
    lotte = demo.world.account_by_username("lotte.janssens")
    assert jan is not None
    assert lotte is not None
    ididdit = _application_id(demo, "ididdit")
    assert demo.world.release_facts(jan.id, ididdit).enrolments[0].class_sharing_active
    assert not demo.world.release_facts(lotte.id, ididdit).enrolments[0].class_sharing_active
    rows = dump_tables(demo)
    assert {(r[1], r[2], r[3], r[4]) for r in rows["schools"]} == {
        ("123456", "Sint-Jozefscollege Demo", "informat", True),
        ("654321", "Basisschool De Demo", "broekx", False),
    }
    (acceptance,) = rows["class_sharing_acceptances"]
    assert acceptance[3] == "2024-1"


@pytest.mark.parametrize(
    ("client_id", "organisation", "attributes", "status"),
    [
        ("ididdit", "Uitgeverij Van In", ("leer_id_uuid", "account_uuid"), "active"),
        (
            "i-learn",
            "imec",
            (
                "naam",
                "voornaam",
                "leer_id_uuid",
                "account_uuid",
                "historiek_account_uuid",
                "instellingsnummer",
            ),
            "active",
        ),
        (
            "i-learn-acm",
            "imec",
            (
                "naam",
                "voornaam",
                "leer_id_uuid",
                "account_uuid",
                "historiek_account_uuid",
                "instellingsnummer",
            ),
            "active",
        ),
        (
            "klasapp",
            "Demo Uitgeverij",
            ("leer_id_uuid", "account_uuid", "instellingsnummer", "klas"),
            "active",
        ),
        ("stopgezet", "Voorbeeld BV", ("leer_id_uuid", "account_uuid"), "ended"),
    ],
)
def test_confidential_demo_client(
    demo: Datastore, client_id: str, organisation: str, attributes: tuple[str, ...], status: str
) -> None:
    client = demo.world.client(client_id)
    assert client is not None
    assert client.organisation == organisation
    assert client.protocol is not None
    assert client.protocol.attributes == attributes
    assert client.protocol.status == status
    assert client.secret_hash == sha256_hex(f"{client_id}-demo-secret")
    assert client.auth_methods == ("client_secret_basic", "client_secret_post")
    assert client.grant_types == ("authorization_code", "refresh_token")
    assert client.redirect_uris == RP_REDIRECTS
    assert client.post_logout_redirect_uris == RP_LOGOUTS
    assert client.claim_dialect == ("acm" if client_id == "i-learn-acm" else "leerid")
    assert client.class_sharing_integrated == (client_id == "klasapp")
    backchannel = client_id in ("ididdit", "i-learn", "klasapp")
    assert client.backchannel_logout_uri == (
        "http://localhost:8001/backchannel-logout" if backchannel else None
    )
    assert not client.staff_only
    # What a real LeerID client asks on ACM, plus the simulator's finer scopes.
    assert client.allowed_scopes == (
        "openid", "profile", "vo", "ov_leerling", "offline_access",
        "account", "inschrijving", "klas",
    )  # fmt: skip


def test_pkjwt_demo_is_configured_as_real_leerid_clients_are(demo: Datastore) -> None:
    client = demo.world.client("pkjwt-demo")
    assert client is not None
    assert client.organisation == "Demo"
    assert client.auth_methods == ("private_key_jwt",)
    assert client.secret_hash is None
    assert client.claim_dialect == "acm"
    assert client.grant_types == ("authorization_code", "refresh_token")
    assert client.redirect_uris == RP_REDIRECTS
    assert client.post_logout_redirect_uris == RP_LOGOUTS
    assert {"openid", "profile", "vo", "ov_leerling", "offline_access"} <= set(
        client.allowed_scopes
    )
    assert client.protocol is not None
    assert client.protocol.attributes == (
        "naam", "voornaam", "leer_id_uuid", "account_uuid", "historiek_account_uuid",
        "instellingsnummer",
    )  # fmt: skip
    # The registered key is the public half of the test key pair shipped with the demo world.
    test_key = json.loads(TEST_KEY.read_text(encoding="utf-8"))
    assert "TEST KEY" in test_key["WARNING"]
    assert "production" in test_key["WARNING"]
    assert client.jwks == {"keys": [test_key["public_jwk"]]}
    assert "d" not in test_key["public_jwk"]
    assert test_key["private_jwk"]["n"] == test_key["public_jwk"]["n"]
    assert "d" in test_key["private_jwk"]


def test_protocol_periods_and_bases_from_the_seeds(demo: Datastore) -> None:
    ididdit = demo.world.client("ididdit")
    ilearn = demo.world.client("i-learn")
    acm = demo.world.client("i-learn-acm")
    assert ididdit is not None
    assert ididdit.protocol is not None
    assert ilearn is not None
    assert ilearn.protocol is not None
    assert acm is not None
    assert acm.application_id == ilearn.application_id
    assert (ididdit.protocol.retention_days, ididdit.protocol.inactive_account_deletion_days) == (
        1095,
        1095,
    )
    assert (ilearn.protocol.retention_days, ilearn.protocol.inactive_account_deletion_days) == (
        365,
        1095,
    )
    assert "6.1.c" in ididdit.protocol.disclosure_legal_basis
    assert "VI.10" in ididdit.protocol.disclosure_legal_basis
    assert ididdit.protocol.processing_legal_basis == "AVG art. 6.1.f"


def test_public_clients(demo: Datastore) -> None:
    spa = demo.world.client("spa-demo")
    loket = demo.world.client("schoolloket")
    assert spa is not None
    assert loket is not None
    assert spa.is_public
    assert spa.secret_hash is None
    assert spa.grant_types == ("authorization_code",)
    assert spa.protocol is not None
    assert spa.protocol.attributes == ("account_uuid",)
    assert spa.redirect_uris == RP_REDIRECTS
    assert spa.allowed_scopes == ("openid", "account", "ov_leerling")
    assert loket.allowed_scopes == ("openid", "account")
    assert loket.is_public
    assert loket.staff_only
    assert loket.protocol is None
    assert loket.organisation == "DOV"
    assert loket.grant_types == ("authorization_code",)
    assert loket.redirect_uris == (
        "http://localhost:8000/schoolloket/callback",
        "http://127.0.0.1:8000/schoolloket/callback",
    )
    assert loket.post_logout_redirect_uris == (
        "http://localhost:8000/schoolloket/",
        "http://127.0.0.1:8000/schoolloket/",
    )


def test_staff_accounts(demo: Datastore) -> None:
    rows = dump_tables(demo)
    for username in ("dirk.directeur", "ilse.interim", "bert.beheerder"):
        account = demo.world.account_by_username(username)
        assert account is not None
        assert account.is_staff
        assert not account.is_temporary
    dirk = demo.world.account_by_username("dirk.directeur")
    assert dirk is not None
    schools = {r[0]: r[1] for r in rows["schools"]}
    assignments = {
        (r[1], schools[r[2]], r[3], r[4].isoformat(), r[5].isoformat())
        for r in rows["director_assignments"]
    }
    ilse = demo.world.account_by_username("ilse.interim")
    assert ilse is not None
    assert assignments == {
        (dirk.staff_id, "123456", True, "2025-09-01", "2027-08-31"),
        (ilse.staff_id, "654321", True, "2025-09-01", "2026-08-31"),
    }
    bert = demo.world.account_by_username("bert.beheerder")
    assert bert is not None
    assert [(r[1], schools[r[2]]) for r in rows["beheerder_grants"]] == [(bert.staff_id, "123456")]


def test_issuer_origin_gets_its_loopback_twin() -> None:
    uris = ["{issuer_origin}/schoolloket/callback", "http://localhost:8001/x"]
    assert expand_issuer_origin(uris, "http://127.0.0.1:9000/op") == [
        "http://127.0.0.1:9000/schoolloket/callback",
        "http://localhost:9000/schoolloket/callback",
        "http://localhost:8001/x",
    ]
    assert expand_issuer_origin(uris[:1], "https://leerid.example/op") == [
        "https://leerid.example/schoolloket/callback"
    ]


def test_real_argon2_hashes_verify(sqlite_url: str) -> None:
    store = Datastore.from_url(sqlite_url)
    try:
        load_demo(store, issuer="https://leerid.example/op")
        hashing = PasswordHashing()
        pupil = store.world.account_by_username("jan.peeters")
        staff = store.world.account_by_username("dirk.directeur")
        assert pupil is not None
        assert staff is not None
        assert pupil.password_hash.startswith("$argon2id$")
        assert not hashing.needs_rehash(pupil.password_hash)
        assert hashing.verify(pupil.password_hash, "Leerling123!")
        assert hashing.verify(staff.password_hash, "Personeel123!")
        assert not hashing.verify(pupil.password_hash, "Personeel123!")
    finally:
        store.dispose()


def test_rp_demo_uris_follow_the_rp_origin_given_to_the_loader(
    sqlite_url: str, cheap_hashing: PasswordHashing
) -> None:
    store = Datastore.from_url(sqlite_url)
    try:
        load_demo(store, rp_origin="http://127.0.0.1:9123", hashing=cheap_hashing)
        client = store.world.client("klasapp")
        assert client is not None
        assert client.redirect_uris == (
            "http://127.0.0.1:9123/callback",
            "http://localhost:9123/callback",
            "https://127.0.0.1:9123/callback",
            "https://localhost:9123/callback",
        )
        assert "http://127.0.0.1:9123/" in client.post_logout_redirect_uris
        assert client.backchannel_logout_uri == "http://127.0.0.1:9123/backchannel-logout"
        assert not any(":8001" in uri for uri in client.redirect_uris)
    finally:
        store.dispose()


def test_without_rp_demo_no_client_gets_a_backchannel_uri(
    sqlite_url: str, cheap_hashing: PasswordHashing
) -> None:
    store = Datastore.from_url(sqlite_url)
    try:
        load_demo(store, rp_origin=None, hashing=cheap_hashing)
        for client_id in ("ididdit", "i-learn", "i-learn-acm", "klasapp", "stopgezet", "spa-demo"):
            client = store.world.client(client_id)
            assert client is not None
            assert client.backchannel_logout_uri is None, client_id
            # A browser-only redirect target stays, so a test can still log in.
            assert client.redirect_uris == RP_REDIRECTS
    finally:
        store.dispose()
