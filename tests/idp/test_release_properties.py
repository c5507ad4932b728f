"""Properties of attribute release over generated worlds (docs/contract.md "Scopes and claims").

Each example builds a client, its protocol and one account's facts directly as records, so
hypothesis can try thousands of worlds without a database. What must hold in every world:
nothing outside the protocol (at a staff-only client: a staff account's own ``account_uuid``)
or the requested scopes, never the INSZ, ``klas`` exactly when
the three class-sharing conditions of seed 002 hold, no ``leer_id_uuid`` for a temporary
account, nothing at all under an ended or suspended protocol, the school's name exactly with
its number, and ACM's ``vo`` claims only with the ``vo`` scope.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from datastore import (
    ATTRIBUTES,
    SCOPES,
    VO_CLAIMS,
    AccountRecord,
    ClientRecord,
    EnrolmentFacts,
    ProtocolRecord,
    ReleaseFacts,
)
from idp.release import (
    REASONS,
    SCOPE_ATTRIBUTES,
    SCOPES_SUPPORTED,
    STAFF_ATTRIBUTES,
    Release,
    ScopeError,
    check_scopes,
    current_enrolment,
    decide,
    privacy_release,
)

INSZ_LIKE = re.compile(r"\d{11}")
CLASS_IDS = st.integers(min_value=1, max_value=8)
uuids = st.uuids().map(str)
names = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéë -'", min_size=1, max_size=12)
days = st.dates(min_value=dt.date(2024, 1, 1), max_value=dt.date(2028, 12, 31))
instellingsnummers = st.sampled_from(["123456", "654321", "000001", "987654"])


@st.composite
def protocols(draw: st.DrawFn) -> ProtocolRecord:
    return ProtocolRecord(
        reference=draw(st.sampled_from(["DOV-LEERID-2023-007", "DOV-LEERID-2024-011", "P-1"])),
        attributes=tuple(draw(st.lists(st.sampled_from(ATTRIBUTES), unique=True))),
        purpose="identificatie van de leerling",
        disclosure_legal_basis="AVG art. 6.1.c; Codex Secundair Onderwijs art. VI.10",
        processing_legal_basis="AVG art. 6.1.f",
        retention_days=draw(st.sampled_from([365, 1095])),
        inactive_account_deletion_days=draw(st.none() | st.just(1095)),
        status=draw(st.sampled_from(["active", "active", "suspended", "ended"])),
        signed_on=None,
        source_document=None,
    )


@st.composite
def clients(draw: st.DrawFn) -> ClientRecord:
    return ClientRecord(
        id=1,
        client_id=draw(st.sampled_from(["klasapp", "i-learn", "ididdit", "x"])),
        name="App",
        application_id=1,
        application_key="app",
        application_name="App",
        organisation="Uitgeverij",
        redirect_uris=("http://localhost:8001/callback",),
        post_logout_redirect_uris=(),
        token_endpoint_auth_method="client_secret_basic",
        extra_auth_methods=(),
        secret_hash=None,
        jwks=None,
        grant_types=("authorization_code",),
        id_token_signed_response_alg="RS256",
        claim_dialect=draw(st.sampled_from(["leerid", "acm"])),
        class_sharing_integrated=draw(st.booleans()),
        backchannel_logout_uri=None,
        sector_identifier=None,
        staff_only=draw(st.sampled_from([False, False, True])),
        protocol=None if draw(st.integers(0, 9)) == 0 else draw(protocols()),
        allowed_scopes=draw(
            st.just(SCOPES) | st.lists(st.sampled_from(SCOPES), unique=True).map(allowed)
        ),
    )


def allowed(scopes: list[str]) -> tuple[str, ...]:
    """A dossier's scopes always include openid (the world file refuses one without)."""
    return tuple(dict.fromkeys(("openid", *scopes)))


