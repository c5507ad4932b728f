"""``leerid-sim staff``: the weekly bulk upload of staff roles, and package API keys (seed 002).

- ``staff import FILE``: director assignments and LeerID-beheerder grants, CSV or YAML
  (format: docs/schoolloket.md). All or nothing; importing the same file twice changes nothing.
  Rights follow each assignment's dates on the simulated clock (DECISIONS 17).
- ``staff package-key INSTELLINGSNUMMER``: issue the API key of the school's administration
  package (printed once, kept as SHA-256).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import secrets
from pathlib import Path
from typing import Any

from leerid_sim.cli import CommandError
from leerid_sim.options import add_database_option, open_store

__all__ = ["NEW_STAFF_PASSWORD", "parse_staff_file", "register"]

# A staff member first seen in an upload gets the documented staff password of the simulator.
NEW_STAFF_PASSWORD = "Personeel123!"  # noqa: S105 - a documented demo value (CONTRACT.md)
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


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "staff", help="school staff: the weekly bulk upload of roles, package API keys"
    )
    actions = parser.add_subparsers(dest="staff_command", metavar="ACTION")
    actions.required = True
    upload = actions.add_parser(
        "import",
        help="import director assignments and LeerID-beheerder grants (CSV or YAML)",
        description=(
            "The weekly bulk upload (seed 002): one line per role, with the columns "
            f"{', '.join(FIELDS)}. rol is 'directeur' (a director assignment: begindatum "
            "required, einddatum empty for a permanent director) or 'beheerder'. Dates are "
            "YYYY-MM-DD or DD/MM/YYYY. New usernames need naam and voornaam and get the "
            f"password {NEW_STAFF_PASSWORD!r}. A file with any bad line changes nothing."
        ),
    )
    upload.add_argument("file", metavar="FILE", help="a .csv (; or , separated) or .yaml file")
    add_database_option(upload)
    upload.set_defaults(handler=_import)
    key = actions.add_parser(
        "package-key",
        help="issue the administration package's API key of a school (printed once)",
    )
    key.add_argument("instellingsnummer", metavar="INSTELLINGSNUMMER")
    key.add_argument("--key", help="use this key (at least 16 characters) instead of a random one")
    add_database_option(key)
    key.set_defaults(handler=_package_key)


def _import(args: argparse.Namespace) -> int:
    from datastore import PasswordHashing
    from datastore.schoolloket_records import ImportRejected

    rows = parse_staff_file(Path(args.file))
    store = open_store(args)
    try:
        result = store.schoolloket.import_staff(
            rows, new_account_password_hash=PasswordHashing().hash(NEW_STAFF_PASSWORD)
        )
    except ImportRejected as exc:
        raise CommandError(f"{args.file}: nothing imported: {exc}") from None
    finally:
        store.dispose()
    print(
        f"imported {args.file}: {result.staff_created} new staff, "
        f"{result.assignments_added} assignments added, "
        f"{result.assignments_updated} updated, {result.grants_added} beheerder grants added, "
        f"{result.unchanged} unchanged"
    )
    return 0


def _package_key(args: argparse.Namespace) -> int:
    key = args.key or f"pkg-{args.instellingsnummer}-{secrets.token_urlsafe(24)}"
    store = open_store(args)
    try:
        store.schoolloket.set_package_api_key(args.instellingsnummer, key)
    finally:
        store.dispose()
    print(key)
    return 0


def parse_staff_file(path: Path) -> list[Any]:
    """The lines of a bulk upload as ``StaffImportRow``s; ``CommandError`` when unreadable."""
    from datastore.schoolloket_records import StaffImportRow

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None
    records = _yaml_records(path, text) if path.suffix in (".yaml", ".yml") else _csv_records(text)
    rows = []
    for line, record in records:
        unknown = sorted(set(record) - set(FIELDS))
        if unknown:
            raise CommandError(f"{path}: line {line}: unknown field(s) {', '.join(unknown)}")
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
            raise CommandError(f"{path}: line {line}: {exc}") from None
    if not rows:
        raise CommandError(f"{path}: no lines to import")
    return rows


def _csv_records(text: str) -> list[tuple[int, dict[str, Any]]]:
    first = text.splitlines()[0] if text.strip() else ""
    reader = csv.DictReader(io.StringIO(text), delimiter=";" if ";" in first else ",")
    if reader.fieldnames is not None:
        reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
    records = []
    for row in reader:
        if None in row:
            raise CommandError(f"line {reader.line_num}: more fields than the header has")
        if any((value or "").strip() for value in row.values()):
            records.append((reader.line_num, dict(row)))
    return records


def _yaml_records(path: Path, text: str) -> list[tuple[int, dict[str, Any]]]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CommandError(f"{path}: not valid YAML: {exc}".splitlines()[0]) from None
    items = data.get("staff") if isinstance(data, dict) else data
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise CommandError(f"{path}: expected a list of roles under 'staff:'")
    return [(number, item) for number, item in enumerate(items, start=1)]


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
