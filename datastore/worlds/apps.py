"""Write the applications of a world fixture: protocols, OIDC clients and visibility.

Visibility rows are written by their table's owner, ``datastore.admin.visibility``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from sqlalchemy import select

from datastore.admin.clients import upsert_client
from datastore.admin.providers import upsert_application, upsert_protocol
from datastore.admin.visibility import add_visibility, find_visibility
from datastore.db.models import Application, Client, Organisation
from datastore.hashing import sha256_hex
from datastore.worlds.schema import ApplicationSpec, ClientSpec

if TYPE_CHECKING:
    from datastore.worlds.base import Upserter

__all__ = [
    "DEFAULT_RP_ORIGIN",
    "expand_issuer_origin",
    "expand_rp_origin",
    "rp_backchannel_uri",
    "write_application",
    "write_client",
]

# Where rp_demo, the demo relying party, listens unless it is configured elsewhere.
DEFAULT_RP_ORIGIN = "http://localhost:8001"
_LOOPBACK_TWINS = {"localhost": "127.0.0.1", "127.0.0.1": "localhost"}


def expand_issuer_origin(uris: Sequence[str], issuer: str) -> list[str]:
    """Replace ``{issuer_origin}`` by the issuer's scheme://host:port, adding the loopback twin.

    A browser may reach a local provider as ``localhost`` or as ``127.0.0.1``; redirect URIs
    match exactly (RFC 6749 §3.1.2), so a URI under the provider's own origin is registered
    under both names.
    """
    parts = urlsplit(issuer)
    origin = f"{parts.scheme}://{parts.netloc}"
    twin = _twin(parts.scheme, parts.hostname, parts.port)
    expanded: list[str] = []
    for uri in uris:
        candidates = [uri]
        if "{issuer_origin}" in uri:
            candidates = [uri.replace("{issuer_origin}", origin)]
            if twin is not None:
                candidates.append(uri.replace("{issuer_origin}", twin))
        expanded.extend(c for c in candidates if c not in expanded)
    return expanded


def _twin(scheme: str, host: str | None, port: int | None) -> str | None:
    if host not in _LOOPBACK_TWINS:
        return None
    return f"{scheme}://{_LOOPBACK_TWINS[host]}" + (f":{port}" if port else "")


def expand_rp_origin(uris: Sequence[str], rp_origin: str | None) -> list[str]:
    """Replace ``{rp_origin}`` by rp_demo's origin, under both schemes and loopback names.

    rp_demo answers http, or https when started with TLS, on one address, and a browser may
    call a local one ``localhost`` or ``127.0.0.1``; redirect URIs match exactly (RFC 6749
    §3.1.2), so each variant is registered. ``None`` (no rp_demo runs) means the default
    address: a redirect URI is only ever visited by a browser, never called by the provider.
    """
    parts = urlsplit(rp_origin or DEFAULT_RP_ORIGIN)
    origins: list[str] = []
    for scheme in (parts.scheme, "https" if parts.scheme == "http" else "http"):
        origins.append(f"{scheme}://{parts.netloc}")
        twin = _twin(scheme, parts.hostname, parts.port)
        if twin is not None:
            origins.append(twin)
    expanded: list[str] = []
    for uri in uris:
        candidates = [uri]
        if "{rp_origin}" in uri:
            candidates = [uri.replace("{rp_origin}", origin) for origin in origins]
        expanded.extend(c for c in candidates if c not in expanded)
    return expanded


def rp_backchannel_uri(uri: str | None, rp_origin: str | None) -> str | None:
    """A back-channel logout URI with ``{rp_origin}`` filled in, or ``None`` without rp_demo.

    The provider itself posts logout tokens there (Back-Channel Logout 1.0 §2.5), so a URI
    under ``{rp_origin}`` is registered only when the loader knows where rp_demo runs: a
    provider never calls an address that nobody started for it.
    """
    if uri is None or "{rp_origin}" not in uri:
        return uri
    if rp_origin is None:
        return None
    return uri.replace("{rp_origin}", rp_origin.rstrip("/"))


def write_application(
    writer: Upserter, organisation: Organisation, spec: ApplicationSpec, path: str
) -> None:
    """Upsert an application with its protocol, clients and visibility."""
    holder = writer.session.scalar(
        select(Application.organisation_id).where(Application.key == spec.key)
    )
    if holder is not None and holder != organisation.id:
        writer.fail(f"{path}.key", "an application of another organisation in the database")
    application = upsert_application(
        writer.session, spec.key, name=spec.name, organisation_id=organisation.id
    )
    if spec.protocol is not None:
        values = spec.protocol.model_dump()
        upsert_protocol(writer.session, application.id, **values)
    for k, client in enumerate(spec.clients):
        write_client(writer, application, client, f"{path}.clients[{k}]")
    targets: list[dict[str, int]] = [
        {"school_id": writer.schools[n].id} for n in spec.visibility.schools
    ]
    targets += [
        {"class_id": writer.classes[(t.school, t.klas)].id} for t in spec.visibility.classes
    ]
    targets += [{"pupil_id": writer.pupil_ids[u]} for u in spec.visibility.pupils]
    for target in targets:
        if find_visibility(writer.session, application.id, **target) is None:
            add_visibility(writer.session, application.id, writer.epoch, **target)


def write_client(writer: Upserter, application: Application, spec: ClientSpec, path: str) -> None:
    """Upsert an OIDC client; the secret, random and long, is stored as SHA-256 only."""
    holder = writer.session.scalar(
        select(Client.application_id).where(Client.client_id == spec.client_id)
    )
    if holder is not None and holder != application.id:
        writer.fail(f"{path}.client_id", "a client of another application in the database")
    secret_hash = sha256_hex(spec.secret) if spec.secret is not None else spec.secret_sha256
    upsert_client(
        writer.session,
        spec.client_id,
        application_id=application.id,
        name=spec.name or application.name,
        redirect_uris=expand_rp_origin(
            expand_issuer_origin(spec.redirect_uris, writer.issuer), writer.rp_origin
        ),
        post_logout_redirect_uris=expand_rp_origin(
            expand_issuer_origin(spec.post_logout_redirect_uris, writer.issuer), writer.rp_origin
        ),
        token_endpoint_auth_method=spec.token_endpoint_auth_method,
        extra_auth_methods=list(spec.extra_auth_methods),
        secret_hash=secret_hash,
        jwks=spec.jwks,
        grant_types=list(spec.grant_types),
        id_token_signed_response_alg=spec.id_token_signed_response_alg,
        claim_dialect=spec.claim_dialect,
        class_sharing_integrated=spec.class_sharing_integrated,
        backchannel_logout_uri=rp_backchannel_uri(spec.backchannel_logout_uri, writer.rp_origin),
        sector_identifier=spec.sector_identifier,
        staff_only=spec.staff_only,
        allowed_scopes=spec.allowed_scopes,
        subject_type=spec.subject_type,
        access_token_format=spec.access_token_format,
        pkce_methods=spec.pkce_methods,
        access_token_ttl_seconds=spec.access_token_ttl_seconds,
        id_token_ttl_seconds=spec.id_token_ttl_seconds,
        refresh_token_ttl_seconds=spec.refresh_token_ttl_seconds,
        acr_values=spec.acr_values,
        jwks_uri=spec.jwks_uri,
    )
