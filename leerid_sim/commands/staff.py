"""``leerid-sim staff``: the weekly bulk upload of staff roles, and package API keys.

- ``staff import FILE``: director assignments and LeerID-beheerder grants, CSV or YAML
  (format: docs/schoolloket.md). All or nothing; importing the same file twice changes nothing.
  The upload applies at once; rights follow each assignment's dates on the simulated clock.
- ``staff package-key INSTELLINGSNUMMER``: issue the API key of the school's administration
  package (printed once, kept as SHA-256).
"""

from __future__ import annotations

import argparse
import secrets
from pathlib import Path
from typing import Any

from datastore import NEW_STAFF_PASSWORD, STAFF_UPLOAD_FIELDS
from leerid_sim.errors import CommandError
from leerid_sim.options import add_database_option, open_store

__all__ = ["NEW_STAFF_PASSWORD", "parse_staff_file", "register"]


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
            f"{', '.join(STAFF_UPLOAD_FIELDS)}. rol is 'directeur' "
            "(a director assignment: begindatum "
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
    from datastore import ImportRejected, PasswordHashing

    rows = parse_staff_file(Path(args.file))
    store = open_store(args)
    try:
        result = store.schoolloket.import_staff(
            rows, new_account_password_hash=PasswordHashing.shared().hash(NEW_STAFF_PASSWORD)
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
    from datastore import ImportRejected, StaffFileError, parse_staff_upload

    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from None
    try:
        return parse_staff_upload(text, "yaml" if path.suffix in (".yaml", ".yml") else "csv")
    except (ImportRejected, StaffFileError) as exc:
        raise CommandError(f"{path}: {exc}") from None
