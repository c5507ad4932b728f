"""Read queries on the world that the provider asks on its hot path.

Each hot-path question is one indexed statement: an account by username (the unique index on
``accounts.username``), a client by client_id, and everything release needs about one account
for one application (``datastore.protocol.release``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select

from datastore.db.models import Account, Application, Client, Organisation, Protocol
from datastore.errors import NotFound
from datastore.protocol.release import account_columns, account_record, release_facts
from datastore.records.protocol import AccountRecord, ClientRecord, ProtocolRecord, ReleaseFacts
from datastore.vocabulary import DEFAULT_ACR, DEFAULT_ALLOWED_SCOPES, DEFAULT_PKCE_METHODS

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["WorldRepository", "dossier_columns"]


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


def dossier_columns(client: Client) -> dict[str, Any]:
    """The dossier columns of a client row as the provider applies them: NULL is the default.

    One place for that rule, shared by the provider's client record and the admin API's answer.
    """
    return {
        "allowed_scopes": tuple(client.allowed_scopes or DEFAULT_ALLOWED_SCOPES),
        "subject_type": client.subject_type,
        "access_token_format": client.access_token_format,
        "pkce_methods": tuple(client.pkce_methods or DEFAULT_PKCE_METHODS),
        "access_token_ttl_seconds": client.access_token_ttl_seconds,
        "id_token_ttl_seconds": client.id_token_ttl_seconds,
        "refresh_token_ttl_seconds": client.refresh_token_ttl_seconds,
        "acr_values": tuple(client.acr_values or (DEFAULT_ACR,)),
        "jwks_uri": client.jwks_uri,
    }


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
        **dossier_columns(client),
    )


class WorldRepository:
    """Accounts, clients and the facts attribute release needs."""

    def __init__(self, store: Database) -> None:
        self._store = store

    def account_by_username(self, username: str) -> AccountRecord | None:
        """The account with this username (one indexed query), or ``None``."""
        with self._store.read() as session:
            row = session.execute(
                account_columns().where(Account.username == username)
            ).one_or_none()
            return None if row is None else account_record(row)

    def account_by_id(self, account_id: int) -> AccountRecord:
        """The account with this id; ``NotFound`` when it is gone."""
        with self._store.read() as session:
            row = session.execute(account_columns().where(Account.id == account_id)).one_or_none()
            if row is None:
                raise NotFound(f"account {account_id}")
            return account_record(row)

    def account_by_uuid(self, account_uuid: str) -> AccountRecord:
        """The account with this account_uuid; ``NotFound`` when there is none."""
        with self._store.read() as session:
            row = session.execute(
                account_columns().where(Account.account_uuid == account_uuid)
            ).one_or_none()
            if row is None:
                raise NotFound(f"account {account_uuid}")
            return account_record(row)

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

        Raises ``NotFound`` when the account is gone. One statement on a Core connection
        without a transaction around it (UserInfo and introspection ask this per request).
        """
        with self._store.connect_read() as connection:
            return release_facts(connection, account_id, application_id)


def _client_query() -> Select[Client, Application, Organisation, Protocol]:
    return (
        select(Client, Application, Organisation, Protocol)
        .join(Application, Application.id == Client.application_id)
        .join(Organisation, Organisation.id == Application.organisation_id)
        .outerjoin(Protocol, Protocol.application_id == Application.id)
    )
