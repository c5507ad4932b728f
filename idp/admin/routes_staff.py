"""Admin routes for staff, director assignments, LeerID-beheerder grants and class sharing."""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter, Query, Response

from datastore import (
    AdminAssignment,
    AdminGrant,
    AdminStaff,
    ClassSharingState,
    InvalidField,
    NotFound,
)
from idp.admin.common import UNKNOWN_FILTER, EndedDep, HashingDep, IdPath, SchoolPath, StoreDep
from idp.admin.schemas_staff import (
    AssignmentCreate,
    AssignmentUpdate,
    ClassSharingUpdate,
    GrantCreate,
    StaffCreate,
    StaffUpdate,
)

__all__ = ["add_staff_routes"]

SchoolFilter = Query(default=None, pattern=r"^[0-9]{6}$")


def add_staff_routes(router: APIRouter) -> None:
    _staff(router)
    _roles(router)


def _staff(router: APIRouter) -> None:
    tags: list[str | Enum] = ["staff"]

    @router.get("/staff", tags=tags)
    def list_staff(store: StoreDep) -> list[AdminStaff]:
        return store.admin.staff()

    @router.post("/staff", status_code=201, tags=tags)
    def create_staff(body: StaffCreate, store: StoreDep, hashing: HashingDep) -> AdminStaff:
        """Add a staff member, optionally with an account."""
        password_hash = hashing.hash(body.account.password) if body.account else None
        values = body.model_dump(exclude_unset=True)
        if body.account is not None:
            values["account"].pop("password")
        return store.admin.create_staff(values, password_hash)

    @router.get("/staff/{staff_id}", tags=tags)
    def read_staff(staff_id: IdPath, store: StoreDep) -> AdminStaff:
        return store.admin.staff_member(staff_id)

    @router.patch("/staff/{staff_id}", tags=tags)
    def update_staff(staff_id: IdPath, body: StaffUpdate, store: StoreDep) -> AdminStaff:
        return store.admin.update_staff(staff_id, body.model_dump(exclude_unset=True))

    @router.delete("/staff/{staff_id}", status_code=204, tags=tags)
    def delete_staff(staff_id: IdPath, store: StoreDep, ended: EndedDep) -> Response:
        store.admin.delete_staff(staff_id, on_ended=ended)
        return Response(status_code=204)


def _roles(router: APIRouter) -> None:
    tags: list[str | Enum] = ["staff roles and class sharing"]

    @router.get("/director-assignments", tags=tags, responses=UNKNOWN_FILTER)
    def list_assignments(
        store: StoreDep,
        school: str | None = SchoolFilter,
        staff_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
    ) -> list[AdminAssignment]:
        return store.admin.assignments(school=school, staff_id=staff_id)

    @router.post("/director-assignments", status_code=201, tags=tags)
    def create_assignment(body: AssignmentCreate, store: StoreDep) -> AdminAssignment:
        """Add a director's assignment; once sent, it makes a LeerID-databeheerder for its dates."""
        return store.admin.create_assignment(body.model_dump(exclude_unset=True))

    @router.get("/director-assignments/{assignment_id}", tags=tags)
    def read_assignment(assignment_id: IdPath, store: StoreDep) -> AdminAssignment:
        return store.admin.assignment(assignment_id)

    @router.patch("/director-assignments/{assignment_id}", tags=tags)
    def update_assignment(
        assignment_id: IdPath, body: AssignmentUpdate, store: StoreDep
    ) -> AdminAssignment:
        return store.admin.update_assignment(assignment_id, body.model_dump(exclude_unset=True))

    @router.delete("/director-assignments/{assignment_id}", status_code=204, tags=tags)
    def delete_assignment(assignment_id: IdPath, store: StoreDep) -> Response:
        store.admin.delete_assignment(assignment_id)
        return Response(status_code=204)

    @router.get("/beheerder-grants", tags=tags, responses=UNKNOWN_FILTER)
    def list_grants(store: StoreDep, school: str | None = SchoolFilter) -> list[AdminGrant]:
        return store.admin.grants(school=school)

    @router.post("/beheerder-grants", status_code=201, tags=tags)
    def create_grant(body: GrantCreate, store: StoreDep) -> AdminGrant:
        """Make a staff member LeerID-beheerder of a school."""
        return store.admin.create_grant(body.model_dump(exclude_unset=True))

    @router.get("/beheerder-grants/{grant_id}", tags=tags)
    def read_grant(grant_id: IdPath, store: StoreDep) -> AdminGrant:
        return store.admin.grant(grant_id)

    @router.delete("/beheerder-grants/{grant_id}", status_code=204, tags=tags)
    def delete_grant(grant_id: IdPath, store: StoreDep) -> Response:
        store.admin.delete_grant(grant_id)
        return Response(status_code=204)

    @router.get("/schools/{instellingsnummer}/class-sharing", tags=tags)
    def read_class_sharing(instellingsnummer: SchoolPath, store: StoreDep) -> ClassSharingState:
        """Whether the school shares class information, and who accepted its protocol when."""
        return store.admin.class_sharing(instellingsnummer)

    @router.put("/schools/{instellingsnummer}/class-sharing", tags=tags)
    def set_class_sharing(
        instellingsnummer: SchoolPath, body: ClassSharingUpdate, store: StoreDep
    ) -> ClassSharingState:
        """Activate (accepting the school-to-DOV protocol) or stop class sharing.

        Only schools on Broekx or Informat can activate it (409 otherwise).
        """
        staff_id = None
        if body.username is not None:
            try:
                staff_id = store.admin.account(body.username).staff_id
            except NotFound as exc:
                raise InvalidField("username", str(exc)) from exc
        return store.admin.set_class_sharing(instellingsnummer, body.active, staff_id)
