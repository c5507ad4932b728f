"""Attribute release: what one login may give one client (docs/contract.md "Scopes and claims").

A pure module: no I/O, no datastore calls. The ID token, UserInfo, introspection and the
preview all ask ``decide``, so they can never disagree. Released attributes are the attributes
of the requested scopes ∩ the protocol's article 3 ∩ what is true of the account and allowed by
the gates (class information also needs the school's and the application's consent; an ended or
suspended protocol releases nothing; staff get only ``sub``, except at a staff-only client).
Every attribute of the protocol or the requested scopes that is not released is withheld with
a machine reason code and a sentence a service provider can act on.

Besides the protocol's attributes a login may release the school's name (``instellingsnaam``,
exactly when ``instellingsnummer`` is released) and ACM's ``vo`` identity claims.

A staff-only client (DOV's Schoolloket) has no pupil protocol: it may receive only the staff
account's own ``account_uuid`` (ACM's ``ov_account_uuid``, which ACM sends with every LeerID
login), through the ``account`` scope, so that it learns from its own login who logged in
(OIDC Core §3.1.3.7, §5.3).
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from datastore import (
    ATTRIBUTES,
    SCHOOL_NAME_ATTRIBUTE,
    SCOPES,
    VO_CLAIMS,
    VOCABULARY,
    ClientRecord,
    EnrolmentFacts,
    PrivacyRelease,
    ReleaseFacts,
)

__all__ = [
    "ARTICLE",
    "REASONS",
    "RELEASABLE",
    "SCOPES_SUPPORTED",
    "SCOPE_ATTRIBUTES",
    "STAFF_ATTRIBUTES",
    "VO_DOELGROEPCODE",
    "VO_ID_NAMESPACE",
    "Release",
    "Released",
    "ScopeError",
    "Withheld",
    "allowed_scopes",
    "check_scopes",
    "current_enrolment",
    "decide",
    "privacy_release",
    "vo_id",
]

# The scopes that group attributes (docs/contract.md "Scopes and claims"), from the vocabulary;
# ``openid`` and ``offline_access`` carry none. ``ov_leerling`` is ACM's LeerID scope: every
# attribute of the client's own protocol, so it is resolved per client below.
SCOPE_ATTRIBUTES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        scope: ATTRIBUTES
        if scope == "ov_leerling"
        else tuple(a.name for a in VOCABULARY if a.scope == scope)
        for scope in SCOPES
        if scope == "ov_leerling" or any(a.scope == scope for a in VOCABULARY)
    }
)
SCOPES_SUPPORTED: tuple[str, ...] = SCOPES
# What a staff-only client may receive of a staff account: its own identifier, nothing else.
STAFF_ATTRIBUTES: tuple[str, ...] = ("account_uuid",)
# Everything a login may release, in the order of the claims (the vocabulary's order): the
# protocol's attributes with the school's name after its number, then ACM's ``vo`` claims.
RELEASABLE: tuple[str, ...] = tuple(a.name for a in VOCABULARY)
# ``vo_id`` is a stable identifier of the account at ACM that is neither the INSZ nor the
# leer_id_uuid. ACM's real value for a pupil is not public; the simulator derives it as the
# UUIDv5 of the account_uuid in this namespace, so it is stable and reveals neither.
VO_ID_NAMESPACE = uuid.UUID("7b0e4c1a-3f52-5d8e-9a61-2c4f0b8d6e13")
# ACM's target-group codes are GID, EA, LB, OV and BUR; ``OV`` (education) for a pupil is assumed.
VO_DOELGROEPCODE = "OV"
# The ``vo`` claims that describe the school: only with a protocol that lists instellingsnummer.
_VO_SCHOOL_CLAIMS = frozenset(VO_CLAIMS) - {"vo_id"}
# The protocol article that lists the attributes a service provider may receive.
ARTICLE = "art. 3"

# Machine reason code -> what it means (docs/claims.md lists them for service providers).
REASONS: Mapping[str, str] = MappingProxyType(
    {
        "not_in_protocol": "the client's protocol with DOV does not list this attribute",
        "scope_not_requested": "no requested scope asks for this attribute",
        "protocol_not_active": "the protocol is ended or suspended by DOV: nothing is released",
        "staff_account": "a staff account releases nothing but sub",
        "account_disabled": "the account is disabled: nothing is released",
        "no_account": "no account facts: nothing is released",
        "temporary_account": "a temporary account (pupil without INSZ) has no leer_id_uuid",
        "not_identified": "the pupil is not identified by INSZ, so there is no leer_id_uuid",
        "no_enrolment": "the pupil has no current enrolment",
        "no_class": "the pupil is not placed in a (sub)class",
        "class_sharing_off": "the school's LeerID-databeheerder has not activated class sharing",
        "application_not_visible": "the application is not visible to the pupil or their class",
        "class_sharing_not_integrated": "the client has not integrated class sharing",
        "needs_instellingsnummer": (
            "released only to a client whose protocol lists instellingsnummer"
        ),
        "not_recorded": "the datastore holds no value of this attribute for the pupil",
    }
)
# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ), separated by spaces.
_SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]+")


class ScopeError(Exception):
    """A requested scope the client may not use: ``invalid_scope`` (RFC 6749 §4.1.2.1)."""

    error = "invalid_scope"

    def __init__(self, description: str, *, detail: str | None = None) -> None:
        super().__init__(description)
        # ``description`` goes to the client and never repeats its request; ``detail`` names the
        # scope for the event log and the operator's preview.
        self.description = description
        self.detail = detail or description


@dataclass(frozen=True, slots=True)
class Released:
    """One released attribute, with the scope that asked for it and the protocol clause."""

    attribute: str
    value: Any
    scope: str
    # ``None`` for a staff account's own identifier at a staff-only client: no protocol applies.
    protocol_reference: str | None
    article: str | None = ARTICLE

    @property
    def why(self) -> str:
        if self.protocol_reference is None:
            return f"scope {self.scope}; the staff account's own identifier at a staff-only client"
        protocol = f"protocol {self.protocol_reference} {self.article}"
        if self.attribute == "vo_id":
            return f"scope {self.scope}; ACM identity claim of the account (value assumed)"
        if self.attribute in VO_CLAIMS:
            return (
                f"scope {self.scope}; ACM identity claim, with instellingsnummer in {protocol} "
                "(value assumed)"
            )
        if self.attribute == SCHOOL_NAME_ATTRIBUTE:
            return f"scope {self.scope}; comes with instellingsnummer, {protocol}"
        return f"scope {self.scope}; {protocol}"


@dataclass(frozen=True, slots=True)
class Withheld:
    """One attribute of the protocol or the requested scopes that is not released, and why."""

    attribute: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class Release:
    """What one login releases to one client: values, and the why of each decision."""

    client_id: str
    protocol_reference: str | None
    scopes: tuple[str, ...]
    attributes: Mapping[str, Any]
    released: tuple[Released, ...]
    withheld: tuple[Withheld, ...]

    @property
    def attribute_names(self) -> tuple[str, ...]:
        """The released names, in the order of ``RELEASABLE`` (for the privacy log)."""
        return tuple(r.attribute for r in self.released)


def check_scopes(client: ClientRecord, scope: str | None) -> tuple[str, ...]:
    """The requested scopes, deduplicated in order, or ``ScopeError`` (OIDC Core §3.1.2.1).

    ``openid`` is required. Every other scope must be one the simulator knows and one the
    client's integratiedossier allows, as on ACM, which refuses any other scope before the user
    logs in. ``rrn`` (the national number) is never known: the INSZ is never released. The
    descriptions are fixed sentences that never repeat the request.
    """
    tokens = (scope or "").split(" ")
    requested = tuple(dict.fromkeys(t for t in tokens if t))
    for token in requested:
        if not _SCOPE_TOKEN.fullmatch(token):
            raise ScopeError("scope contains a character RFC 6749 section 3.3 does not allow")
    if "openid" not in requested:
        raise ScopeError("the openid scope is required")
    if "rrn" in requested:
        raise ScopeError("the rrn scope is never allowed: the national number is never released")
    allowed = allowed_scopes(client)
    refused = [s for s in requested if s not in allowed]
    if refused:
        raise ScopeError(
            "a requested scope is unknown or not allowed in the client's integratiedossier",
            detail=(
                f"scope {refused[0]!r} is not allowed for client {client.client_id!r}; "
                f"allowed: {' '.join(allowed)}"
            ),
        )
    return requested


def allowed_scopes(client: ClientRecord) -> tuple[str, ...]:
    """The scopes the client's dossier allows that the simulator knows, ``openid`` first."""
    return tuple(dict.fromkeys(("openid", *(s for s in client.allowed_scopes if s in SCOPES))))


