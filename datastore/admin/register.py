"""The register of processing activities (GDPR art. 30; seeds 000/001/002 art. 6).

One activity per protocol: DOV discloses pupil data to a service provider for the purpose the
protocol states, to the clients of its application, each with its integratiedossier (which
scopes it may ask, how it authenticates, how its tokens look). Built from the protocols and the
clients, so it is never out of date.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from datastore.admin.clients import client_admin_record
from datastore.admin.providers import protocol_admin_record
from datastore.db.models import Client, Protocol
from datastore.records.protocol import dossier_view
from datastore.vocabulary import ATTRIBUTE_CATEGORIES

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = ["ATTRIBUTE_CATEGORIES", "ProcessingActivity", "build_register", "render_register"]

CONTROLLER = "Departement Onderwijs en Vorming (DOV)"
DATA_SUBJECTS = "leerlingen van het leerplichtonderwijs"
# What the CSV and Markdown forms show of each client's dossier (the JSON form has all of it).
_DOSSIER_SUMMARY = (
    "allowed_scopes",
    "claim_dialect",
    "subject_type",
    "access_token_format",
    "token_endpoint_auth_method",
    "pkce_methods",
    "acr_values",
)


@dataclass(frozen=True, slots=True)
class ProcessingActivity:
    """One entry of the register: a disclosure of pupil data under one protocol."""

    protocol: str
    application: str
    controller: str
    recipient: str
    purpose: str
    data_subjects: str
    categories_of_data: tuple[str, ...]
    attributes: tuple[str, ...]
    disclosure_legal_basis: str
    processing_legal_basis: str
    retention_days: int
    inactive_account_deletion_days: int | None
    status: str
    signed_on: str | None
    source_document: str | None
    # The clients of the application, each as ``{"client_id": …, "dossier": {…}}``.
    clients: tuple[dict[str, Any], ...] = ()


def build_register(store: Database) -> list[ProcessingActivity]:
    """Every protocol as a processing activity, ordered by protocol reference."""
    with store.read() as session:
        rows = session.scalars(select(Protocol).order_by(Protocol.reference)).all()
        protocols = [protocol_admin_record(session, p) for p in rows]
        clients = [
            tuple(
                {"client_id": c.client_id, "dossier": dossier_view(client_admin_record(session, c))}
                for c in session.scalars(
                    select(Client)
                    .where(Client.application_id == p.application_id)
                    .order_by(Client.client_id)
                ).all()
            )
            for p in rows
        ]
    return [
        ProcessingActivity(
            protocol=p.reference,
            application=p.application,
            controller=CONTROLLER,
            recipient=p.organisation,
            purpose=p.purpose,
            data_subjects=DATA_SUBJECTS,
            categories_of_data=tuple(
                dict.fromkeys(ATTRIBUTE_CATEGORIES.get(a, a) for a in p.attributes)
            ),
            attributes=p.attributes,
            disclosure_legal_basis=p.disclosure_legal_basis,
            processing_legal_basis=p.processing_legal_basis,
            retention_days=p.retention_days,
            inactive_account_deletion_days=p.inactive_account_deletion_days,
            status=p.status,
            signed_on=p.signed_on.isoformat() if p.signed_on else None,
            source_document=p.source_document,
            clients=dossiers,
        )
        for p, dossiers in zip(protocols, clients, strict=True)
    ]


def _dossier_text(clients: Any) -> str:
    """Each client and the main fields of its dossier, on one line (CSV and Markdown)."""
    parts = []
    for client in clients:
        dossier = client["dossier"]
        fields = "; ".join(
            f"{name}: {' '.join(v) if isinstance(v := dossier[name], list) else v}"
            for name in _DOSSIER_SUMMARY
        )
        parts.append(f"{client['client_id']} ({fields})")
    return " | ".join(parts)


def render_register(activities: list[ProcessingActivity], fmt: str) -> str:
    """The register as ``json``, ``csv`` or ``md`` (a Markdown table per activity)."""
    rows: list[dict[str, Any]] = [asdict(a) for a in activities]
    if fmt == "json":
        return json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        out = io.StringIO()
        fields = list(ProcessingActivity.__dataclass_fields__)
        writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(
                {
                    k: _dossier_text(v)
                    if k == "clients"
                    else "; ".join(v)
                    if isinstance(v, list | tuple)
                    else v
                    for k, v in row.items()
                }
            )
        return out.getvalue()
    if fmt == "md":
        lines = ["# Register van verwerkingsactiviteiten (AVG art. 30)", ""]
        for row in rows:
            lines += [f"## {row['protocol']}: {row['application']}", ""]
            lines += ["| veld | waarde |", "|---|---|"]
            for key, value in row.items():
                if key == "clients":
                    for client in value:
                        shown = _dossier_text([client]).replace("|", "\\|")
                        lines.append(f"| client {client['client_id']} | {shown} |")
                    continue
                shown = ", ".join(value) if isinstance(value, list | tuple) else value
                text = "" if shown is None else str(shown).replace("|", "\\|")
                lines.append(f"| {key} | {text} |")
            lines.append("")
        return "\n".join(lines)
    raise ValueError(f"unknown register format {fmt!r}: use json, csv or md")
