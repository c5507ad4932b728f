"""The demo world's personas: who to log in as, and what each one shows.

``leerid-sim demo`` prints them (in English, like the rest of the command line) and the
provider's landing page lists them in demo mode (in Dutch, like the rest of its pages).
"""

from __future__ import annotations

from idp.home import DemoLogin

__all__ = ["PERSONAS", "PUPIL_PASSWORD", "STAFF", "STAFF_PASSWORD", "demo_logins"]

PUPIL_PASSWORD = "Leerling123!"  # noqa: S105 - the documented demo password
STAFF_PASSWORD = "Personeel123!"  # noqa: S105 - the documented demo password

# (username, what the banner says, what the landing page says)
PERSONAS: tuple[tuple[str, str, str], ...] = (
    (
        "jan.peeters",
        "identified pupil with 2 old accounts; 123456, class 3B",
        "Geïdentificeerde leerling met 2 oude accounts; school 123456, klas 3B.",
    ),
    (
        "lotte.janssens",
        "identified pupil; school 654321 without class sharing, 5A",
        "Geïdentificeerde leerling; school 654321 zonder klasdeling, klas 5A.",
    ),
    (
        "noah.tijdelijk",
        "temporary account (no INSZ): no leer_id_uuid; 123456, 3A",
        "Tijdelijk account (zonder INSZ), dus zonder leer_id_uuid; school 123456, klas 3A.",
    ),
    (
        "sara.wouters",
        "identified pupil; KlasApp is not visible to her; 123456, 3A",
        "Geïdentificeerde leerling; KlasApp is voor haar niet zichtbaar; school 123456, klas 3A.",
    ),
    (
        "ex.leerling",
        "enrolment ended 2026-06-30: i-Learn and KlasApp refuse her",
        "Inschrijving beëindigd op 2026-06-30: i-Learn en KlasApp weigeren haar.",
    ),
    (
        "emma.maes",
        "one pupil with two accounts (also emma.maes2); 123456, 3B",
        "Eén leerling met twee accounts (ook emma.maes2); school 123456, klas 3B.",
    ),
)
STAFF: tuple[tuple[str, str, str], ...] = (
    (
        "dirk.directeur",
        "director of 123456: LeerID-databeheerder (class sharing)",
        "Directeur van school 123456: LeerID-databeheerder (klasdeling).",
    ),
    (
        "bert.beheerder",
        "LeerID-beheerder of 123456 (accounts, applications)",
        "LeerID-beheerder van school 123456 (accounts, toepassingen).",
    ),
    (
        "ilse.interim",
        "temporary director of 654321 until 2026-08-31",
        "Tijdelijk directeur van school 654321 tot 2026-08-31.",
    ),
)


def demo_logins() -> tuple[DemoLogin, ...]:
    """The personas as the landing page lists them, with their passwords."""
    return (
        *(DemoLogin(name, PUPIL_PASSWORD, dutch) for name, _, dutch in PERSONAS),
        *(DemoLogin(name, STAFF_PASSWORD, dutch, staff=True) for name, _, dutch in STAFF),
    )
