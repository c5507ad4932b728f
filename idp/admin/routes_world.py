"""Admin routes for schools, classes, pupils, accounts and enrolments."""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter, Query, Response

from datastore import (
    AdminAccount,
    AdminClass,
    AdminEnrolment,
    AdminPupil,
    AdminSchool,
)
from idp.admin.common import (
    UNKNOWN_FILTER,
    EndedDep,
    HashingDep,
    IdPath,
    KeyPath,
    Limit,
    Offset,
    SchoolPath,
    StoreDep,
)
from idp.admin.schemas_world import (
    AccountCreate,
    AccountUpdate,
    ClassCreate,
    ClassUpdate,
    EnrolmentCreate,
    EnrolmentUpdate,
    PupilCreate,
    PupilUpdate,
    SchoolCreate,
    SchoolUpdate,
)

__all__ = ["add_world_routes"]


def add_world_routes(router: APIRouter) -> None:
    _schools(router)
    _pupils(router)
    _accounts(router)
    _enrolments(router)


def _schools(router: APIRouter) -> None:
    tags: list[str | Enum] = ["schools and classes"]

    @router.get("/schools", tags=tags)
    def list_schools(store: StoreDep) -> list[AdminSchool]:
        """Every school, by instellingsnummer."""
        return store.admin.schools()

    @router.post("/schools", status_code=201, tags=tags)
    def create_school(body: SchoolCreate, store: StoreDep) -> AdminSchool:
        """Add a school; a taken instellingsnummer is 409."""
        return store.admin.create_school(body.model_dump(exclude_unset=True))

    @router.get("/schools/{instellingsnummer}", tags=tags)
    def read_school(instellingsnummer: SchoolPath, store: StoreDep) -> AdminSchool:
        return store.admin.school(instellingsnummer)

    @router.patch("/schools/{instellingsnummer}", tags=tags)
    def update_school(
        instellingsnummer: SchoolPath, body: SchoolUpdate, store: StoreDep
    ) -> AdminSchool:
        return store.admin.update_school(instellingsnummer, body.model_dump(exclude_unset=True))

    @router.delete("/schools/{instellingsnummer}", status_code=204, tags=tags)
    def delete_school(instellingsnummer: SchoolPath, store: StoreDep) -> Response:
        """Delete a school with its classes, enrolments and visibility entries."""
        store.admin.delete_school(instellingsnummer)
        return Response(status_code=204)

    @router.get("/classes", tags=tags, responses=UNKNOWN_FILTER)
    def list_classes(
        store: StoreDep, school: str | None = Query(default=None, pattern=r"^[0-9]{6}$")
    ) -> list[AdminClass]:
        """Classes and subclasses, optionally of one school."""
        return store.admin.classes(school)

    @router.post("/classes", status_code=201, tags=tags)
    def create_class(body: ClassCreate, store: StoreDep) -> AdminClass:
        """Add a class; with ``parent`` a subclass of that class."""
        return store.admin.create_class(body.model_dump(exclude_unset=True))

    @router.get("/classes/{class_id}", tags=tags)
    def read_class(class_id: IdPath, store: StoreDep) -> AdminClass:
        return store.admin.class_(class_id)

    @router.patch("/classes/{class_id}", tags=tags)
    def update_class(class_id: IdPath, body: ClassUpdate, store: StoreDep) -> AdminClass:
        return store.admin.update_class(class_id, body.model_dump(exclude_unset=True))

    @router.delete("/classes/{class_id}", status_code=204, tags=tags)
    def delete_class(class_id: IdPath, store: StoreDep) -> Response:
        store.admin.delete_class(class_id)
        return Response(status_code=204)


def _pupils(router: APIRouter) -> None:
    tags: list[str | Enum] = ["pupils"]

    @router.get("/pupils", tags=tags)
    def list_pupils(store: StoreDep, offset: Offset = 0, limit: Limit = 100) -> list[AdminPupil]:
        return store.admin.pupils(offset=offset, limit=limit)

    @router.post("/pupils", status_code=201, tags=tags)
    def create_pupil(body: PupilCreate, store: StoreDep, hashing: HashingDep) -> AdminPupil:
        """Add a pupil, optionally with a first account and an enrolment.

        With an INSZ the pupil is identified and gets a leer_id_uuid; without one, the account
        is temporary.
        """
        password_hash = hashing.hash(body.account.password) if body.account else None
        values = body.model_dump(exclude_unset=True)
        if body.account is not None:
            values["account"].pop("password")
        return store.admin.create_pupil(values, password_hash)

    @router.get("/pupils/{pupil_id}", tags=tags)
    def read_pupil(pupil_id: IdPath, store: StoreDep) -> AdminPupil:
        return store.admin.pupil(pupil_id)

    @router.patch("/pupils/{pupil_id}", tags=tags)
    def update_pupil(pupil_id: IdPath, body: PupilUpdate, store: StoreDep) -> AdminPupil:
        return store.admin.update_pupil(pupil_id, body.model_dump(exclude_unset=True))

    @router.delete("/pupils/{pupil_id}", status_code=204, tags=tags)
    def delete_pupil(pupil_id: IdPath, store: StoreDep, ended: EndedDep) -> Response:
        """Delete a pupil with their accounts and enrolments."""
        store.admin.delete_pupil(pupil_id, on_ended=ended)
        return Response(status_code=204)


