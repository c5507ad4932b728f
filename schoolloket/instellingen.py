"""The "Schoolinstellingen" tab: share class information with LeerID, or stop sharing it.

Only the LeerID-databeheerder activates or stops; every staff member with a role at the school
sees the state and can read the accepted protocol again.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from schoolloket.protocols import CURRENT_VERSION, protocol_text
from schoolloket.web import PageError, StaffDep, check_csrf, refused_as_page

__all__ = ["router"]

router = APIRouter(prefix="/scholen/{nummer}")


@router.get("")
def school_home(nummer: str, staff: StaffDep) -> Response:
    """The school's first tab the staff member may use."""
    roles = staff.require("bekijken", nummer)
    tab = "beheer" if roles.beheerder else "instellingen"
    return RedirectResponse(f"/schoolloket/scholen/{nummer}/{tab}", status_code=303)


@router.get("/instellingen")
def instellingen(nummer: str, staff: StaffDep) -> Response:
    """The start screen: class sharing on or off, with the right button."""
    roles = staff.require("instellingen.bekijken", nummer)
    history = staff.app.store.schoolloket.class_sharing_history(nummer)
    current = history[0] if history and history[0].stopped_at is None else None
    return staff.app.render(
        "instellingen.html", **staff.page(roles, tab="instellingen", current=current)
    )


@router.get("/instellingen/activeren")
def activeren_protocol(nummer: str, staff: StaffDep) -> Response:
    """Show the school-to-DOV protocol to accept ("Deel klasinformatie met LeerID")."""
    roles = staff.require("klasinformatie.activeren", nummer)
    _check_can_activate(roles.school.package_supports_class_sharing, roles.school.name)
    text = protocol_text(CURRENT_VERSION)
    return staff.app.render(
        "activeren.html", **staff.page(roles, tab="instellingen", protocol=text)
    )


@router.post("/instellingen/activeren")
def activeren(
    nummer: str,
    staff: StaffDep,
    csrf_token: Annotated[str, Form()] = "",
    protocol_version: Annotated[str, Form()] = "",
) -> Response:
    """Accept the protocol version shown and turn class sharing on."""
    check_csrf(staff, csrf_token)
    staff.require("klasinformatie.activeren", nummer)
    if protocol_text(protocol_version) is None or protocol_version != CURRENT_VERSION:
        raise PageError(400, "Onbekend protocol", "Lees het protocol opnieuw en bevestig.")
    with refused_as_page("Klasinformatie delen kan niet"):
        staff.app.store.schoolloket.activate_class_sharing(
            nummer, staff.roles.account_id, protocol_version
        )
    return RedirectResponse(f"/schoolloket/scholen/{nummer}/instellingen", status_code=303)


@router.get("/instellingen/protocol")
def protocol(nummer: str, staff: StaffDep) -> Response:
    """Read the accepted protocol again, with who accepted it and when."""
    roles = staff.require("protocol.lezen", nummer)
    history = staff.app.store.schoolloket.class_sharing_history(nummer)
    if not history:
        raise PageError(404, "Geen protocol", f"{roles.school.name} keurde nog geen protocol goed.")
    acceptance = history[0]
    return staff.app.render(
        "protocol.html",
        **staff.page(
            roles,
            tab="instellingen",
            acceptance=acceptance,
            history=history,
            protocol=protocol_text(acceptance.protocol_version),
        ),
    )


@router.get("/instellingen/stopzetten")
def stopzetten_bevestigen(nummer: str, staff: StaffDep) -> Response:
    """Ask to confirm stopping ("Stop het delen van klasinformatie met LeerID")."""
    roles = staff.require("klasinformatie.stopzetten", nummer)
    return staff.app.render("stopzetten.html", **staff.page(roles, tab="instellingen"))


@router.post("/instellingen/stopzetten")
def stopzetten(nummer: str, staff: StaffDep, csrf_token: Annotated[str, Form()] = "") -> Response:
    """Stop class sharing and return to the start screen."""
    check_csrf(staff, csrf_token)
    staff.require("klasinformatie.stopzetten", nummer)
    with refused_as_page("Stopzetten kan niet"):
        staff.app.store.schoolloket.stop_class_sharing(nummer, staff.roles.account_id)
    return RedirectResponse(f"/schoolloket/scholen/{nummer}/instellingen", status_code=303)


def _check_can_activate(supported: bool, school_name: str) -> None:
    if not supported:
        raise PageError(
            409,
            "Klasinformatie delen kan niet",
            f"{school_name} werkt niet met Broekx of Informat. Klasinformatie delen met LeerID "
            "kan enkel als je school met één van deze administratieve pakketten werkt.",
        )
