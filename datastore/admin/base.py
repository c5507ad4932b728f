"""Shared machinery of the admin repositories: atomic changes and resolving natural keys."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from datastore.db.models import Account, Application, Base, Pupil, School, SchoolClass, Staff
from datastore.errors import Conflict, DatastoreError, NotFound

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["AdminBase", "InvalidField", "UnknownReference"]

M = TypeVar("M", bound=Base)


class InvalidField(DatastoreError):
    """A field of the input contradicts the world or the other fields (a 422 for that field)."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(message)


class UnknownReference(InvalidField, NotFound):
    """A field of the input names something that does not exist."""


class AdminBase:
    """Base of the admin repositories: one atomic transaction per change."""

    def __init__(self, store: Database) -> None:
        self._store = store

    @contextmanager
    def _change(self) -> Iterator[Session]:
        """One atomic change of the world, which every process sees at its next request.

        The generation counter grows in the same transaction, so each worker
        drops its cached clients, protocols and keys; a unique or foreign key that the database
        refuses becomes ``Conflict``.
        """
        try:
            with self._store.write() as session:
                yield session
                session.flush()
                self._store.clock.bump_generation(session)
        except IntegrityError as exc:
            raise Conflict(_integrity_message(exc)) from exc
        # Invalidate again after the commit: a read between the bump and the commit would
        # otherwise cache the old generation for up to a second in this process.
        self._store.clock.invalidate()

    # -- resolving references (natural keys)

    @staticmethod
    def _get(session: Session, model: type[M], id_: int, what: str) -> M:
        row = session.get(model, id_)
        if row is None:
            raise NotFound(f"no {what} with id {id_}")
        return row

    @staticmethod
    def _school(session: Session, instellingsnummer: str, field: str | None = None) -> School:
        school = session.scalar(select(School).where(School.instellingsnummer == instellingsnummer))
        if school is None:
            message = f"no school with instellingsnummer {instellingsnummer!r}"
            raise UnknownReference(field, message) if field else NotFound(message)
        return school

    @staticmethod
    def _class(session: Session, school: School, name: str, field: str) -> SchoolClass:
        klass = session.scalar(
            select(SchoolClass).where(SchoolClass.school_id == school.id, SchoolClass.name == name)
        )
        if klass is None:
            raise UnknownReference(
                field, f"school {school.instellingsnummer} has no class {name!r}"
            )
        return klass

    @staticmethod
    def _application(session: Session, key: str, field: str | None = None) -> Application:
        application = session.scalar(select(Application).where(Application.key == key))
        if application is None:
            message = f"no application with key {key!r}"
            raise UnknownReference(field, message) if field else NotFound(message)
        return application

    @staticmethod
    def _account(session: Session, key: str, field: str | None = None) -> Account:
        """An account by username or account_uuid."""
        account = session.scalar(select(Account).where(Account.username == key))
        if account is None:
            account = session.scalar(select(Account).where(Account.account_uuid == key))
        if account is None:
            message = f"no account with username or account_uuid {key!r}"
            raise UnknownReference(field, message) if field else NotFound(message)
        return account

    def _pupil_ref(self, session: Session, values: Mapping[str, Any]) -> Pupil:
        """The pupil named by ``pupil_id`` or by the ``username`` of one of their accounts."""
        if values.get("pupil_id") is not None:
            pupil = session.get(Pupil, values["pupil_id"])
            if pupil is None:
                raise UnknownReference("pupil_id", f"no pupil with id {values['pupil_id']}")
            return pupil
        if values.get("username") is not None:
            account = self._account(session, values["username"], "username")
            if account.pupil_id is None:
                raise UnknownReference("username", f"{values['username']!r} is not a pupil")
            return self._get(session, Pupil, account.pupil_id, "pupil")
        raise UnknownReference("pupil_id", "give pupil_id or username")

    def _staff_ref(self, session: Session, values: Mapping[str, Any]) -> Staff:
        """The staff member named by ``staff_id`` or by the ``username`` of their account."""
        if values.get("staff_id") is not None:
            staff = session.get(Staff, values["staff_id"])
            if staff is None:
                raise UnknownReference("staff_id", f"no staff member with id {values['staff_id']}")
            return staff
        if values.get("username") is not None:
            account = self._account(session, values["username"], "username")
            if account.staff_id is None:
                raise UnknownReference("username", f"{values['username']!r} is not staff")
            return self._get(session, Staff, account.staff_id, "staff member")
        raise UnknownReference("staff_id", "give staff_id or username")


def _integrity_message(exc: IntegrityError) -> str:
    text = str(exc.orig).splitlines()[0] if exc.orig is not None else str(exc)
    return f"the change contradicts the world: {text}"
