"""The one writer of the ``accounts`` table (pupils' and staff's login accounts).

The admin API's changes (``AccountAdmin``), the rehash of a password at login, and the functions
other modules call to change accounts within their own transaction (the Schoolloket's staff
upload and password resets, world loading). Password hashes never leave.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from datastore.admin.base import AdminBase, InvalidField, UnknownReference
from datastore.db.models import Account, Pupil, Staff
from datastore.db.results import rowcount
from datastore.db.upsert import upsert
from datastore.errors import AlreadyExists
from datastore.protocol.oidc import EndedSession, end_account_access
from datastore.records.admin import AdminAccount

__all__ = [
    "AccountAdmin",
    "EndedHandler",
    "add_account",
    "issue_password",
    "reset_password",
    "tell_ended",
    "upsert_account",
]

# Told, after the commit, which live SSO sessions a change ended (for back-channel logout).
EndedHandler = Callable[[tuple[EndedSession, ...]], None]


def account_record(account: Account) -> AdminAccount:
    return AdminAccount(
        id=account.id,
        account_uuid=account.account_uuid,
        username=account.username,
        kind="pupil" if account.pupil_id is not None else "staff",
        pupil_id=account.pupil_id,
        staff_id=account.staff_id,
        is_temporary=account.is_temporary,
        status=account.status,
        created_at=account.created_at,
        changed_at=account.changed_at,
    )


def tell_ended(on_ended: EndedHandler | None, ended: tuple[EndedSession, ...]) -> None:
    if on_ended is not None and ended:
        on_ended(ended)


def add_account(
    session: Session,
    username: str,
    password_hash: str,
    now: dt.datetime,
    *,
    account_uuid: str | None = None,
    pupil_id: int | None = None,
    staff_id: int | None = None,
    is_temporary: bool = False,
    status: str = "active",
) -> Account:
    """Within ``session``: a new account of a pupil or a staff member, flushed so that it has
    its id; a fresh ``account_uuid`` unless one is given. The caller checks that the username
    and account_uuid are free."""
    account = Account(
        account_uuid=account_uuid or str(uuid.uuid4()),
        username=username,
        password_hash=password_hash,
        pupil_id=pupil_id,
        staff_id=staff_id,
        is_temporary=is_temporary,
        status=status,
        created_at=now,
        changed_at=now,
    )
    session.add(account)
    session.flush()
    return account


def upsert_account(
    session: Session,
    account_uuid: str,
    *,
    username: str,
    password_hash: str,
    pupil_id: int | None,
    staff_id: int | None,
    is_temporary: bool,
    status: str,
    created_at: dt.datetime,
    changed_at: dt.datetime,
) -> Account:
    """Within ``session``: the account with this ``account_uuid``, made or changed to these
    values; only what differs changes (world loading). Ending the access of an account it
    disables is the caller's (``end_account_access``)."""
    return upsert(
        session,
        Account,
        [Account.account_uuid == account_uuid],
        account_uuid=account_uuid,
        username=username,
        password_hash=password_hash,
        pupil_id=pupil_id,
        staff_id=staff_id,
        is_temporary=is_temporary,
        status=status,
        created_at=created_at,
        changed_at=changed_at,
    )


def reset_password(account: Account, password_hash: str, now: dt.datetime) -> None:
    """Within the session that loaded ``account``: a new password, which marks it changed."""
    account.password_hash = password_hash
    account.changed_at = now


def issue_password(account: Account, password_hash: str, now: dt.datetime) -> None:
    """Within the session that loaded ``account``: a new initial password, handed out on a
    distribution sheet, so the account counts as distributed from ``now``."""
    account.password_hash = password_hash
    account.distributed_at = now