def decide(
    client: ClientRecord,
    scopes: Sequence[str],
    facts: ReleaseFacts | None,
    today: dt.date,
) -> Release:
    """Decide what a login releases (docs/contract.md "Scopes and claims"; the protocol's article
    3).

    ``today`` is the simulated clock's date: it selects the current enrolment.
    """
    if facts is not None and not facts.complete:
        raise ValueError("facts of the account alone: no release can be decided from them")
    if client.staff_only:
        return _decide_staff_only(client, scopes, facts)
    protocol = client.protocol
    in_protocol = set() if protocol is None or client.staff_only else set(protocol.attributes)
    asked_by: dict[str, str] = {}
    for scope in scopes:
        for attribute in SCOPE_ATTRIBUTES.get(scope, ()):
            if scope != "ov_leerling" or attribute in in_protocol:
                asked_by.setdefault(attribute, scope)
    # The school's name is asked for by whatever asked for the school's number.
    if "instellingsnummer" in asked_by:
        asked_by[SCHOOL_NAME_ATTRIBUTE] = asked_by["instellingsnummer"]
    true_values, gates = _account_values(client, facts, today)
    released: list[Released] = []
    withheld: list[Withheld] = []
    for name in RELEASABLE:
        listed = _listed(name, client, in_protocol)
        if name in VO_CLAIMS and name not in asked_by:
            continue  # not a protocol attribute: only the vo scope brings it into play
        if not listed and name not in asked_by:
            continue
        if not listed:
            withheld.append(_withheld(name, _unlisted_reason(name, client), client))
        elif protocol is None or not protocol.is_active:
            withheld.append(_withheld(name, "protocol_not_active", client))
        elif name not in asked_by:
            withheld.append(_withheld(name, "scope_not_requested", client))
        elif name in gates:
            withheld.append(Withheld(name, *gates[name]))
        elif name not in true_values:
            withheld.append(_withheld(name, "not_recorded", client))
        else:
            released.append(Released(name, true_values[name], asked_by[name], protocol.reference))
    return Release(
        client_id=client.client_id,
        protocol_reference=protocol.reference if protocol is not None else None,
        scopes=tuple(scopes),
        attributes=MappingProxyType({r.attribute: r.value for r in released}),
        released=tuple(released),
        withheld=tuple(withheld),
    )


