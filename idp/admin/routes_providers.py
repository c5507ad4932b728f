"""Admin routes for organisations, applications, clients, protocols and application visibility."""

from __future__ import annotations

from enum import Enum

from fastapi import APIRouter, Query, Response

from datastore import (
    AdminApplication,
    AdminClient,
    AdminOrganisation,
    AdminProtocol,
    AdminVisibility,
)
from idp.admin.common import UNKNOWN_FILTER, IdPath, KeyPath, StoreDep
from idp.admin.schemas_providers import (
    ApplicationCreate,
    ApplicationUpdate,
    ClientCreate,
    ClientUpdate,
    OrganisationCreate,
    OrganisationUpdate,
    ProtocolCreate,
    ProtocolUpdate,
    VisibilityCreate,
)

__all__ = ["add_providers_routes"]

KeyFilter = Query(default=None, max_length=120, pattern=r"^[A-Za-z0-9._:-]+$")


def add_providers_routes(router: APIRouter) -> None:
    _organisations(router)
    _clients(router)
    _protocols(router)


def _organisations(router: APIRouter) -> None:
    tags: list[str | Enum] = ["organisations and applications"]

    @router.get("/organisations", tags=tags)
    def list_organisations(store: StoreDep) -> list[AdminOrganisation]:
        return store.admin.organisations()

    @router.post("/organisations", status_code=201, tags=tags)
    def create_organisation(body: OrganisationCreate, store: StoreDep) -> AdminOrganisation:
        """Add a service provider (dienstenleverancier)."""
        return store.admin.create_organisation(body.model_dump(exclude_unset=True))

    @router.get("/organisations/{organisation_id}", tags=tags)
    def read_organisation(organisation_id: IdPath, store: StoreDep) -> AdminOrganisation:
        return store.admin.organisation(organisation_id)

    @router.patch("/organisations/{organisation_id}", tags=tags)
    def update_organisation(
        organisation_id: IdPath, body: OrganisationUpdate, store: StoreDep
    ) -> AdminOrganisation:
        return store.admin.update_organisation(organisation_id, body.model_dump(exclude_unset=True))

    @router.delete("/organisations/{organisation_id}", status_code=204, tags=tags)
    def delete_organisation(organisation_id: IdPath, store: StoreDep) -> Response:
        """Delete an organisation with its applications, clients and protocols."""
        store.admin.delete_organisation(organisation_id)
        return Response(status_code=204)

    @router.get("/applications", tags=tags)
    def list_applications(store: StoreDep) -> list[AdminApplication]:
        return store.admin.applications()

    @router.post("/applications", status_code=201, tags=tags)
    def create_application(body: ApplicationCreate, store: StoreDep) -> AdminApplication:
        """Add a learning application of an organisation (by the organisation's name)."""
        return store.admin.create_application(body.model_dump(exclude_unset=True))

    @router.get("/applications/{key}", tags=tags)
    def read_application(key: KeyPath, store: StoreDep) -> AdminApplication:
        return store.admin.application(key)

    @router.patch("/applications/{key}", tags=tags)
    def update_application(
        key: KeyPath, body: ApplicationUpdate, store: StoreDep
    ) -> AdminApplication:
        return store.admin.update_application(key, body.model_dump(exclude_unset=True))

    @router.delete("/applications/{key}", status_code=204, tags=tags)
    def delete_application(key: KeyPath, store: StoreDep) -> Response:
        store.admin.delete_application(key)
        return Response(status_code=204)


def _clients(router: APIRouter) -> None:
    tags: list[str | Enum] = ["clients"]

    @router.get("/clients", tags=tags, responses=UNKNOWN_FILTER)
    def list_clients(store: StoreDep, application: str | None = KeyFilter) -> list[AdminClient]:
        """Registered clients (never their secrets)."""
        return store.admin.admin_clients(application=application)

    @router.post("/clients", status_code=201, tags=tags)
    def create_client(body: ClientCreate, store: StoreDep) -> AdminClient:
        """Register a client. The answer holds ``client_secret``: the only time it is shown.

        It applies at the next request of every worker (no restart).
        """
        return store.admin.create_client(body.model_dump(exclude_unset=True))

    @router.get("/clients/{client_id}", tags=tags)
    def read_client(client_id: KeyPath, store: StoreDep) -> AdminClient:
        return store.admin.admin_client(client_id)

    @router.patch("/clients/{client_id}", tags=tags)
    def update_client(client_id: KeyPath, body: ClientUpdate, store: StoreDep) -> AdminClient:
        """Change a client; a new ``client_secret`` replaces the old one."""
        return store.admin.update_client(client_id, body.model_dump(exclude_unset=True))

    @router.delete("/clients/{client_id}", status_code=204, tags=tags)
    def delete_client(client_id: KeyPath, store: StoreDep) -> Response:
        store.admin.delete_client(client_id)
        return Response(status_code=204)


def _protocols(router: APIRouter) -> None:
    tags: list[str | Enum] = ["protocols and visibility"]

    @router.get("/protocols", tags=tags)
    def list_protocols(store: StoreDep) -> list[AdminProtocol]:
        return store.admin.protocols()

    @router.post("/protocols", status_code=201, tags=tags)
    def create_protocol(body: ProtocolCreate, store: StoreDep) -> AdminProtocol:
        """Add the protocol of an application (article 3: the attributes it may receive)."""
        return store.admin.create_protocol(body.model_dump(exclude_unset=True))

    @router.get("/protocols/{application}", tags=tags)
    def read_protocol(application: KeyPath, store: StoreDep) -> AdminProtocol:
        """The protocol of an application (by application key)."""
        return store.admin.protocol(application)

    @router.patch("/protocols/{application}", tags=tags)
    def update_protocol(
        application: KeyPath, body: ProtocolUpdate, store: StoreDep
    ) -> AdminProtocol:
        """Change a protocol; ``{"status": "ended"}`` ends it (DOV art. 8), at once."""
        return store.admin.update_protocol(application, body.model_dump(exclude_unset=True))

    @router.delete("/protocols/{application}", status_code=204, tags=tags)
    def delete_protocol(application: KeyPath, store: StoreDep) -> Response:
        store.admin.delete_protocol(application)
        return Response(status_code=204)

    @router.get("/visibility", tags=tags, responses=UNKNOWN_FILTER)
    def list_visibility(
        store: StoreDep,
        application: str | None = KeyFilter,
        school: str | None = Query(default=None, pattern=r"^[0-9]{6}$"),
    ) -> list[AdminVisibility]:
        """Which applications are visible to which pupils, classes and schools."""
        return store.admin.visibility(application=application, school=school)

    @router.post("/visibility", status_code=201, tags=tags)
    def create_visibility(body: VisibilityCreate, store: StoreDep) -> AdminVisibility:
        """Make an application visible to a pupil, a (sub)class (and its subclasses) or a school."""
        return store.admin.create_visibility(body.model_dump(exclude_unset=True))

    @router.get("/visibility/{visibility_id}", tags=tags)
    def read_visibility(visibility_id: IdPath, store: StoreDep) -> AdminVisibility:
        return store.admin.visibility_entry(visibility_id)

    @router.delete("/visibility/{visibility_id}", status_code=204, tags=tags)
    def delete_visibility(visibility_id: IdPath, store: StoreDep) -> Response:
        store.admin.delete_visibility(visibility_id)
        return Response(status_code=204)
