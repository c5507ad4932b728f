"""The "LeerID-beheer" tab: find pupils, reset passwords, distribution sheets.

With class sharing on, pupils are filtered per (sub)class and sheets are grouped per
(sub)class. A new password is shown once and stored only as its argon2id hash; printing a sheet
sets fresh initial passwords, and the previous ones stop working, so only the sheet handed
out holds a working password.
"""

from __future__ import annotations

import csv
import io
import secrets
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.responses import Response

from datastore import PupilRow
from schoolloket.web import PageError, Staff, StaffDep, check_csrf, parse_id, refused_as_page

__all__ = ["new_password", "router"]

router = APIRouter(prefix="/scholen/{nummer}/beheer")

# Letters and digits that cannot be mistaken for one another on paper (no 0/O, 1/l/I).
_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_password() -> str:
    """A fresh password of three blocks of four, easy to copy from a printed sheet."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(3))


def _class_id(value: str | None) -> int | None:
    if not value:
        return None
    return parse_id(value, "Deze klas bestaat niet.")


@router.get("")
def beheer(
    nummer: str,
    staff: StaffDep,
    q: Annotated[str, Query(max_length=100)] = "",
    klas: Annotated[str | None, Query()] = None,
) -> Response:
    """Find pupils by name or username, and per (sub)class when class sharing is on."""
    roles = staff.require("leerlingen.zoeken", nummer)
    class_id = _class_id(klas)
    store = staff.app.store.schoolloket
    with refused_as_page("Zoeken kan niet"):
        pupils = store.find_pupils(nummer, staff.roles.account_id, query=q, class_id=class_id)
    return staff.app.render(
        "beheer.html",
        **staff.page(
            roles,
            tab="beheer",
            pupils=pupils,
            q=q,
            klas=class_id,
            classes=store.classes(nummer) if roles.school.class_sharing_active else [],
        ),
    )


@router.post("/wachtwoord")
def wachtwoord(
    nummer: str,
    staff: StaffDep,
    csrf_token: Annotated[str, Form()] = "",
    account_uuid: Annotated[str, Form()] = "",
) -> Response:
    """Reset a pupil's password and show the new one, once."""
    check_csrf(staff, csrf_token)
    roles = staff.require("wachtwoord.herstellen", nummer)
    password = new_password()
    with refused_as_page("Wachtwoord herstellen kan niet"):
        pupil = staff.app.store.schoolloket.reset_password(
            nummer, staff.roles.account_id, account_uuid, staff.app.hashing.hash(password)
        )
    return staff.app.render(
        "wachtwoord.html", **staff.page(roles, tab="beheer", pupil=pupil, password=password)
    )


@router.get("/verdeling")
def verdeling(nummer: str, staff: StaffDep) -> Response:
    """Choose the (sub)class whose new or changed accounts to print."""
    roles = staff.require("verdeling.afdrukken", nummer)
    store = staff.app.store.schoolloket
    with refused_as_page("Verdeling kan niet"):
        pupils = store.find_pupils(nummer, staff.roles.account_id, only_to_distribute=True)
    sharing = roles.school.class_sharing_active
    return staff.app.render(
        "verdeling.html",
        **staff.page(
            roles,
            tab="beheer",
            pupils=pupils,
            classes=store.classes(nummer) if sharing else [],
        ),
    )


@router.post("/verdeling")
def verdeling_afdrukken(
    nummer: str,
    staff: StaffDep,
    csrf_token: Annotated[str, Form()] = "",
    klas: Annotated[str, Form()] = "",
    alle: Annotated[str, Form()] = "",
    formaat: Annotated[str, Form()] = "html",
) -> Response:
    """Set fresh initial passwords and print them: one page per (sub)class, or a CSV."""
    check_csrf(staff, csrf_token)
    roles = staff.require("verdeling.afdrukken", nummer)
    store = staff.app.store.schoolloket
    class_id = _class_id(klas) if roles.school.class_sharing_active else None
    with refused_as_page("Verdeling kan niet"):
        pupils = store.find_pupils(
            nummer, staff.roles.account_id, class_id=class_id, only_to_distribute=not alle
        )
    if not pupils:
        raise PageError(
            409, "Niets te verdelen", "Er zijn geen nieuwe of aangepaste accounts in deze selectie."
        )
    passwords = {p.account_uuid: new_password() for p in pupils}
    hashes = {uuid: staff.app.hashing.hash(pw) for uuid, pw in passwords.items()}
    label = next((c.name for c in store.classes(nummer) if c.id == class_id), "alle leerlingen")
    with refused_as_page("Verdeling kan niet"):
        store.issue_initial_passwords(nummer, staff.roles.account_id, hashes, f"klas {label}")
    if formaat == "csv":
        return _csv(pupils, passwords, nummer, staff)
    groups: dict[str, list[tuple[PupilRow, str]]] = {}
    for pupil in pupils:
        groups.setdefault(pupil.klas or "Zonder klas", []).append(
            (pupil, passwords[pupil.account_uuid])
        )
    return staff.app.render(
        "verdeellijst.html", **staff.page(roles, tab="beheer", groups=sorted(groups.items()))
    )


def _cell(value: str) -> str:
    """A spreadsheet never runs a name as a formula (OWASP CSV injection)."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv(pupils: list[PupilRow], passwords: dict[str, str], nummer: str, staff: Staff) -> Response:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["klas", "naam", "voornaam", "gebruikersnaam", "wachtwoord"])
    for pupil in pupils:
        cells = [pupil.klas or "", pupil.naam, pupil.voornaam, pupil.username]
        writer.writerow([_cell(c) for c in cells] + [passwords[pupil.account_uuid]])
    headers = {
        **staff.app.page_headers(),
        "Content-Disposition": f'attachment; filename="leerid-accounts-{nummer}.csv"',
    }
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8", headers=headers)
