"""Reading the weekly bulk upload of staff roles (director assignments, beheerder grants).

The file format of docs/schoolloket.md, shared by ``leerid-sim staff import FILE`` and the admin
API's ``POST /admin/api/staff/import``: CSV (``;`` or ``,``, a header line) or YAML (a list of
roles, optionally under ``staff:``), or already-decoded records (the API's JSON ``rows``). Pure
parsing: applying the rows is ``store.schoolloket.import_staff``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import yaml

from datastore.records.schoolloket import ImportRejected, StaffImportRow

__all__ = [
    "FIELDS",
    "NEW_STAFF_PASSWORD",
    "StaffFileError",
    "parse_staff_records",
    "parse_staff_upload",
]

# A staff member first seen in an upload gets the documented staff password of the simulator.
NEW_STAFF_PASSWORD = "Personeel123!"  # noqa: S105 - a documented demo value
FIELDS = (
    "username",
    "instellingsnummer",
    "rol",
    "begindatum",
    "einddatum",
    "verstuurd",
    "naam",
    "voornaam",
    "email",
)


class StaffFileError(ValueError):
    """The upload as a whole cannot be read (not YAML, not a list, no lines)."""


def parse_staff_upload(text: str, format: Literal["csv", "yaml"]) -> list[StaffImportRow]:
    """The lines of an upload as ``StaffImportRow``s.

    Raises ``StaffFileError`` when the file cannot be read at all, and ``ImportRejected`` with
    every bad line (line numbers count a CSV header as line 1, as a spreadsheet shows them; in
    YAML the n-th role is line n).
    """
    text = text.removeprefix("\ufeff")
    if format == "yaml":
        return parse_staff_records(_yaml_records(text))
    records, errors = _csv_records(text)
    return parse_staff_records(records, errors)


def parse_staff_records(
    records: Iterable[tuple[int, Mapping[str, Any]]],
    errors: Iterable[tuple[int, str]] = (),
) -> list[StaffImportRow]:
    """``(line, {field: value})`` records as rows; ``ImportRejected`` naming every bad line."""
    rejected = list(errors)
    rows: list[StaffImportRow] = []
    for line, record in records:
        unknown = sorted(str(k) for k in set(record) - set(FIELDS))
        if unknown:
            rejected.append((line, f"unknown field(s) {', '.join(unknown)}"))
            continue
        nested = sorted(str(k) for k, v in record.items() if isinstance(v, (list, dict)))
        if nested:
            # str() of a nested (and in YAML possibly aliased) value would be no date or name.
            rejected.append((line, f"{', '.join(nested)}: expected one value, not a list or map"))
            continue
        values = {k: ("" if v is None else str(v)).strip() for k, v in record.items()}
        try:
            rows.append(
                StaffImportRow(
                    line=line,
                    username=values.get("username", ""),
                    instellingsnummer=values.get("instellingsnummer", ""),
                    rol=values.get("rol", "").lower(),
                    naam=values.get("naam") or None,
                    voornaam=values.get("voornaam") or None,
                    email=values.get("email") or None,
                    begindatum=_date(values.get("begindatum", "")),
                    einddatum=_date(values.get("einddatum", "")),
                    verstuurd=_bool(values.get("verstuurd", "")),
                )
            )
        except ValueError as exc:
            rejected.append((line, str(exc)))
    if rejected:
        raise ImportRejected(sorted(rejected))
    if not rows:
        raise StaffFileError("no lines to import")
    return rows


def _csv_records(text: str) -> tuple[list[tuple[int, dict[str, Any]]], list[tuple[int, str]]]:
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if ";" in first else ",")
    if reader.fieldnames is not None:
        reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
    records: list[tuple[int, dict[str, Any]]] = []
    errors: list[tuple[int, str]] = []
    try:
        for row in reader:
            if None in row:
                errors.append((reader.line_num, "more fields than the header has"))
            elif any((value or "").strip() for value in row.values()):
                records.append((reader.line_num, dict(row)))
    except csv.Error as exc:
        raise StaffFileError(f"not valid CSV: line {reader.line_num}: {exc}") from None
    return records, errors


def _yaml_records(text: str) -> list[tuple[int, dict[str, Any]]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise StaffFileError(f"not valid YAML: {exc}".splitlines()[0]) from None
    items = data.get("staff") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise StaffFileError("expected a list of roles under 'staff:'")
    return list(enumerate(items, start=1))


def _date(value: str) -> dt.date | None:
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{value!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def _bool(value: str) -> bool:
    if value.lower() in ("", "ja", "yes", "true", "1"):
        return True
    if value.lower() in ("nee", "no", "false", "0"):
        return False
    raise ValueError(f"verstuurd must be ja or nee, not {value!r}")