def _decide_staff_only(
    client: ClientRecord, scopes: Sequence[str], facts: ReleaseFacts | None
) -> Release:
    """A staff-only client: an active staff account's ``account_uuid`` when a scope asks for it.

    Every other requested attribute is ``not_in_protocol`` (such a client has no pupil protocol),
    and so is ``account_uuid`` of a pupil (who cannot log in there anyway).
    """
    asked_by: dict[str, str] = {}
    for scope in scopes:
        if scope != "ov_leerling":  # the client's protocol attributes: it has none
            for attribute in SCOPE_ATTRIBUTES.get(scope, ()):
                asked_by.setdefault(attribute, scope)
    if "instellingsnummer" in asked_by:
        asked_by[SCHOOL_NAME_ATTRIBUTE] = asked_by["instellingsnummer"]
    account = facts.account if facts is not None else None
    released: list[Released] = []
    withheld: list[Withheld] = []
    for name in RELEASABLE:
        if name not in asked_by:
            continue
        if name not in STAFF_ATTRIBUTES or (account is not None and not account.is_staff):
            withheld.append(_withheld(name, "not_in_protocol", client))
        elif account is None:
            withheld.append(Withheld(name, "no_account", REASONS["no_account"]))
        elif not account.is_active:
            withheld.append(Withheld(name, "account_disabled", REASONS["account_disabled"]))
        else:
            released.append(Released(name, account.account_uuid, asked_by[name], None, None))
    return Release(
        client_id=client.client_id,
        protocol_reference=None,
        scopes=tuple(scopes),
        attributes=MappingProxyType({r.attribute: r.value for r in released}),
        released=tuple(released),
        withheld=tuple(withheld),
    )


def _listed(name: str, client: ClientRecord, in_protocol: set[str]) -> bool:
    """Whether the protocol allows ``name``: listed itself, or the attribute it comes with."""
    if name == SCHOOL_NAME_ATTRIBUTE or name in _VO_SCHOOL_CLAIMS:
        return "instellingsnummer" in in_protocol
    if name == "vo_id":
        return client.protocol is not None and not client.staff_only
    return name in in_protocol


def _unlisted_reason(name: str, client: ClientRecord) -> str:
    has_protocol = client.protocol is not None and not client.staff_only
    if has_protocol and (name == SCHOOL_NAME_ATTRIBUTE or name in _VO_SCHOOL_CLAIMS):
        return "needs_instellingsnummer"
    return "not_in_protocol"


def vo_id(account_uuid: str) -> str:
    """The ``vo_id`` of an account: a UUIDv5 of its account_uuid (RFC 9562 §5.5), assumed."""
    return str(uuid.uuid5(VO_ID_NAMESPACE, account_uuid.lower()))


def _withheld(attribute: str, reason: str, client: ClientRecord) -> Withheld:
    protocol = client.protocol
    if reason == "protocol_not_active" and protocol is not None:
        detail = f"protocol {protocol.reference} is {protocol.status}: nothing is released"
    elif reason == "not_in_protocol":
        reference = protocol.reference if protocol is not None else "(none)"
        detail = f"{attribute} is not listed in {ARTICLE} of protocol {reference}"
    elif reason == "needs_instellingsnummer" and protocol is not None:
        detail = (
            f"{attribute} comes only with instellingsnummer, which is not listed in {ARTICLE} "
            f"of protocol {protocol.reference}"
        )
    else:
        detail = REASONS[reason]
    return Withheld(attribute, reason, detail)


