"""The access log: who read or changed which pupil data, when, and why.

Entries are written inside the transaction of the read or change they describe, so a change
is never without its log line and a refused change leaves none.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from datastore.db.models import AccessLogEntry
from datastore.protocol.logs import Page
from datastore.records.schoolloket import AccessLogRecord, Actor
from datastore.schoolloket.base import reading

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["PURPOSES", "AccessLogMixin", "add_access_entry"]

# The purposes the Schoolloket and the package link log, as the access log shows them.
PURPOSES = {
    "accountbeheer": "LeerID-accountbeheer door de school (seed 002)",
    "applicatiebeheer": "zichtbaarheid van applicaties voor leerlingen (seed 002)",
    "klasinformatie": "klasinformatie koppelen en meedelen aan DOV (protocol school-DOV, art. 2)",
}


def add_access_entry(
    session: Session,
    at: dt.datetime,
    actor: Actor,
    school: str | None,
    action: str,
    subject: str | None,
    purpose: str,
) -> None:
    """Add one access-log entry inside the caller's transaction."""
    session.add(
        AccessLogEntry(
            at=at,
            actor_kind=actor.kind,
            actor=actor.name,
            school=school,
            action=action,
            subject=subject,
            purpose=PURPOSES.get(purpose, purpose),
        )
    )


class AccessLogMixin:
    """Reading the access log (DOV reads it through the admin API)."""

    _store: Database

    def access_log(
        self,
        *,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        school: str | None = None,
        actor: str | None = None,
        actor_kind: str | None = None,
        action: str | None = None,
        offset: int = 0,
        limit: int = 100,
    ) -> Page[AccessLogRecord]:
        """Access-log entries matching every filter given, newest first."""
        conditions = []
        if since is not None:
            conditions.append(AccessLogEntry.at >= since)
        if until is not None:
            conditions.append(AccessLogEntry.at < until)
        if school is not None:
            conditions.append(AccessLogEntry.school == school)
        if actor is not None:
            conditions.append(AccessLogEntry.actor == actor)
        if actor_kind is not None:
            conditions.append(AccessLogEntry.actor_kind == actor_kind)
        if action is not None:
            conditions.append(AccessLogEntry.action == action)
        with reading(self._store) as session:
            total = session.scalar(
                select(func.count()).select_from(AccessLogEntry).where(*conditions)
            )
            rows = session.scalars(
                select(AccessLogEntry)
                .where(*conditions)
                .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
                .offset(offset)
                .limit(limit)
            ).all()
        return Page(
            tuple(
                AccessLogRecord(
                    id=r.id,
                    at=r.at,
                    actor_kind=r.actor_kind,
                    actor=r.actor,
                    school=r.school,
                    action=r.action,
                    subject=r.subject,
                    purpose=r.purpose,
                )
                for r in rows
            ),
            total or 0,
            offset,
            limit,
        )
