"""What rp_demo knows about its demo applications and the attributes of a LeerID protocol.

This is the service providers' own knowledge: which application a client is, which protocol it
signed with DOV (seed 000 for iDiddit, seed 001 for i-Learn) and which attributes that
protocol's article 3 lists. It is display information only: what the provider actually
releases always comes from the tokens.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ACM_CLAIMS",
    "ATTRIBUTES",
    "ATTRIBUTE_LABELS",
    "CLAIMS",
    "COMPANION_CLAIMS",
    "Application",
    "application",
    "attributes_from_claims",
]

# The closed vocabulary of protocol attributes (seed 000/001 art. 3, seed 002 for klas).
ATTRIBUTES: tuple[str, ...] = (
    "leer_id_uuid",
    "account_uuid",
    "historiek_account_uuid",
    "naam",
    "voornaam",
    "instellingsnummer",
    "klas",
)

# What a login may bring besides the protocol's attributes: the school's name (with
# instellingsnummer) and ACM's identity claims of the ``vo`` scope (values assumed by the
# simulator). Shown when received.
COMPANION_CLAIMS: tuple[str, ...] = (
    "instellingsnaam",
    "vo_id",
    "vo_doelgroepcode",
    "vo_orgcode",
    "vo_orgnaam",
)
CLAIMS: tuple[str, ...] = (*ATTRIBUTES, *COMPANION_CLAIMS)

ATTRIBUTE_LABELS: Mapping[str, str] = {
    "leer_id_uuid": "Leer_id_uuid: unieke leerlingensleutel (enkel met INSZ)",
    "account_uuid": "Account_uuid: single sign-on sleutel van één account",
    "historiek_account_uuid": "Historiek_account_uuid: oude accounts van de leerling",
    "naam": "Naam: officiële naam",
    "voornaam": "Voornaam: officiële voornaam",
    "instellingsnummer": "Instellingsnummer: school van de lopende inschrijving",
    "klas": "Klasinformatie: administratieve (sub)klas",
    "instellingsnaam": "Instellingsnaam: naam van de school (bij het instellingsnummer)",
    "vo_id": "vo_id: identificatie van het account bij ACM (scope vo)",
    "vo_doelgroepcode": "vo_doelgroepcode: doelgroep bij ACM (scope vo)",
    "vo_orgcode": "vo_orgcode: organisatie bij ACM, het instellingsnummer (scope vo)",
    "vo_orgnaam": "vo_orgnaam: naam van die organisatie (scope vo)",
}

# The ACM claim name of each attribute (the ``vo`` claims have the same name in both dialects).
ACM_CLAIMS: Mapping[str, str] = {
    "leer_id_uuid": "ov_leerid_uuid",
    "account_uuid": "ov_account_uuid",
    "historiek_account_uuid": "ov_historiek_account_uuid",
    "naam": "family_name",
    "voornaam": "given_name",
    "instellingsnummer": "ov_orgcode",
    "instellingsnaam": "ov_orgnaam",
    "klas": "ov_klas",
    "vo_id": "vo_id",
    "vo_doelgroepcode": "vo_doelgroepcode",
    "vo_orgcode": "vo_orgcode",
    "vo_orgnaam": "vo_orgnaam",
}


@dataclass(frozen=True, slots=True)
class Application:
    """A demo application: who runs it and the protocol it signed with DOV."""

    client_id: str
    name: str
    organisation: str
    description: str
    protocol_title: str
    protocol_source: str
    protocol_attributes: tuple[str, ...]
    retention: str
    claim_dialect: str = "leerid"
    public: bool = False
    shows_ended_protocol: bool = False

    @property
    def requires_enrolment(self) -> bool:
        """Seed 001 art. 3: access is refused without a current enrolment.

        Only a client that receives instellingsnummer can see the enrolment (DECISIONS 21).
        """
        return "instellingsnummer" in self.protocol_attributes

    def claim_name(self, attribute: str) -> str:
        return ACM_CLAIMS[attribute] if self.claim_dialect == "acm" else attribute


_ILEARN_ATTRIBUTES = (
    "naam",
    "voornaam",
    "leer_id_uuid",
    "account_uuid",
    "historiek_account_uuid",
    "instellingsnummer",
)

_APPLICATIONS: dict[str, Application] = {
    app.client_id: app
    for app in (
        Application(
            client_id="ididdit",
            name="iDiddit",
            organisation="Uitgeverij Van In",
            description="Elektronische leeromgeving voor leerlingen en leerkrachten.",
            protocol_title="Protocol DOV – Uitgeverij Van In (17/09/2025)",
            protocol_source="seed 000",
            protocol_attributes=("leer_id_uuid", "account_uuid"),
            retention="3 jaar; inactieve accounts verwijderd na 3 jaar",
        ),
        Application(
            client_id="i-learn",
            name="i-Learn",
            organisation="imec",
            description="Leertrajecten op maat van elke leerling.",
            protocol_title="Protocol DOV – imec (08/02/2023)",
            protocol_source="seed 001",
            protocol_attributes=_ILEARN_ATTRIBUTES,
            retention="1 jaar; inactieve accounts verwijderd na 3 jaar",
        ),
        Application(
            client_id="i-learn-acm",
            name="i-Learn (ACM-namen)",
            organisation="imec",
            description="i-Learn met de claimnamen van ACM (ov_…, family_name, given_name).",
            protocol_title="Protocol DOV – imec (08/02/2023)",
            protocol_source="seed 001",
            protocol_attributes=_ILEARN_ATTRIBUTES,
            retention="1 jaar; inactieve accounts verwijderd na 3 jaar",
            claim_dialect="acm",
        ),
        Application(
            client_id="klasapp",
            name="KlasApp",
            organisation="Demo Uitgeverij",
            description="Klasgebonden oefeningen; heeft het delen van klasinformatie geïntegreerd.",
            protocol_title="Protocol DOV – Demo Uitgeverij (demo)",
            protocol_source="demowereld",
            protocol_attributes=("leer_id_uuid", "account_uuid", "instellingsnummer", "klas"),
            retention="volgens het demoprotocol",
        ),
        Application(
            client_id="spa-demo",
            name="Single-page app",
            organisation="Demo",
            description="Publieke client: de browser wisselt de code zelf in, met PKCE.",
            protocol_title="Protocol DOV – Demo (single-page app)",
            protocol_source="demowereld",
            protocol_attributes=("account_uuid",),
            retention="volgens het demoprotocol",
            public=True,
        ),
        Application(
            client_id="stopgezet",
            name="OudeApp",
            organisation="Voorbeeld BV",
            description="Het protocol werd door DOV beëindigd (art. 8): aanmelden lukt niet meer.",
            protocol_title="Protocol DOV – Voorbeeld BV (beëindigd)",
            protocol_source="demowereld",
            protocol_attributes=("leer_id_uuid", "account_uuid"),
            retention="—",
            shows_ended_protocol=True,
        ),
    )
}


def application(client_id: str) -> Application:
    """The demo application of ``client_id``; a plain one for a client rp_demo does not know."""
    known = _APPLICATIONS.get(client_id)
    if known is not None:
        return known
    return Application(
        client_id=client_id,
        name=client_id,
        organisation="onbekend",
        description="Een client uit de configuratie van rp_demo.",
        protocol_title="Protocol onbekend",
        protocol_source="—",
        protocol_attributes=(),
        retention="—",
    )


def attributes_from_claims(app: Application, claims: Mapping[str, Any]) -> dict[str, Any]:
    """The LeerID attributes (and companion claims) in ``claims``, by LeerID name, any dialect.

    In the ACM dialect ``ov_leerid_uuid`` is a list (``[]`` for a temporary account): an
    empty list means the attribute was not released.
    """
    found: dict[str, Any] = {}
    for attribute in CLAIMS:
        name = app.claim_name(attribute)
        if name not in claims:
            continue
        value = claims[name]
        if app.claim_dialect == "acm" and attribute == "leer_id_uuid":
            if not value:
                continue
            value = value[0] if isinstance(value, list) and len(value) == 1 else value
        found[attribute] = value
    return found