@st.composite
def enrolments(draw: st.DrawFn) -> EnrolmentFacts:
    start = draw(days)
    end = draw(st.none() | st.dates(min_value=start, max_value=dt.date(2029, 12, 31)))
    klas_id = draw(CLASS_IDS)
    return EnrolmentFacts(
        instellingsnummer=draw(instellingsnummers),
        school_name="School",
        start_date=start,
        end_date=end,
        class_sharing_active=draw(st.booleans()),
        klas=draw(st.none() | st.sampled_from(["3A", "3B", "5A", "3B1"])),
        class_ids=draw(st.sampled_from([(klas_id,), (klas_id, klas_id + 10), ()])),
    )


@st.composite
def release_facts(draw: st.DrawFn) -> ReleaseFacts:
    is_staff = draw(st.integers(0, 5)) == 0
    account = AccountRecord(
        id=1,
        account_uuid=draw(uuids),
        username="user",
        password_hash="x",
        is_temporary=draw(st.booleans()),
        status=draw(st.sampled_from(["active", "active", "active", "disabled"])),
        pupil_id=None if is_staff else 7,
        staff_id=3 if is_staff else None,
        naam=draw(names),
        voornaam=draw(names),
    )
    # Worlds may be odd (a temporary account of an identified pupil): release must stay safe.
    has_insz = draw(st.booleans())
    return ReleaseFacts(
        account=account,
        leer_id_uuid=draw(st.none() | uuids),
        has_insz=has_insz,
        historiek_account_uuids=tuple(draw(st.lists(uuids, max_size=3))),
        enrolments=tuple(draw(st.lists(enrolments(), max_size=3))),
        visible_to_pupil=draw(st.booleans()),
        visible_class_ids=frozenset(draw(st.sets(st.integers(1, 20), max_size=4))),
        visible_instellingsnummers=frozenset(draw(st.sets(instellingsnummers, max_size=2))),
    )


scope_lists = st.lists(st.sampled_from(SCOPES_SUPPORTED), max_size=6).map(lambda s: ("openid", *s))


VO_SCHOOL_CLAIMS = {"vo_doelgroepcode", "vo_orgcode", "vo_orgnaam"}


def protocol_attributes(client: ClientRecord) -> set[str]:
    """What the protocol allows: its attributes, and what comes with them.

    A staff-only client has no pupil protocol, whatever is registered. The school's name and
    the ``vo`` school claims come with ``instellingsnummer``; ``vo_id`` with any protocol.
    """
    if client.protocol is None or client.staff_only:
        return set()
    listed = set(client.protocol.attributes) | {"vo_id"}
    if "instellingsnummer" in listed:
        listed |= {"instellingsnaam", *VO_SCHOOL_CLAIMS}
    return listed


def allowed_attributes(client: ClientRecord) -> set[str]:
    """What the client may ever receive: a staff-only client only a staff account's own id."""
    return set(STAFF_ATTRIBUTES) if client.staff_only else protocol_attributes(client)


def requested_attributes(client: ClientRecord, scopes: tuple[str, ...]) -> set[str]:
    protocol = protocol_attributes(client)
    asked: set[str] = set()
    for scope in scopes:
        attrs = set(SCOPE_ATTRIBUTES.get(scope, ()))
        asked |= attrs & protocol if scope == "ov_leerling" else attrs
    if "instellingsnummer" in asked:
        asked.add("instellingsnaam")
    return asked


def candidate_attributes(client: ClientRecord, scopes: tuple[str, ...]) -> set[str]:
    """Everything decided on: the ``vo`` claims only when the ``vo`` scope is requested."""
    requested = requested_attributes(client, scopes)
    return {
        a for a in protocol_attributes(client) | requested if a not in VO_CLAIMS or a in requested
    }


def klas_conditions_hold(client: ClientRecord, facts: ReleaseFacts, today: dt.date) -> bool:
    enrolment = current_enrolment(facts, today)
    if enrolment is None or enrolment.klas is None:
        return False
    visible = (
        facts.visible_to_pupil
        or bool(facts.visible_class_ids & set(enrolment.class_ids))
        or enrolment.instellingsnummer in facts.visible_instellingsnummers
    )
    return enrolment.class_sharing_active and visible and client.class_sharing_integrated


