"""Every attribute of the vocabulary reaches every place that names attributes.

``datastore.vocabulary.VOCABULARY`` defines each attribute once (docs/architecture.md "How to
add an attribute"). These tests walk each definition through what clients and operators see:
both claim dialects and discovery, the scopes, the register, the admin API's and the world
files' schemas, the pupil's records and the release facts, so an attribute that one of them
forgot fails here, by name.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import typing
from pathlib import Path
from types import MappingProxyType

import pytest
from fastapi.testclient import TestClient

from datastore import (
    ATTRIBUTE_CATEGORIES,
    ATTRIBUTES,
    PUPIL_DETAILS,
    SCHOOL_NAME_ATTRIBUTE,
    VO_CLAIMS,
    VOCABULARY,
    AccountRecord,
    AdminPupil,
    Datastore,
    EnrolmentFacts,
    PasswordHashing,
    ProtocolRecord,
    ReleaseFacts,
    build_register,
    load_demo,
)
from datastore.db.models import Pupil
from datastore.worlds.schema import ProtocolSpec, PupilSpec
from idp import release as release_module
from idp.admin.schemas_providers import Attribute, ProtocolCreate, ProtocolUpdate
from idp.admin.schemas_world import PupilCreate, PupilUpdate
from idp.app import create_app
from idp.claims import ACM_CLAIM_NAMES, CLAIMS_SUPPORTED, claim_names
from idp.release import RELEASABLE, SCOPE_ATTRIBUTES, decide
from rp_demo import catalogue
from tests.admin.conftest import AUTH, CHEAP, admin_settings

ROOT = Path(__file__).resolve().parent.parent
NAMES = [a.name for a in VOCABULARY]
PROTOCOL = [a.name for a in VOCABULARY if a.in_protocol]


def test_names_and_claims_are_unique_in_each_dialect() -> None:
    assert len(set(NAMES)) == len(NAMES)
    acm = [a.acm_claim for a in VOCABULARY]
    assert len(set(acm)) == len(acm)


@pytest.mark.parametrize("name", NAMES)
def test_every_attribute_has_a_claim_in_both_dialects_and_in_discovery(name: str) -> None:
    index = RELEASABLE.index(name)
    assert claim_names("leerid")[index] == name
    assert claim_names("acm")[index] == ACM_CLAIM_NAMES[name]
    assert {name, ACM_CLAIM_NAMES[name]} <= set(CLAIMS_SUPPORTED)


@pytest.mark.parametrize("attribute", VOCABULARY, ids=NAMES)
def test_every_attribute_is_asked_for_by_its_scope(attribute: typing.Any) -> None:
    if attribute.scope is not None:
        assert attribute.name in SCOPE_ATTRIBUTES[attribute.scope]
    if attribute.in_protocol:
        assert attribute.name in SCOPE_ATTRIBUTES["ov_leerling"]
    else:
        # Not listed by a protocol: the school's name comes with its number, the vo claims
        # with the vo scope.
        assert attribute.name == SCHOOL_NAME_ATTRIBUTE or attribute.name in VO_CLAIMS


def test_the_vo_claims_are_the_attributes_of_the_vo_scope() -> None:
    assert SCOPE_ATTRIBUTES["vo"] == VO_CLAIMS


@pytest.mark.parametrize("name", PROTOCOL)
def test_every_protocol_attribute_is_in_the_register_and_both_protocol_schemas(name: str) -> None:
    assert name in ATTRIBUTES
    assert ATTRIBUTE_CATEGORIES[name]
    assert name in typing.get_args(Attribute)
    ProtocolCreate.model_validate(
        {
            "application": "app",
            "reference": "P",
            "attributes": PROTOCOL,
            "purpose": "p",
            "disclosure_legal_basis": "d",
            "processing_legal_basis": "q",
            "retention_days": 1,
        }
    )
    ProtocolUpdate.model_validate({"attributes": [name]})
    spec = ProtocolSpec.model_validate(
        {
            "reference": "P",
            "attributes": [name],
            "purpose": "p",
            "disclosure_legal_basis": "d",
            "processing_legal_basis": "q",
            "retention_days": 1,
        }
    )
    assert spec.attributes == [name]


def test_a_protocol_may_list_every_attribute_and_nothing_else() -> None:
    update = ProtocolUpdate.model_json_schema()["properties"]["attributes"]["anyOf"][0]
    assert update["items"]["enum"] == PROTOCOL
    assert update["maxItems"] == len(PROTOCOL)
    with pytest.raises(ValueError, match="unknown attribute 'insz'"):
        ProtocolSpec.model_validate(
            {
                "reference": "P",
                "attributes": ["insz"],
                "purpose": "p",
                "disclosure_legal_basis": "d",
                "processing_legal_basis": "q",
                "retention_days": 1,
            }
        )


@pytest.mark.parametrize("name", NAMES)
def test_every_attribute_is_documented_with_both_claim_names(name: str) -> None:
    docs = (ROOT / "docs" / "claims.md").read_text(encoding="utf-8")
    assert f"`{name}`" in docs
    assert f"`{ACM_CLAIM_NAMES[name]}`" in docs


def test_the_fixture_docs_list_the_closed_vocabulary() -> None:
    docs = (ROOT / "docs" / "fixtures.md").read_text(encoding="utf-8")
    listed = ", ".join(f"`{name}`" for name in ATTRIBUTES)
    assert f"protocol attributes from the closed vocabulary ({listed})" in docs


def test_the_demo_service_provider_names_attributes_as_the_provider_does() -> None:
    # rp_demo knows the vocabulary on its own (it talks to the provider over HTTP only).
    assert set(catalogue.ATTRIBUTES) <= set(ATTRIBUTES)
    assert set(catalogue.CLAIMS) <= set(NAMES)
    assert dict(catalogue.ACM_CLAIMS) == {k: ACM_CLAIM_NAMES[k] for k in catalogue.ACM_CLAIMS}


# -- the pupil's details


@pytest.mark.parametrize("name", list(PUPIL_DETAILS))
def test_every_pupil_detail_is_a_field_of_each_pupil_schema_and_record(name: str) -> None:
    detail = PUPIL_DETAILS[name]
    assert detail.type is None or detail.example is not None, "a typed detail needs an example"
    for model in (PupilCreate, PupilSpec):
        assert model.model_fields[name].is_required() == detail.required, model
    assert not PupilUpdate.model_fields[name].is_required()
    assert name in {f.name for f in dataclasses.fields(AdminPupil)}
    assert name in Pupil.__table__.columns


def test_the_pupil_schemas_start_with_the_details_in_vocabulary_order() -> None:
    details = list(PUPIL_DETAILS)
    for model in (PupilCreate, PupilUpdate, PupilSpec):
        assert list(model.model_fields)[: len(details)] == details, model
    assert [f.name for f in dataclasses.fields(AdminPupil)][1 : 1 + len(details)] == details


def test_the_admin_api_stores_and_shows_the_pupils_details(store: Datastore, db_url: str) -> None:
    values = {
        name: f"Waarde {i}" if detail.type is None else detail.example
        for i, (name, detail) in enumerate(PUPIL_DETAILS.items())
    }
    app = create_app(admin_settings(db_url), store=store)
    headers = AUTH
    with TestClient(app) as client:
        created = client.post("/admin/api/pupils", headers=headers, json=values)
        assert created.status_code == 201, created.text
        pupil = created.json()
        assert {k: pupil[k] for k in values} == values
        changed = {n: v + "!" for n, v in values.items() if PUPIL_DETAILS[n].type is None}
        patched = client.patch(f"/admin/api/pupils/{pupil['id']}", headers=headers, json=changed)
        assert {k: patched.json()[k] for k in changed} == changed
        missing = client.post("/admin/api/pupils", headers=headers, json={})
        assert missing.status_code == 422
        required = {tuple(e["loc"]) for e in missing.json()["detail"]}
        assert required == {("body", n) for n, d in PUPIL_DETAILS.items() if d.required}


def test_release_facts_carry_the_pupils_details(store: Datastore) -> None:
    load_demo(store, hashing=PasswordHashing(CHEAP))
    account = store.world.account_by_username("jan.peeters")
    client = store.world.client("i-learn")
    assert account is not None
    assert account.pupil_id is not None
    assert client is not None
    facts = store.world.release_facts(account.id, client.application_id)
    pupil = store.admin.pupil(account.pupil_id)
    assert dict(facts.pupil_details) == {name: getattr(pupil, name) for name in PUPIL_DETAILS}


def test_the_register_names_the_category_of_every_listed_attribute(store: Datastore) -> None:
    load_demo(store, hashing=PasswordHashing(CHEAP))
    for activity in build_register(store):
        assert activity.categories_of_data == tuple(
            dict.fromkeys(ATTRIBUTE_CATEGORIES[a] for a in activity.attributes)
        )


def test_a_pupil_detail_without_a_stored_value_is_withheld(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A detail the vocabulary might add (an optional one): released as stored, else withheld.
    monkeypatch.setattr(release_module, "RELEASABLE", (*RELEASABLE, "geboortejaar"))
    scopes = {**SCOPE_ATTRIBUTES, "profile": (*SCOPE_ATTRIBUTES["profile"], "geboortejaar")}
    monkeypatch.setattr(release_module, "SCOPE_ATTRIBUTES", MappingProxyType(scopes))
    protocol = ProtocolRecord(
        "P", ("naam", "geboortejaar"), "p", "d", "q", 1, None, "active", None, None
    )
    client = _client(protocol)
    account = AccountRecord(1, "6f1d2e3c-4b5a-4978-8877-665544332211", "a", "x", False, "active",
                            1, None, "Jaar", "Geboorte")  # fmt: skip
    enrolment = EnrolmentFacts("123456", "School", dt.date(2025, 9, 1), None, False, None, ())

    def facts(year: int | None) -> ReleaseFacts:
        details = {"naam": "Jaar", "voornaam": "Geboorte", "geboortejaar": year}
        return ReleaseFacts(account, None, False, (), (enrolment,), False, pupil_details=details)

    today = dt.date(2026, 1, 5)
    known = decide(client, ("openid", "profile"), facts(2012), today)
    assert dict(known.attributes) == {"naam": "Jaar", "geboortejaar": 2012}
    unknown = decide(client, ("openid", "profile"), facts(None), today)
    assert dict(unknown.attributes) == {"naam": "Jaar"}
    assert {w.attribute: w.reason for w in unknown.withheld} == {
        "voornaam": "not_in_protocol",
        "geboortejaar": "not_recorded",
    }


def _client(protocol: ProtocolRecord) -> typing.Any:
    from datastore import ClientRecord

    return ClientRecord(
        id=1, client_id="c", name="C", application_id=1, application_key="c",
        application_name="C", organisation="O", redirect_uris=("http://localhost/cb",),
        post_logout_redirect_uris=(), token_endpoint_auth_method="client_secret_basic",
        extra_auth_methods=(), secret_hash=None, jwks=None, grant_types=("authorization_code",),
        id_token_signed_response_alg="RS256", claim_dialect="leerid",
        class_sharing_integrated=False, backchannel_logout_uri=None, sector_identifier=None,
        staff_only=False, protocol=protocol,
    )  # fmt: skip
