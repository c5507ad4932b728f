"""The register of processing activities (GDPR art. 30; seeds 000/001/002 art. 6).

One activity per protocol: DOV discloses pupil data to a service provider for the purpose the
protocol states. Built from the protocols, so it is never out of date (DECISIONS.md 28).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from datastore.admin_providers import protocol_admin_record
from datastore.models import Protocol

if TYPE_CHECKING:
    from datastore.store import Datastore

__all__ = ["ATTRIBUTE_CATEGORIES", "ProcessingActivity", "build_register", "render_register"]

CONTROLLER = "Departement Onderwijs en Vorming (DOV)"
DATA_SUBJECTS = "leerlingen van het leerplichtonderwijs"
# The categories of personal data, as the protocols' article 3 groups them.
ATTRIBUTE_CATEGORIES = {
    "leer_id_uuid": "identificatiegegevens (pseudoniem)",
    "account_uuid": "identificatiegegevens (pseudoniem)",
    "historiek_account_uuid": "identificatiegegevens (pseudoniem)",
    "naam": "identiteitsgegevens",
    "voornaam": "identiteitsgegevens",
    "instellingsnummer": "inschrijvingen",
    "klas": "klasinformatie",
}


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


def build_register(store: Datastore) -> list[ProcessingActivity]:
    """Every protocol as a processing activity, ordered by protocol reference."""
    with store.read() as session:
        protocols = [
            protocol_admin_record(session, p)
            for p in session.scalars(select(Protocol).order_by(Protocol.reference)).all()
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
        )
        for p in protocols
    ]


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
                {k: "; ".join(v) if isinstance(v, list | tuple) else v for k, v in row.items()}
            )
        return out.getvalue()
    if fmt == "md":
        lines = ["# Register van verwerkingsactiviteiten (AVG art. 30)", ""]
        for row in rows:
            lines += [f"## {row['protocol']}: {row['application']}", ""]
            lines += ["| veld | waarde |", "|---|---|"]
            for key, value in row.items():
                shown = ", ".join(value) if isinstance(value, list | tuple) else value
                text = "" if shown is None else str(shown).replace("|", "\\|")
                lines.append(f"| {key} | {text} |")
            lines.append("")
        return "\n".join(lines)
    raise ValueError(f"unknown register format {fmt!r}: use json, csv or md")
