"""Admin changes to OIDC clients. A secret is stored as SHA-256 only: it is random and long, so a
slow password hash would add nothing but latency at the token endpoint."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from datastore.admin.base import AdminBase, InvalidField
from datastore.db.models import Application, Client
from datastore.db.upsert import upsert
from datastore.errors import AlreadyExists, NotFound
from datastore.hashing import sha256_hex
from datastore.protocol.world import dossier_columns
from datastore.records.admin import AdminClient

__all__ = ["CLIENT_FIELDS", "ClientAdmin", "client_admin_record", "upsert_client"]

# Fields copied as given (lists are stored as JSON lists).
CLIENT_FIELDS = (
    "name",
    "redirect_uris",
    "post_logout_redirect_uris",
    "token_endpoint_auth_method",
    "extra_auth_methods",
    "grant_types",
    "id_token_signed_response_alg",
    "claim_dialect",
    "class_sharing_integrated",
    "backchannel_logout_uri",
    "sector_identifier",
    "staff_only",
    "jwks",
    "allowed_scopes",
    "subject_type",
    "access_token_format",
    "pkce_methods",
    "access_token_ttl_seconds",
    "id_token_ttl_seconds",
    "refresh_token_ttl_seconds",
    "acr_values",
    "jwks_uri",
)
# Fields an update may set to null: for the dossier fields, null is back to the default.
_NULLABLE = (
    "backchannel_logout_uri",
    "sector_identifier",
    "jwks",
    "allowed_scopes",
    "pkce_methods",
    "access_token_ttl_seconds",
    "id_token_ttl_seconds",
    "refresh_token_ttl_seconds",
    "acr_values",
    "jwks_uri",
)


def _client_record(session: Session, row: Client, secret: str | None = None) -> AdminClient:
    application = session.get(Application, row.application_id)
    return AdminClient(
        id=row.id,
        client_id=row.client_id,
        application=application.key if application is not None else "",
        name=row.name,
        redirect_uris=tuple(row.redirect_uris),
        post_logout_redirect_uris=tuple(row.post_logout_redirect_uris),
        token_endpoint_auth_method=row.token_endpoint_auth_method,
        extra_auth_methods=tuple(row.extra_auth_methods or ()),
        grant_types=tuple(row.grant_types),
        id_token_signed_response_alg=row.id_token_signed_response_alg,
        claim_dialect=row.claim_dialect,
        class_sharing_integrated=row.class_sharing_integrated,
        backchannel_logout_uri=row.backchannel_logout_uri,
        sector_identifier=row.sector_identifier,
        staff_only=row.staff_only,
        jwks=row.jwks,
        has_secret=row.secret_hash is not None,
        **dossier_columns(row),
        client_secret=secret,
    )


def upsert_client(session: Session, client_id: str, **values: Any) -> Client:
    """Within ``session``: the client ``client_id``, made or changed to ``values`` (world
    loading)."""
    return upsert(session, Client, [Client.client_id == client_id], client_id=client_id, **values)


class ClientAdmin(AdminBase):
    """Clients, by client_id. The secret is shown once: in the answer to its creation."""

    def admin_clients(self, *, application: str | None = None) -> list[AdminClient]:
        with self._store.read() as session:
            query = select(Client).order_by(Client.client_id)
            if application is not None:
                query = query.where(
                    Client.application_id == self._application(session, application).id
                )
            return [_client_record(session, c) for c in session.scalars(query).all()]

    def admin_client(self, client_id: str) -> AdminClient:
        with self._store.read() as session:
            return _client_record(session, self._client(session, client_id))

    def create_client(self, values: Mapping[str, Any]) -> AdminClient:
        """Register a client; a confidential one gets the given secret or a fresh random one."""
        with self._change() as session:
            if session.scalar(select(Client.id).where(Client.client_id == values["client_id"])):
                raise AlreadyExists(f"client_id {values['client_id']!r} is taken")
            application = self._application(session, values["application"], "application")
            row = Client(
                client_id=values["client_id"],
                application_id=application.id,
                extra_auth_methods=[],
                post_logout_redirect_uris=[],
                grant_types=["authorization_code"],
                name=application.name,
                token_endpoint_auth_method="client_secret_basic",  # noqa: S106 - a method
                id_token_signed_response_alg="RS256",  # noqa: S106 - an algorithm
                claim_dialect="leerid",
                class_sharing_integrated=False,
                staff_only=False,
                subject_type="pairwise",
                access_token_format="opaque",  # noqa: S106 - a format name
            )
            for field in CLIENT_FIELDS:
                if values.get(field) is not None:
                    setattr(row, field, _stored(values[field]))
            secret: str | None = None
            if row.token_endpoint_auth_method in ("client_secret_basic", "client_secret_post"):
                secret = values.get("client_secret") or secrets.token_urlsafe(32)
                row.secret_hash = sha256_hex(secret)
            elif values.get("client_secret"):
                raise InvalidField(
                    "client_secret",
                    f"a {row.token_endpoint_auth_method} client does not use a secret",
                )
            _check_client(row)
            session.add(row)
            session.flush()
            return _client_record(session, row, secret)

    def update_client(self, client_id: str, values: Mapping[str, Any]) -> AdminClient:
        """Change a client; a new ``client_secret`` replaces the old one (shown in the answer)."""
        with self._change() as session:
            row = self._client(session, client_id)
            if values.get("application") is not None:
                row.application_id = self._application(
                    session, values["application"], "application"
                ).id
            for field in CLIENT_FIELDS:
                if field in values and (values[field] is not None or field in _NULLABLE):
                    setattr(row, field, _stored(values[field]))
            secret = values.get("client_secret")
            if secret:
                row.secret_hash = sha256_hex(secret)
            if row.token_endpoint_auth_method in ("none", "private_key_jwt"):
                row.secret_hash = None
            elif row.secret_hash is None:
                raise InvalidField("client_secret", "a confidential client needs a client_secret")
            _check_client(row)
            session.flush()
            return _client_record(session, row, secret)

    def delete_client(self, client_id: str) -> None:
        with self._change() as session:
            session.delete(self._client(session, client_id))

    @staticmethod
    def _client(session: Session, client_id: str) -> Client:
        row = session.scalar(select(Client).where(Client.client_id == client_id))
        if row is None:
            raise NotFound(f"no client with client_id {client_id!r}")
        return row


def _stored(value: Any) -> Any:
    return list(value) if isinstance(value, tuple | list) else value


def _check_client(row: Client) -> None:
    if row.token_endpoint_auth_method == "private_key_jwt" and not (  # noqa: S105
        row.jwks or row.jwks_uri
    ):
        raise InvalidField(
            "jwks", "a private_key_jwt client needs its public keys (jwks or jwks_uri)"
        )
    if row.allowed_scopes is not None and "openid" not in row.allowed_scopes:
        raise InvalidField("allowed_scopes", "allowed_scopes must include openid")
    if not row.redirect_uris:
        raise InvalidField("redirect_uris", "a client needs at least one redirect URI")


def client_admin_record(session: Session, row: Client) -> AdminClient:
    """The admin view of a stored client, its dossier included (never its secret)."""
    return _client_record(session, row)
