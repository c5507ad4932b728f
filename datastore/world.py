"""Read queries on the world that the provider asks on its hot path."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Select, false, func, or_, select
from sqlalchemy.orm import Session, aliased

from datastore.errors import NotFound
from datastore.models import (
    Account,
    AccountHistory,
    Application,
    Client,
    Enrolment,
    Organisation,
    Protocol,
    Pupil,
    School,
    SchoolClass,
    Staff,
    Visibility,
)
from datastore.records import (
    AccountRecord,
    ClientRecord,
    EnrolmentFacts,
    ProtocolRecord,
    ReleaseFacts,
)

if TYPE_CHECKING:
    from datastore.store import Datastore

__all__ = ["WorldRepository"]


def _account_query() -> Select[Account, str, str]:
    return (
        select(
            Account,
            func.coalesce(Pupil.naam, Staff.naam).label("naam"),
            func.coalesce(Pupil.voornaam, Staff.voornaam).label("voornaam"),
        )
        .outerjoin(Pupil, Pupil.id == Account.pupil_id)
        .outerjoin(Staff, Staff.id == Account.staff_id)
    )


def _account_record(account: Account, naam: str, voornaam: str) -> AccountRecord:
    return AccountRecord(
        id=account.id,
        account_uuid=account.account_uuid,
        username=account.username,
        password_hash=account.password_hash,
        is_temporary=account.is_temporary,
        status=account.status,
        pupil_id=account.pupil_id,
        staff_id=account.staff_id,
        naam=naam,
        voornaam=voornaam,
    )


def protocol_record(protocol: Protocol) -> ProtocolRecord:
    """The frozen record of a protocol row."""
    return ProtocolRecord(
        reference=protocol.reference,
        attributes=tuple(protocol.attributes),
        purpose=protocol.purpose,
        disclosure_legal_basis=protocol.disclosure_legal_basis,
        processing_legal_basis=protocol.processing_legal_basis,
        retention_days=protocol.retention_days,
        inactive_account_deletion_days=protocol.inactive_account_deletion_days,
        status=protocol.status,
        signed_on=protocol.signed_on,
        source_document=protocol.source_document,
    )


def client_record(
    client: Client, application: Application, organisation: Organisation, protocol: Protocol | None
) -> ClientRecord:
    """The frozen record of a client row with its application, organisation and protocol."""
    return ClientRecord(
        id=client.id,
        client_id=client.client_id,
        name=client.name,
        application_id=application.id,
        application_key=application.key,
        application_name=application.name,
        organisation=organisation.name,
        redirect_uris=tuple(client.redirect_uris),
        post_logout_redirect_uris=tuple(client.post_logout_redirect_uris),
        token_endpoint_auth_method=client.token_endpoint_auth_method,
        extra_auth_methods=tuple(client.extra_auth_methods or ()),
        secret_hash=client.secret_hash,
        jwks=client.jwks,
        grant_types=tuple(client.grant_types),
        id_token_signed_response_alg=client.id_token_signed_response_alg,
        claim_dialect=client.claim_dialect,
        class_sharing_integrated=client.class_sharing_integrated,
        backchannel_logout_uri=client.backchannel_logout_uri,
        sector_identifier=client.sector_identifier,
        staff_only=client.staff_only,
        protocol=protocol_record(protocol) if protocol is not None else None,
    )


class WorldRepository:
    """Accounts, clients and the facts attribute release needs."""

    def __init__(self, store: Datastore) -> None:
        self._store = store

    def account_by_username(self, username: str) -> AccountRecord | None:
        """The account with this username (one indexed query), or ``None``."""
        with self._store.read() as session:
            row = session.execute(
                _account_query().where(Account.username == username)
            ).one_or_none()
            return None if row is None else _account_record(*row)

    def account_by_id(self, account_id: int) -> AccountRecord:
        """The account with this id; ``NotFound`` when it is gone."""
        with self._store.read() as session:
            row = session.execute(_account_query().where(Account.id == account_id)).one_or_none()
            if row is None:
                raise NotFound(f"account {account_id}")
            return _account_record(*row)

    def account_by_uuid(self, account_uuid: str) -> AccountRecord:
        """The account with this account_uuid; ``NotFound`` when there is none."""
        with self._store.read() as session:
            row = session.execute(
                _account_query().where(Account.account_uuid == account_uuid)
            ).one_or_none()
            if row is None:
                raise NotFound(f"account {account_uuid}")
            return _account_record(*row)

    def clients(self) -> list[ClientRecord]:
        """Every registered client, with its protocol (for the provider's per-process cache)."""
        with self._store.read() as session:
            rows = session.execute(_client_query()).all()
            return [client_record(*row) for row in rows]

    def client(self, client_id: str) -> ClientRecord | None:
        """The client with this client_id, or ``None``."""
        with self._store.read() as session:
            row = session.execute(
                _client_query().where(Client.client_id == client_id)
            ).one_or_none()
            return None if row is None else client_record(*row)

    def release_facts(self, account_id: int, application_id: int) -> ReleaseFacts:
        """Everything release needs about one account for one application.

        Raises ``NotFound`` when the account is gone.
        """
        with self._store.read() as session:
            return _release_facts(session, account_id, application_id)


def _client_query() -> Select[Client, Application, Organisation, Protocol]:
    return (
        select(Client, Application, Organisation, Protocol)
        .join(Application, Application.id == Client.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .outerjoin(Protocol, Protocol.application_id == Application.id)
    )


def _release_facts(session: Session, account_id: int, application_id: int) -> ReleaseFacts:
    row = session.execute(_account_query().where(Account.id == account_id)).one_or_none()
    if row is None:
        raise NotFound(f"account {account_id}")
    account = _account_record(*row)
    if account.pupil_id is None:
        return ReleaseFacts(account, None, False, (), (), False)
    pupil = session.get(Pupil, account.pupil_id)
    if pupil is None:
        raise NotFound(f"pupil of account {account_id}")
    historiek = tuple(
        session.scalars(
            select(AccountHistory.old_account_uuid)
            .where(AccountHistory.pupil_id == pupil.id)
            .order_by(AccountHistory.id)
        )
    )
    parent = aliased(SchoolClass)
    enrolment_rows = session.execute(
        select(Enrolment, School, SchoolClass, parent)
        .join(School, School.id == Enrolment.school_id)
        .outerjoin(SchoolClass, SchoolClass.id == Enrolment.class_id)
        .outerjoin(parent, parent.id == SchoolClass.parent_id)
        .where(Enrolment.pupil_id == pupil.id)
        .order_by(Enrolment.start_date)
    ).all()
    enrolments = tuple(
        EnrolmentFacts(
            instellingsnummer=school.instellingsnummer,
            school_name=school.name,
            start_date=enrolment.start_date,
            end_date=enrolment.end_date,
            class_sharing_active=school.class_sharing_active,
            klas=klass.name if klass is not None else None,
            class_ids=tuple(c.id for c in (klass, parent_class) if c is not None),
        )
        for enrolment, school, klass, parent_class in enrolment_rows
    )
    school_ids = {e.school_id for e, *_ in enrolment_rows}
    class_ids = {cid for facts in enrolments for cid in facts.class_ids}
    targets: list[ColumnElement[bool]] = [Visibility.pupil_id == pupil.id]
    if class_ids:
        targets.append(Visibility.class_id.in_(class_ids))
    if school_ids:
        targets.append(Visibility.school_id.in_(school_ids))
    visibility = session.execute(
        select(Visibility.pupil_id, Visibility.class_id, School.instellingsnummer)
        .outerjoin(School, School.id == Visibility.school_id)
        .where(Visibility.application_id == application_id)
        .where(or_(false(), *targets))
    ).all()
    return ReleaseFacts(
        account=account,
        leer_id_uuid=pupil.leer_id_uuid,
        has_insz=pupil.insz is not None,
        historiek_account_uuids=historiek,
        enrolments=enrolments,
        visible_to_pupil=any(v.pupil_id == pupil.id for v in visibility),
        visible_class_ids=frozenset(v.class_id for v in visibility if v.class_id is not None),
        visible_instellingsnummers=frozenset(
            v.instellingsnummer for v in visibility if v.instellingsnummer is not None
        ),
    )
