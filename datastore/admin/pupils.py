"""The one writer of the ``account_history`` and ``enrolments`` tables; admin changes to pupils
and their historiek (old account_uuids) and enrolments.

The admin API's changes (``PupilAdmin``) and the functions other modules call to change these
tables within their own transaction (world loading, the Schoolloket's class-information files,
the retention purge).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from datastore.admin.accounts import AccountAdmin, EndedHandler, tell_ended
from datastore.admin.base import InvalidField
from datastore.db.models import Account, AccountHistory, Enrolment, Pupil, School, SchoolClass
from datastore.db.results import rowcount
from datastore.db.upsert import upsert
from datastore.errors import AlreadyExists
from datastore.records.admin import AdminEnrolment, AdminPupil
from datastore.vocabulary import PUPIL_DETAILS

__all__ = [
    "PupilAdmin",
    "add_old_account_uuid",
    "forget_class_placements",
    "place_in_class",
    "upsert_enrolment",
    "upsert_pupil",
]


def add_old_account_uuid(
    session: Session, pupil_id: int, old_account_uuid: str, replaced_at: dt.datetime | None
) -> AccountHistory:
    """Within ``session``: an old account_uuid that stood for the pupil (their historiek)."""
    row = AccountHistory(
        pupil_id=pupil_id, old_account_uuid=old_account_uuid, replaced_at=replaced_at
    )
    session.add(row)
    return row


def place_in_class(enrolment: Enrolment, class_id: int, now: dt.datetime) -> None:
    """Within the session that loaded ``enrolment``: its (sub)class from ``now`` on."""
    enrolment.class_id = class_id
    enrolment.class_set_at = now


def upsert_enrolment(
    session: Session,
    pupil_id: int,
    school_id: int,
    start_date: dt.date,
    *,
    end_date: dt.date | None,
    class_id: int | None,
    class_set_at: dt.datetime | None,
) -> Enrolment:
    """Within ``session``: the enrolment keyed by (pupil, school, start date), made or changed
    to these values; only what differs changes (world loading)."""
    return upsert(
        session,
        Enrolment,
        [
            Enrolment.pupil_id == pupil_id,
            Enrolment.school_id == school_id,
            Enrolment.start_date == start_date,
        ],
        pupil_id=pupil_id,
        school_id=school_id,
        start_date=start_date,
        end_date=end_date,
        class_id=class_id,
        class_set_at=class_set_at,
    )


def forget_class_placements(session: Session, ended_before: dt.date) -> int:
    """Within ``session``: drop the class of every enrolment that ended before ``ended_before``
    (class information is kept until one year after the enrolment ends); how many there were."""
    result = session.execute(
        update(Enrolment)
        .where(Enrolment.end_date < ended_before, Enrolment.class_id.is_not(None))
        .values(class_id=None, class_set_at=None)
    )
    return rowcount(result)


def _pupil_record(session: Session, pupil: Pupil) -> AdminPupil:
    historiek = session.scalars(
        select(AccountHistory.old_account_uuid)
        .where(AccountHistory.pupil_id == pupil.id)
        .order_by(AccountHistory.id)
    ).all()
    usernames = session.scalars(
        select(Account.username).where(Account.pupil_id == pupil.id).order_by(Account.id)
    ).all()
    return AdminPupil(
        id=pupil.id,
        **{name: getattr(pupil, name) for name in PUPIL_DETAILS},
        insz=pupil.insz,
        leer_id_uuid=pupil.leer_id_uuid,
        historiek_account_uuids=tuple(historiek),
        accounts=tuple(usernames),
    )


def _enrolment_record(session: Session, enrolment: Enrolment) -> AdminEnrolment:
    school = session.get(School, enrolment.school_id)
    klass = session.get(SchoolClass, enrolment.class_id) if enrolment.class_id else None
    return AdminEnrolment(
        id=enrolment.id,
        pupil_id=enrolment.pupil_id,
        school=school.instellingsnummer if school is not None else "",
        klas=klass.name if klass is not None else None,
        start_date=enrolment.start_date,
        end_date=enrolment.end_date,
    )


def upsert_pupil(session: Session, pupil_id: int | None, **values: Any) -> Pupil:
    """Within ``session``: the pupil ``pupil_id`` (a new one for ``None``), made or changed to
    ``values`` (world loading)."""
    return upsert(session, Pupil, [Pupil.id == pupil_id], **values)


class PupilAdmin(AccountAdmin):
    """Pupils (with an optional first account and enrolment) and enrolments."""

    def pupils(self, *, offset: int = 0, limit: int = 100) -> list[AdminPupil]:
        with self._store.read() as session:
            rows = session.scalars(select(Pupil).order_by(Pupil.id).offset(offset).limit(limit))
            return [_pupil_record(session, p) for p in rows.all()]

    def pupil(self, pupil_id: int) -> AdminPupil:
        with self._store.read() as session:
            return _pupil_record(session, self._get(session, Pupil, pupil_id, "pupil"))

    def create_pupil(
        self, values: Mapping[str, Any], password_hash: str | None = None
    ) -> AdminPupil:
        """A pupil; with ``account`` and ``enrolment`` also their first account and enrolment.

        An identified pupil (with INSZ) gets a fresh leer_id_uuid unless one is given.
        """
        with self._change() as session:
            insz = values.get("insz")
            leer_id_uuid = values.get("leer_id_uuid")
            if leer_id_uuid is not None and insz is None:
                raise InvalidField("leer_id_uuid", "only a pupil with an INSZ has a leer_id_uuid")
            if insz is not None:
                leer_id_uuid = leer_id_uuid or str(uuid.uuid4())
                self._unique(session, Pupil.insz, insz, "insz")
                self._unique(session, Pupil.leer_id_uuid, leer_id_uuid, "leer_id_uuid")
            pupil = Pupil(
                **{name: values.get(name) for name in PUPIL_DETAILS},
                insz=insz,
                leer_id_uuid=leer_id_uuid,
            )
            session.add(pupil)
            session.flush()
            self._set_historiek(session, pupil, values.get("historiek_account_uuids") or [])
            account = values.get("account")
            if account is not None:
                if password_hash is None:
                    raise InvalidField("account", "the account needs a password")
                self._add_account(
                    session,
                    {**account, "is_temporary": account.get("is_temporary", insz is None)},
                    password_hash,
                    pupil_id=pupil.id,
                )
            enrolment = values.get("enrolment")
            if enrolment is not None:
                self._add_enrolment(session, pupil, enrolment, prefix="enrolment.")
            session.flush()
            return _pupil_record(session, pupil)

    def update_pupil(self, pupil_id: int, values: Mapping[str, Any]) -> AdminPupil:
        with self._change() as session:
            pupil = self._get(session, Pupil, pupil_id, "pupil")
            for name, detail in PUPIL_DETAILS.items():
                # A required detail cannot be cleared; any other may be set to null.
                if name in values and (values[name] is not None or not detail.required):
                    setattr(pupil, name, values[name])
            if "insz" in values and values["insz"] != pupil.insz:
                if values["insz"] is not None:
                    self._unique(session, Pupil.insz, values["insz"], "insz")
                pupil.insz = values["insz"]
            if "leer_id_uuid" in values and values["leer_id_uuid"] != pupil.leer_id_uuid:
                if values["leer_id_uuid"] is not None:
                    self._unique(
                        session, Pupil.leer_id_uuid, values["leer_id_uuid"], "leer_id_uuid"
                    )
                pupil.leer_id_uuid = values["leer_id_uuid"]
            if pupil.insz is None and "insz" in values:
                pupil.leer_id_uuid = None  # an unidentified pupil has no LeerID
            if pupil.leer_id_uuid is not None and pupil.insz is None:
                raise InvalidField("leer_id_uuid", "only a pupil with an INSZ has a leer_id_uuid")
            if pupil.insz is not None and pupil.leer_id_uuid is None:
                pupil.leer_id_uuid = str(uuid.uuid4())
            if values.get("historiek_account_uuids") is not None:
                self._set_historiek(session, pupil, values["historiek_account_uuids"])
            session.flush()
            return _pupil_record(session, pupil)

    def delete_pupil(self, pupil_id: int, *, on_ended: EndedHandler | None = None) -> None:
        """Delete a pupil with their accounts, whose sessions and tokens end first."""
        with self._change() as session:
            pupil = self._get(session, Pupil, pupil_id, "pupil")
            ended = self._end_accounts_of(session, pupil_id=pupil.id)
            session.delete(pupil)
        tell_ended(on_ended, ended)

    def _set_historiek(self, session: Session, pupil: Pupil, uuids: list[str]) -> None:
        session.execute(delete(AccountHistory).where(AccountHistory.pupil_id == pupil.id))
        session.flush()
        for old in uuids:
            self._unique(session, AccountHistory.old_account_uuid, old, "historiek_account_uuids")
            add_old_account_uuid(session, pupil.id, old, self._store.clock.now())

    @staticmethod
    def _unique(session: Session, column: Any, value: str, field: str) -> None:
        if session.scalar(select(column).where(column == value)) is not None:
            raise AlreadyExists(f"{field} {value!r} is taken")

    # -- enrolments

    def enrolments(
        self,
        *,
        pupil_id: int | None = None,
        school: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> list[AdminEnrolment]:
        with self._store.read() as session:
            query = select(Enrolment).order_by(Enrolment.id).offset(offset).limit(limit)
            if pupil_id is not None:
                query = query.where(Enrolment.pupil_id == pupil_id)
            if school is not None:
                query = query.where(Enrolment.school_id == self._school(session, school).id)
            return [_enrolment_record(session, e) for e in session.scalars(query).all()]

    def enrolment(self, enrolment_id: int) -> AdminEnrolment:
        with self._store.read() as session:
            row = self._get(session, Enrolment, enrolment_id, "enrolment")
            return _enrolment_record(session, row)

    def create_enrolment(self, values: Mapping[str, Any]) -> AdminEnrolment:
        with self._change() as session:
            pupil = self._pupil_ref(session, values)
            enrolment = self._add_enrolment(session, pupil, values)
            return _enrolment_record(session, enrolment)

    def update_enrolment(self, enrolment_id: int, values: Mapping[str, Any]) -> AdminEnrolment:
        with self._change() as session:
            enrolment = self._get(session, Enrolment, enrolment_id, "enrolment")
            school = self._get(session, School, enrolment.school_id, "school")
            if values.get("school") is not None:
                school = self._school(session, values["school"], "school")
                if school.id != enrolment.school_id:
                    enrolment.school_id = school.id
                    enrolment.class_id = None
            if "klas" in values:
                enrolment.class_id = (
                    self._class(session, school, values["klas"], "klas").id
                    if values["klas"] is not None
                    else None
                )
                enrolment.class_set_at = self._store.clock.now()
            if values.get("start_date") is not None:
                enrolment.start_date = values["start_date"]
            if "end_date" in values:
                enrolment.end_date = values["end_date"]
            if enrolment.end_date is not None and enrolment.end_date < enrolment.start_date:
                raise InvalidField("end_date", "the enrolment ends before it starts")
            session.flush()
            return _enrolment_record(session, enrolment)

    def delete_enrolment(self, enrolment_id: int) -> None:
        with self._change() as session:
            session.delete(self._get(session, Enrolment, enrolment_id, "enrolment"))

    def _add_enrolment(
        self, session: Session, pupil: Pupil, values: Mapping[str, Any], prefix: str = ""
    ) -> Enrolment:
        school = self._school(session, values["school"], f"{prefix}school")
        enrolment = Enrolment(
            pupil_id=pupil.id,
            school_id=school.id,
            start_date=values["start_date"],
            end_date=values.get("end_date"),
        )
        if enrolment.end_date is not None and enrolment.end_date < enrolment.start_date:
            raise InvalidField(f"{prefix}end_date", "the enrolment ends before it starts")
        if values.get("klas") is not None:
            enrolment.class_id = self._class(session, school, values["klas"], f"{prefix}klas").id
            enrolment.class_set_at = self._store.clock.now()
        session.add(enrolment)
        session.flush()
        return enrolment
