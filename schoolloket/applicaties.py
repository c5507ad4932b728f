"""The "Applicatiebeheer" tab: make an application visible, and hide it again.

Visible to the whole school, to a (sub)class (only while class sharing is on; a class covers its
subclasses) or to one pupil. Release reads visibility at every login, so the next
login's ``klas`` claim follows at once.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse, Response

from schoolloket.web import PageError, StaffDep, check_csrf, parse_id, refused_as_page

__all__ = ["router"]

router = APIRouter(prefix="/scholen/{nummer}/applicaties")


@router.get("")
def applicaties(nummer: str, staff: StaffDep) -> Response:
    """Every application, and to whom at this school it is visible."""
    roles = staff.require("applicaties.bekijken", nummer)
    store = staff.app.store.schoolloket
    visibility = store.visibility(nummer)
    return staff.app.render(
        "applicaties.html",
        **staff.page(
            roles,
            tab="applicaties",
            applications=store.applications(),
            visibility=visibility,
            classes=store.classes(nummer) if roles.school.class_sharing_active else [],
        ),
    )


@router.post("/zichtbaar")
def zichtbaar(
    nummer: str,
    staff: StaffDep,
    csrf_token: Annotated[str, Form()] = "",
    application_id: Annotated[str, Form()] = "0",
    doel: Annotated[str, Form()] = "",
    klas: Annotated[str, Form()] = "",
    gebruikersnaam: Annotated[str, Form()] = "",
) -> Response:
    """Make an application visible to the school, a (sub)class or a pupil."""
    check_csrf(staff, csrf_token)
    staff.require("applicaties.zichtbaar_maken", nummer)
    values = {"school": "", "klas": klas, "leerling": gebruikersnaam}
    targets = {"school": "school", "klas": "class", "leerling": "pupil"}
    if doel not in targets:
        raise PageError(400, "Kies voor wie", "Kies de school, een (sub)klas of een leerling.")
    app_id = parse_id(application_id, "Deze applicatie bestaat niet.")
    with refused_as_page("Zichtbaar maken kan niet"):
        staff.app.store.schoolloket.make_visible(
            nummer, staff.roles.account_id, app_id, targets[doel], values[doel]
        )
    return RedirectResponse(
        f"/schoolloket/scholen/{nummer}/applicaties#app-{app_id}", status_code=303
    )


@router.post("/verbergen")
def verbergen(
    nummer: str,
    staff: StaffDep,
    csrf_token: Annotated[str, Form()] = "",
    visibility_id: Annotated[str, Form()] = "0",
) -> Response:
    """Hide an application again for one target."""
    check_csrf(staff, csrf_token)
    staff.require("applicaties.verbergen", nummer)
    hidden = parse_id(visibility_id, "Deze zichtbaarheid bestaat niet.")
    with refused_as_page("Verbergen kan niet"):
        staff.app.store.schoolloket.hide(nummer, staff.roles.account_id, hidden)
    return RedirectResponse(f"/schoolloket/scholen/{nummer}/applicaties", status_code=303)