def _account_values(
    client: ClientRecord, facts: ReleaseFacts | None, today: dt.date
) -> tuple[dict[str, Any], dict[str, tuple[str, str]]]:
    """The true value of each attribute for this account, and the gate that blocks each other."""
    if facts is None:
        return {}, dict.fromkeys(RELEASABLE, ("no_account", REASONS["no_account"]))
    account = facts.account
    if account.is_staff or account.pupil_id is None:
        return {}, dict.fromkeys(RELEASABLE, ("staff_account", REASONS["staff_account"]))
    if not account.is_active:
        return {}, dict.fromkeys(RELEASABLE, ("account_disabled", REASONS["account_disabled"]))
    values: dict[str, Any] = {
        "account_uuid": account.account_uuid,
        "historiek_account_uuid": list(facts.historiek_account_uuids),
        "naam": account.naam,
        "voornaam": account.voornaam,
        "vo_id": vo_id(account.account_uuid),
    }
    # The pupil's other details of the vocabulary are released as stored; a missing one is not.
    for name, value in facts.pupil_details.items():
        if value is not None:
            values.setdefault(name, value)
    gates: dict[str, tuple[str, str]] = {}
    if account.is_temporary:
        gates["leer_id_uuid"] = ("temporary_account", REASONS["temporary_account"])
    elif not facts.has_insz or facts.leer_id_uuid is None:
        gates["leer_id_uuid"] = ("not_identified", REASONS["not_identified"])
    else:
        values["leer_id_uuid"] = facts.leer_id_uuid
    enrolment = current_enrolment(facts, today)
    if enrolment is None:
        gate = ("no_enrolment", f"{REASONS['no_enrolment']} on {today.isoformat()}")
        for name in ("instellingsnummer", SCHOOL_NAME_ATTRIBUTE, "klas", *_VO_SCHOOL_CLAIMS):
            gates[name] = gate
        return values, gates
    values["instellingsnummer"] = values["vo_orgcode"] = enrolment.instellingsnummer
    values[SCHOOL_NAME_ATTRIBUTE] = values["vo_orgnaam"] = enrolment.school_name
    values["vo_doelgroepcode"] = VO_DOELGROEPCODE
    klas_gate = _klas_gate(client, facts, enrolment)
    if klas_gate is None:
        values["klas"] = enrolment.klas
    else:
        gates["klas"] = klas_gate
    return values, gates


def current_enrolment(facts: ReleaseFacts, today: dt.date) -> EnrolmentFacts | None:
    """The enrolment that runs on ``today``; of several, the one that started last."""
    current = [e for e in facts.enrolments if e.current_on(today)]
    return max(current, key=lambda e: e.start_date) if current else None


def _klas_gate(
    client: ClientRecord, facts: ReleaseFacts, enrolment: EnrolmentFacts
) -> tuple[str, str] | None:
    """Why ``klas`` is withheld, or ``None`` when all three seed 002 conditions hold."""
    if enrolment.klas is None:
        return "no_class", REASONS["no_class"]
    if not enrolment.class_sharing_active:
        school = f"{enrolment.instellingsnummer} ({enrolment.school_name})"
        return "class_sharing_off", f"class sharing is not active at school {school}"
    visible = (
        facts.visible_to_pupil
        or not facts.visible_class_ids.isdisjoint(enrolment.class_ids)
        or enrolment.instellingsnummer in facts.visible_instellingsnummers
    )
    if not visible:
        return "application_not_visible", (
            f"application {client.application_name} is not visible to the pupil, "
            f"their class {enrolment.klas} or their school"
        )
    if not client.class_sharing_integrated:
        return "class_sharing_not_integrated", (
            f"client {client.client_id} is not registered as having integrated class sharing"
        )
    return None


def privacy_release(
    client: ClientRecord, account_uuid: str, release: Release, channel: str, *, acr: bool = False
) -> PrivacyRelease | None:
    """The privacy-log entry for a release (seed 000 art. 6), or ``None`` when nothing left.

    It names the attributes, never their values, with the protocol's disclosure basis
    (the basis on which DOV discloses), purpose and retention; ``acr`` adds the claim of that name,
    which the ID token and UserInfo carry beside the attributes.
    """
    protocol = client.protocol
    if protocol is None or client.staff_only or not release.released:
        return None
    return PrivacyRelease(
        client_id=client.client_id,
        organisation=client.organisation,
        protocol_reference=protocol.reference,
        account_uuid=account_uuid,
        attributes=(*release.attribute_names, "acr") if acr else release.attribute_names,
        legal_basis=protocol.disclosure_legal_basis,
        purpose=protocol.purpose,
        channel=channel,
        retention_days=protocol.retention_days,
    )