def _accounts(router: APIRouter) -> None:
    tags: list[str | Enum] = ["accounts"]

    @router.get("/accounts", tags=tags)
    def list_accounts(
        store: StoreDep,
        kind: str | None = Query(default=None, pattern="^(pupil|staff)$"),
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> list[AdminAccount]:
        return store.admin.accounts(kind=kind, offset=offset, limit=limit)

    @router.post("/accounts", status_code=201, tags=tags)
    def create_account(body: AccountCreate, store: StoreDep, hashing: HashingDep) -> AdminAccount:
        """Add an account to a pupil or staff member; the password is stored as argon2id."""
        values = body.model_dump(exclude_unset=True)
        values.pop("password")
        return store.admin.create_account(values, hashing.hash(body.password))

    @router.get("/accounts/{account}", tags=tags)
    def read_account(account: KeyPath, store: StoreDep) -> AdminAccount:
        """An account by username or account_uuid."""
        return store.admin.account(account)

    @router.patch("/accounts/{account}", tags=tags)
    def update_account(
        account: KeyPath,
        body: AccountUpdate,
        store: StoreDep,
        hashing: HashingDep,
        ended: EndedDep,
    ) -> AdminAccount:
        """Change an account (by username or account_uuid): a new password, status, username.

        ``status: disabled`` stops the account at once: its SSO sessions end (with back-channel
        logout), its tokens and unredeemed codes stop working, its Schoolloket session ends.
        """
        values = body.model_dump(exclude_unset=True)
        password = values.pop("password", None)
        password_hash = hashing.hash(password) if password else None
        return store.admin.update_account(account, values, password_hash, on_ended=ended)

    @router.delete("/accounts/{account}", status_code=204, tags=tags)
    def delete_account(account: KeyPath, store: StoreDep, ended: EndedDep) -> Response:
        """Delete an account; its sessions end first, as when it is disabled."""
        store.admin.delete_account(account, on_ended=ended)
        return Response(status_code=204)


def _enrolments(router: APIRouter) -> None:
    tags: list[str | Enum] = ["enrolments"]

    @router.get("/enrolments", tags=tags, responses=UNKNOWN_FILTER)
    def list_enrolments(
        store: StoreDep,
        pupil_id: int | None = Query(default=None, ge=1, le=2**31 - 1),
        school: str | None = Query(default=None, pattern=r"^[0-9]{6}$"),
        offset: Offset = 0,
        limit: Limit = 100,
    ) -> list[AdminEnrolment]:
        return store.admin.enrolments(pupil_id=pupil_id, school=school, offset=offset, limit=limit)

    @router.post("/enrolments", status_code=201, tags=tags)
    def create_enrolment(body: EnrolmentCreate, store: StoreDep) -> AdminEnrolment:
        """Enrol a pupil (pupil_id or the username of one of their accounts) at a school."""
        return store.admin.create_enrolment(body.model_dump(exclude_unset=True))

    @router.get("/enrolments/{enrolment_id}", tags=tags)
    def read_enrolment(enrolment_id: IdPath, store: StoreDep) -> AdminEnrolment:
        return store.admin.enrolment(enrolment_id)

    @router.patch("/enrolments/{enrolment_id}", tags=tags)
    def update_enrolment(
        enrolment_id: IdPath, body: EnrolmentUpdate, store: StoreDep
    ) -> AdminEnrolment:
        """Change an enrolment: e.g. ``end_date`` to end it, ``klas`` to move the pupil."""
        return store.admin.update_enrolment(enrolment_id, body.model_dump(exclude_unset=True))

    @router.delete("/enrolments/{enrolment_id}", status_code=204, tags=tags)
    def delete_enrolment(enrolment_id: IdPath, store: StoreDep) -> Response:
        store.admin.delete_enrolment(enrolment_id)
        return Response(status_code=204)