class AccountAdmin(AdminBase):
    """Accounts, by username or account_uuid."""

    def accounts(
        self, *, kind: str | None = None, offset: int = 0, limit: int = 100
    ) -> list[AdminAccount]:
        with self._store.read() as session:
            query = select(Account).order_by(Account.id).offset(offset).limit(limit)
            if kind == "pupil":
                query = query.where(Account.pupil_id.is_not(None))
            elif kind == "staff":
                query = query.where(Account.staff_id.is_not(None))
            return [account_record(a) for a in session.scalars(query).all()]

    def account(self, key: str) -> AdminAccount:
        """An account by username or account_uuid."""
        with self._store.read() as session:
            return account_record(self._account(session, key))

    def create_account(self, values: Mapping[str, Any], password_hash: str) -> AdminAccount:
        with self._change() as session:
            pupil_id = values.get("pupil_id")
            staff_id = values.get("staff_id")
            if (pupil_id is None) == (staff_id is None):
                raise InvalidField("pupil_id", "give exactly one of pupil_id and staff_id")
            if pupil_id is not None and session.get(Pupil, pupil_id) is None:
                raise UnknownReference("pupil_id", f"no pupil with id {pupil_id}")
            if staff_id is not None and session.get(Staff, staff_id) is None:
                raise UnknownReference("staff_id", f"no staff member with id {staff_id}")
            account = self._add_account(
                session, values, password_hash, pupil_id=pupil_id, staff_id=staff_id
            )
            return account_record(account)

    def update_account(
        self,
        key: str,
        values: Mapping[str, Any],
        password_hash: str | None = None,
        *,
        on_ended: EndedHandler | None = None,
    ) -> AdminAccount:
        """Change an account; ``status: disabled`` also stops its sessions and tokens at once
        (``end_account_access``, in the same transaction)."""
        ended: tuple[EndedSession, ...] = ()
        with self._change() as session:
            account = self._account(session, key)
            username = values.get("username")
            if username is not None and username != account.username:
                self._unique_username(session, username)
                account.username = username
            for field in ("status", "is_temporary"):
                if values.get(field) is not None:
                    setattr(account, field, values[field])
            if password_hash is not None:
                account.password_hash = password_hash
                # A new password puts the account on the school's next distribution sheet.
                account.changed_at = self._store.clock.now()
                account.distributed_at = None
            if values.get("status") == "disabled":
                ended = end_account_access(session, [account.id], self._store.clock.now())
            session.flush()
            record = account_record(account)
        tell_ended(on_ended, ended)
        return record

    def delete_account(self, key: str, *, on_ended: EndedHandler | None = None) -> None:
        """Delete an account, ending its sessions first so their clients can be told."""
        with self._change() as session:
            account = self._account(session, key)
            ended = end_account_access(session, [account.id], self._store.clock.now())
            session.delete(account)
        tell_ended(on_ended, ended)

    def update_password_hash(self, account_id: int, old_hash: str, new_hash: str) -> bool:
        """Replace a password hash made with old argon2 parameters (only if still ``old_hash``).

        The rehash at login: no world change, so the generation stays as it is.
        """
        with self._store.write() as session:
            result = session.execute(
                update(Account)
                .where(Account.id == account_id, Account.password_hash == old_hash)
                .values(password_hash=new_hash)
            )
            return rowcount(result) == 1

    def _end_accounts_of(
        self, session: Session, *, pupil_id: int | None = None, staff_id: int | None = None
    ) -> tuple[EndedSession, ...]:
        """``end_account_access`` for every account of a pupil or staff member being deleted."""
        owner = (
            Account.pupil_id == pupil_id if pupil_id is not None else Account.staff_id == staff_id
        )
        ids = session.scalars(select(Account.id).where(owner)).all()
        return end_account_access(session, ids, self._store.clock.now())

    def _add_account(
        self,
        session: Session,
        values: Mapping[str, Any],
        password_hash: str,
        *,
        pupil_id: int | None = None,
        staff_id: int | None = None,
    ) -> Account:
        self._unique_username(session, values["username"])
        account_uuid = values.get("account_uuid") or str(uuid.uuid4())
        if session.scalar(select(Account.id).where(Account.account_uuid == account_uuid)):
            raise AlreadyExists(f"account_uuid {account_uuid} is taken")
        return add_account(
            session,
            values["username"],
            password_hash,
            self._store.clock.now(),
            account_uuid=account_uuid,
            pupil_id=pupil_id,
            staff_id=staff_id,
            is_temporary=bool(values.get("is_temporary", False)),
            status=values.get("status") or "active",
        )

    @staticmethod
    def _unique_username(session: Session, username: str) -> None:
        if session.scalar(select(Account.id).where(Account.username == username)) is not None:
            raise AlreadyExists(f"username {username!r} is taken")
