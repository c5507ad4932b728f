"""The access matrix of the Schoolloket: one table of which role may do what, checked per route.

Every route names its action; ``Staff.require`` checks it against the roles the staff member
holds at the school on the simulated clock's date. docs/schoolloket.md prints this table.
"""

from __future__ import annotations

__all__ = ["ACCESS_MATRIX", "ROLE_LABELS", "Forbidden", "required_roles"]

ROLE_LABELS = {
    "databeheerder": "LeerID-databeheerder",
    "beheerder": "LeerID-beheerder",
}

# action: (Dutch description, roles that may do it)
ACCESS_MATRIX: dict[str, tuple[str, tuple[str, ...]]] = {
    "bekijken": ("de school openen in het Schoolloket", ("databeheerder", "beheerder")),
    "instellingen.bekijken": (
        "Schoolinstellingen bekijken",
        ("databeheerder", "beheerder"),
    ),
    "protocol.lezen": ("het goedgekeurde protocol lezen", ("databeheerder", "beheerder")),
    "klasinformatie.activeren": ("klasinformatie delen activeren", ("databeheerder",)),
    "klasinformatie.stopzetten": ("klasinformatie delen stopzetten", ("databeheerder",)),
    "leerlingen.zoeken": ("leerlingen zoeken en filteren", ("beheerder",)),
    "wachtwoord.herstellen": ("het wachtwoord van een leerling herstellen", ("beheerder",)),
    "verdeling.afdrukken": (
        "nieuwe of aangepaste accounts afdrukken voor verdeling",
        ("beheerder",),
    ),
    "applicaties.bekijken": ("Applicatiebeheer bekijken", ("beheerder",)),
    "applicaties.zichtbaar_maken": (
        "een applicatie zichtbaar maken (school, (sub)klas, leerling)",
        ("beheerder",),
    ),
    "applicaties.verbergen": ("een applicatie weer verbergen", ("beheerder",)),
}


def required_roles(action: str) -> tuple[str, ...]:
    """The roles that may do ``action``; an unknown action is allowed to nobody."""
    return ACCESS_MATRIX.get(action, ("", ()))[1]


class Forbidden(Exception):
    """A staff member without the role an action needs: a 403 page, nothing changed."""

    def __init__(self, action: str, instellingsnummer: str) -> None:
        self.action = action
        self.instellingsnummer = instellingsnummer
        description, roles = ACCESS_MATRIX.get(action, (action, ()))
        self.description = description
        self.roles = tuple(ROLE_LABELS[r] for r in roles)
        super().__init__(f"{action} at {instellingsnummer}")
