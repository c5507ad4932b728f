"""Admin changes to service providers: organisations, applications and their protocols."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datastore.admin.base import AdminBase, UnknownReference
from datastore.db.models import Application, Client, Organisation, Protocol
from datastore.db.upsert import upsert
from datastore.errors import AlreadyExists, NotFound
from datastore.records.admin import AdminApplication, AdminOrganisation, AdminProtocol

__all__ = [
    "PROTOCOL_FIELDS",
    "ProviderAdmin",
    "upsert_application",
    "upsert_organisation",
    "upsert_protocol",
]

PROTOCOL_FIELDS = (
    "reference",
    "attributes",
    "purpose",
    "disclosure_legal_basis",
    "processing_legal_basis",
    "retention_days",
    "inactive_account_deletion_days",
    "status",
    "signed_on",
    "source_document",
)


def _organisation_record(session: Session, row: Organisation) -> AdminOrganisation:
    keys = session.scalars(
        select(Application.key)
        .where(Application.organisation_id == row.id)
        .order_by(Application.key)
    ).all()
    return AdminOrganisation(id=row.id, name=row.name, applications=tuple(keys))


def _application_record(session: Session, row: Application) -> AdminApplication:
    organisation = session.get(Organisation, row.organisation_id)
    client_ids = session.scalars(
        select(Client.client_id).where(Client.application_id == row.id).order_by(Client.client_id)
    ).all()
    has_protocol = session.scalar(select(Protocol.id).where(Protocol.application_id == row.id))
    return AdminApplication(
        id=row.id,
        key=row.key,
        name=row.name,
        organisation=organisation.name if organisation is not None else "",
        client_ids=tuple(client_ids),
        has_protocol=has_protocol is not None,
    )


def protocol_admin_record(session: Session, row: Protocol) -> AdminProtocol:
    application = session.get(Application, row.application_id)
    organisation = (
        session.get(Organisation, application.organisation_id) if application is not None else None
    )
    return AdminProtocol(
        id=row.id,
        application=application.key if application is not None else "",
        organisation=organisation.name if organisation is not None else "",
        reference=row.reference,
        attributes=tuple(row.attributes),
        purpose=row.purpose,
        disclosure_legal_basis=row.disclosure_legal_basis,
        processing_legal_basis=row.processing_legal_basis,
        retention_days=row.retention_days,
        inactive_account_deletion_days=row.inactive_account_deletion_days,
        status=row.status,
        signed_on=row.signed_on,
        status_changed_at=row.status_changed_at,
        source_document=row.source_document,
    )


def upsert_organisation(session: Session, name: str) -> Organisation:
    """Within ``session``: the organisation of this name, made when not yet (world loading)."""
    return upsert(session, Organisation, [Organisation.name == name], name=name)


def upsert_application(
    session: Session, key: str, *, name: str, organisation_id: int
) -> Application:
    """Within ``session``: the application ``key`` with this name and organisation; only what
    differs changes (world loading)."""
    return upsert(
        session,
        Application,
        [Application.key == key],
        key=key,
        name=name,
        organisation_id=organisation_id,
    )


def upsert_protocol(session: Session, application_id: int, **values: Any) -> Protocol:
    """Within ``session``: the application's protocol with DOV, made or changed to ``values``
    (world loading)."""
    return upsert(
        session,
        Protocol,
        [Protocol.application_id == application_id],
        application_id=application_id,
        **values,
    )


class ProviderAdmin(AdminBase):
    """Organisations (dienstenleveranciers), applications (by key) and protocols."""

    def organisations(self) -> list[AdminOrganisation]:
        with self._store.read() as session:
            rows = session.scalars(select(Organisation).order_by(Organisation.name)).all()
            return [_organisation_record(session, o) for o in rows]

    def organisation(self, organisation_id: int) -> AdminOrganisation:
        with self._store.read() as session:
            row = self._get(session, Organisation, organisation_id, "organisation")
            return _organisation_record(session, row)

    def create_organisation(self, values: Mapping[str, Any]) -> AdminOrganisation:
        with self._change() as session:
            self._unique_organisation(session, values["name"])
            row = Organisation(name=values["name"])
            session.add(row)
            session.flush()
            return _organisation_record(session, row)

    def update_organisation(
        self, organisation_id: int, values: Mapping[str, Any]
    ) -> AdminOrganisation:
        with self._change() as session:
            row = self._get(session, Organisation, organisation_id, "organisation")
            if values.get("name") is not None and values["name"] != row.name:
                self._unique_organisation(session, values["name"])
                row.name = values["name"]
            session.flush()
            return _organisation_record(session, row)

    def delete_organisation(self, organisation_id: int) -> None:
        with self._change() as session:
            session.delete(self._get(session, Organisation, organisation_id, "organisation"))

    def _organisation_ref(self, session: Session, name: str) -> Organisation:
        row = session.scalar(select(Organisation).where(Organisation.name == name))
        if row is None:
            raise UnknownReference("organisation", f"no organisation named {name!r}")
        return row

    @staticmethod
    def _unique_organisation(session: Session, name: str) -> None:
        if session.scalar(select(Organisation.id).where(Organisation.name == name)) is not None:
            raise AlreadyExists(f"an organisation named {name!r} exists")

    # -- applications

    def applications(self) -> list[AdminApplication]:
        with self._store.read() as session:
            rows = session.scalars(select(Application).order_by(Application.key)).all()
            return [_application_record(session, a) for a in rows]

    def application(self, key: str) -> AdminApplication:
        with self._store.read() as session:
            return _application_record(session, self._application(session, key))

    def create_application(self, values: Mapping[str, Any]) -> AdminApplication:
        with self._change() as session:
            if session.scalar(select(Application.id).where(Application.key == values["key"])):
                raise AlreadyExists(f"an application with key {values['key']!r} exists")
            organisation = self._organisation_ref(session, values["organisation"])
            self._unique_application_name(session, organisation, values["name"])
            row = Application(
                organisation_id=organisation.id, name=values["name"], key=values["key"]
            )
            session.add(row)
            session.flush()
            return _application_record(session, row)

    def update_application(self, key: str, values: Mapping[str, Any]) -> AdminApplication:
        with self._change() as session:
            row = self._application(session, key)
            if values.get("organisation") is not None:
                row.organisation_id = self._organisation_ref(session, values["organisation"]).id
            if values.get("name") is not None and values["name"] != row.name:
                organisation = self._get(session, Organisation, row.organisation_id, "organisation")
                self._unique_application_name(session, organisation, values["name"])
                row.name = values["name"]
            session.flush()
            return _application_record(session, row)

    def delete_application(self, key: str) -> None:
        with self._change() as session:
            session.delete(self._application(session, key))

    @staticmethod
    def _unique_application_name(session: Session, organisation: Organisation, name: str) -> None:
        taken = session.scalar(
            select(Application.id).where(
                Application.organisation_id == organisation.id, Application.name == name
            )
        )
        if taken is not None:
            raise AlreadyExists(f"{organisation.name} has an application named {name!r}")

    # -- protocols (one per application; ending or suspending one is a status change)

    def protocols(self) -> list[AdminProtocol]:
        with self._store.read() as session:
            rows = session.scalars(select(Protocol).order_by(Protocol.id)).all()
            return [protocol_admin_record(session, p) for p in rows]

    def protocol(self, application: str) -> AdminProtocol:
        with self._store.read() as session:
            return protocol_admin_record(session, self._protocol(session, application))

    def create_protocol(self, values: Mapping[str, Any]) -> AdminProtocol:
        with self._change() as session:
            application = self._application(session, values["application"], "application")
            if session.scalar(select(Protocol.id).where(Protocol.application_id == application.id)):
                raise AlreadyExists(f"application {application.key!r} has a protocol already")
            row = Protocol(application_id=application.id, status="active")
            for field in PROTOCOL_FIELDS:
                if field in values:
                    setattr(row, field, values[field])
            row.attributes = list(values["attributes"])
            row.status_changed_at = self._store.clock.now()
            session.add(row)
            session.flush()
            return protocol_admin_record(session, row)

    def update_protocol(self, application: str, values: Mapping[str, Any]) -> AdminProtocol:
        """Change a protocol; a new ``status`` (ended, suspended) applies to the next request."""
        with self._change() as session:
            row = self._protocol(session, application)
            if values.get("status") is not None and values["status"] != row.status:
                row.status_changed_at = self._store.clock.now()
            for field in PROTOCOL_FIELDS:
                if field in values and (
                    values[field] is not None
                    or field in ("inactive_account_deletion_days", "signed_on", "source_document")
                ):
                    setattr(row, field, values[field])
            if values.get("attributes") is not None:
                row.attributes = list(values["attributes"])
            session.flush()
            return protocol_admin_record(session, row)

    def delete_protocol(self, application: str) -> None:
        with self._change() as session:
            session.delete(self._protocol(session, application))

    def _protocol(self, session: Session, application_key: str) -> Protocol:
        application = self._application(session, application_key)
        row = session.scalar(select(Protocol).where(Protocol.application_id == application.id))
        if row is None:
            raise NotFound(f"application {application_key!r} has no protocol")
        return row