def all_values(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [v for item in value.values() for v in all_values(item)]
    if isinstance(value, list | tuple):
        return [v for item in value for v in all_values(item)]
    return [value]


@settings(max_examples=300)
@given(client=clients(), scopes=scope_lists, facts=release_facts(), today=days)
def test_release_invariants_hold_in_every_generated_world(
    client: ClientRecord, scopes: tuple[str, ...], facts: ReleaseFacts, today: dt.date
) -> None:
    """One generated world per example, every invariant checked on it (generation is the cost)."""
    release = decide(client, scopes, facts, today)
    check_nothing_outside_the_protocol_or_the_requested_scopes(client, scopes, facts, release)
    check_every_candidate_is_released_or_withheld_with_a_reason(client, scopes, release)
    check_the_insz_is_never_released(release)
    check_klas_exactly_when_the_three_class_sharing_conditions_hold(
        client, scopes, facts, today, release
    )
    check_a_temporary_or_unidentified_account_never_gets_a_leer_id_uuid(facts, release)
    check_a_protocol_that_is_not_active_releases_nothing(client, facts, release)
    check_instellingsnummer_only_with_a_current_enrolment(facts, today, release)
    check_the_school_name_exactly_with_its_number(facts, today, release)
    check_vo_claims_only_with_the_vo_scope(scopes, facts, today, release)
    check_historiek_is_always_the_whole_list(facts, release)
    check_the_privacy_log_entry_names_exactly_the_released_attributes(client, facts, release)


def check_nothing_outside_the_protocol_or_the_requested_scopes(
    client: ClientRecord, scopes: tuple[str, ...], facts: ReleaseFacts, release: Release
) -> None:
    assert set(release.attributes) <= allowed_attributes(client)
    assert set(release.attributes) <= requested_attributes(client, scopes)
    assert list(release.attributes) == [r.attribute for r in release.released]
    if client.staff_only and facts.account.is_staff and facts.account.status == "active":
        asked = requested_attributes(client, scopes) & set(STAFF_ATTRIBUTES)
        assert release.attributes == dict.fromkeys(asked, facts.account.account_uuid)
    elif client.staff_only or facts.account.is_staff or facts.account.status != "active":
        assert release.attributes == {}


def check_every_candidate_is_released_or_withheld_with_a_reason(
    client: ClientRecord, scopes: tuple[str, ...], release: Release
) -> None:
    candidates = candidate_attributes(client, scopes)
    decided = [r.attribute for r in release.released] + [w.attribute for w in release.withheld]
    assert sorted(decided) == sorted(candidates)
    assert all(w.reason in REASONS and w.detail for w in release.withheld)
    assert all(r.scope in scopes for r in release.released)
    assert all(
        (r.article, r.protocol_reference) == (None, None)
        if client.staff_only
        else r.article == "art. 3"
        for r in release.released
    )


def check_the_insz_is_never_released(release: Release) -> None:
    assert "insz" not in release.attributes
    for value in all_values(dict(release.attributes)):
        assert not (isinstance(value, str) and INSZ_LIKE.fullmatch(value))


def check_klas_exactly_when_the_three_class_sharing_conditions_hold(
    client: ClientRecord,
    scopes: tuple[str, ...],
    facts: ReleaseFacts,
    today: dt.date,
    release: Release,
) -> None:
    holds = klas_conditions_hold(client, facts, today)
    if "klas" in release.attributes:
        assert holds
        enrolment = current_enrolment(facts, today)
        assert enrolment is not None
        assert release.attributes["klas"] == enrolment.klas
    eligible = (
        client.protocol is not None
        and client.protocol.is_active
        and "klas" in requested_attributes(client, scopes) & protocol_attributes(client)
        and not facts.account.is_staff
        and facts.account.is_active
    )
    if eligible and holds:
        assert "klas" in release.attributes


def check_a_temporary_or_unidentified_account_never_gets_a_leer_id_uuid(
    facts: ReleaseFacts, release: Release
) -> None:
    if facts.account.is_temporary or not facts.has_insz:
        assert "leer_id_uuid" not in release.attributes
    if "leer_id_uuid" in release.attributes:
        assert release.attributes["leer_id_uuid"] == facts.leer_id_uuid


def check_a_protocol_that_is_not_active_releases_nothing(
    client: ClientRecord, facts: ReleaseFacts, release: Release
) -> None:
    if client.staff_only:
        assert set(release.attributes) <= set(STAFF_ATTRIBUTES)
        assert privacy_release(client, facts.account.account_uuid, release, "id_token") is None
    elif client.protocol is None or not client.protocol.is_active:
        assert release.attributes == {}
        assert release.released == ()
        assert privacy_release(client, facts.account.account_uuid, release, "id_token") is None


def check_instellingsnummer_only_with_a_current_enrolment(
    facts: ReleaseFacts, today: dt.date, release: Release
) -> None:
    current = [e.instellingsnummer for e in facts.enrolments if e.current_on(today)]
    if "instellingsnummer" in release.attributes:
        assert release.attributes["instellingsnummer"] in current
        assert re.fullmatch(r"\d{6}", release.attributes["instellingsnummer"])


def check_the_school_name_exactly_with_its_number(
    facts: ReleaseFacts, today: dt.date, release: Release
) -> None:
    attributes = release.attributes
    assert ("instellingsnaam" in attributes) == ("instellingsnummer" in attributes)
    if "instellingsnaam" in attributes:
        enrolment = current_enrolment(facts, today)
        assert enrolment is not None
        assert attributes["instellingsnaam"] == enrolment.school_name


def check_vo_claims_only_with_the_vo_scope(
    scopes: tuple[str, ...], facts: ReleaseFacts, today: dt.date, release: Release
) -> None:
    vo = set(release.attributes) & set(VO_CLAIMS)
    if "vo" not in scopes:
        assert not vo
        return
    if vo - {"vo_id"}:
        assert vo == set(VO_CLAIMS)
        enrolment = current_enrolment(facts, today)
        assert enrolment is not None
        assert release.attributes["vo_orgcode"] == enrolment.instellingsnummer
        assert release.attributes["vo_orgnaam"] == enrolment.school_name
    if "vo_id" in vo:
        values = {
            str(v) for v in all_values(dict(release.attributes)) if v != release.attributes["vo_id"]
        }
        assert release.attributes["vo_id"] not in values
        assert release.attributes["vo_id"] not in {facts.leer_id_uuid, facts.account.account_uuid}


def check_historiek_is_always_the_whole_list(facts: ReleaseFacts, release: Release) -> None:
    if "historiek_account_uuid" in release.attributes:
        assert release.attributes["historiek_account_uuid"] == list(facts.historiek_account_uuids)


def check_the_privacy_log_entry_names_exactly_the_released_attributes(
    client: ClientRecord, facts: ReleaseFacts, release: Release
) -> None:
    entry = privacy_release(client, facts.account.account_uuid, release, "userinfo")
    if not release.released or client.staff_only:
        assert entry is None
        return
    assert entry is not None
    assert client.protocol is not None
    assert entry.attributes == tuple(release.attributes)
    assert entry.legal_basis == client.protocol.disclosure_legal_basis
    assert entry.protocol_reference == client.protocol.reference
    assert entry.channel == "userinfo"
    assert entry.account_uuid == facts.account.account_uuid


@settings(max_examples=150)
@given(
    client=clients(),
    scope=st.lists(st.sampled_from([*SCOPES, "rrn", "email", "phone"]), max_size=5).map(" ".join),
)
def test_check_scopes_accepts_exactly_the_scopes_the_dossier_allows(
    client: ClientRecord, scope: str
) -> None:
    tokens = set(scope.split())
    refused = "openid" not in tokens or not tokens <= set(client.allowed_scopes) & set(SCOPES)
    if refused:
        with pytest.raises(ScopeError) as caught:
            check_scopes(client, scope)
        assert caught.value.error == "invalid_scope"
        assert caught.value.description
        return
    accepted = check_scopes(client, scope)
    assert "openid" in accepted
    assert "rrn" not in accepted
    assert len(set(accepted)) == len(accepted)
    assert set(accepted) == tokens
    assert set(accepted) <= set(client.allowed_scopes) & set(SCOPES)


def mostly(value: bool) -> st.SearchStrategy[bool]:
    """``value`` three times out of four: the other conditions then get their turn to fail."""
    return st.sampled_from([value, value, value, not value])


@st.composite
def klas_worlds(draw: st.DrawFn) -> tuple[ClientRecord, tuple[str, ...], ReleaseFacts, dt.date]:
    """Worlds where only the three class-sharing conditions of seed 002 vary.

    The protocol is active and lists ``klas``, the scope asks for it, the pupil is active and
    has a current enrolment in a (sub)class; a former enrolment in another class and school
    may exist, so visibility through a class or school the pupil has left is tried too.
    """
    today = draw(days)
    protocol = draw(protocols())
    attributes = {*protocol.attributes, "klas"}
    protocol = dataclasses.replace(protocol, status="active", attributes=tuple(attributes))
    client = dataclasses.replace(
        draw(clients()),
        staff_only=False,
        protocol=protocol,
        class_sharing_integrated=draw(mostly(True)),
    )
    facts = draw(release_facts())
    account = dataclasses.replace(facts.account, status="active", pupil_id=7, staff_id=None)
    subclass, parent = draw(st.sampled_from([((5,), ()), ((5,), (2,))]))
    current = EnrolmentFacts(
        instellingsnummer="123456",
        school_name="Huidige School",
        start_date=today - dt.timedelta(days=draw(st.integers(0, 400))),
        end_date=draw(st.none() | st.just(today) | st.just(today + dt.timedelta(days=30))),
        class_sharing_active=draw(mostly(True)),
        klas=draw(st.sampled_from(["3B", "3B1"])),
        class_ids=subclass + parent,
    )
    former = EnrolmentFacts(
        instellingsnummer="654321",
        school_name="Vorige School",
        start_date=today - dt.timedelta(days=900),
        end_date=today - dt.timedelta(days=draw(st.integers(1, 300))),
        class_sharing_active=True,
        klas="5A",
        class_ids=(9,),
    )
    enrolments = (former, current) if draw(st.booleans()) else (current,)
    facts = dataclasses.replace(
        facts,
        account=account,
        enrolments=enrolments,
        visible_to_pupil=draw(mostly(False)),
        visible_class_ids=frozenset(draw(st.sets(st.sampled_from([2, 5, 9, 11]), max_size=3))),
        visible_instellingsnummers=frozenset(
            draw(st.sets(st.sampled_from(["123456", "654321", "000001"]), max_size=2))
        ),
    )
    scopes = ("openid", draw(st.sampled_from(["klas", "ov_leerling"])))
    return client, scopes, facts, today


@settings(max_examples=300)
@given(world=klas_worlds())
def test_klas_is_released_if_and_only_if_all_three_conditions_hold(
    world: tuple[ClientRecord, tuple[str, ...], ReleaseFacts, dt.date],
) -> None:
    client, scopes, facts, today = world
    current = facts.enrolments[-1]
    sharing = current.class_sharing_active
    visible = (
        facts.visible_to_pupil
        or bool(facts.visible_class_ids & set(current.class_ids))
        or "123456" in facts.visible_instellingsnummers
    )
    integrated = client.class_sharing_integrated
    release = decide(client, scopes, facts, today)
    if sharing and visible and integrated:
        assert release.attributes["klas"] == current.klas
        return
    assert "klas" not in release.attributes
    reason = next(w.reason for w in release.withheld if w.attribute == "klas")
    if not sharing:
        assert reason == "class_sharing_off"
    elif not visible:
        assert reason == "application_not_visible"
    else:
        assert reason == "class_sharing_not_integrated"


def test_release_is_frozen() -> None:
    release = Release("c", None, ("openid",), {}, (), ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        release.client_id = "other"  # type: ignore[misc]
