"""The privacy log as a CSV or JSON file: who received which attributes, when, on which basis.

One serialisation for ``leerid-sim privacy-log export`` and the admin API's export, so both
give the same file. Entries name the released attributes, never their values.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TextIO

from datastore import PrivacyLogRecord

if TYPE_CHECKING:
    from datastore import Datastore

__all__ = [
    "EXPORT_FIELDS",
    "EXPORT_FORMATS",
    "iter_privacy_entries",
    "render_privacy_log",
    "write_privacy_log",
]

EXPORT_FORMATS: tuple[str, ...] = ("csv", "json")
# The keys of PrivacyLogRecord.as_dict(), i.e. of the admin API's privacy-log listing.
EXPORT_FIELDS: tuple[str, ...] = (
    "id",
    "at",
    "client_id",
    "organisation",
    "protocol",
    "account_uuid",
    "attributes",
    "legal_basis",
    "purpose",
    "channel",
    "retention_days",
)
_PAGE_SIZE = 1000


def iter_privacy_entries(
    store: Datastore,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    client_id: str | None = None,
    account_uuid: str | None = None,
) -> Iterator[PrivacyLogRecord]:
    """Every matching privacy-log entry, newest first, read from the datastore in batches.

    Batches follow each other by keyset (``LogRepository.iter_privacy_entries``), so each
    entry is written once even while new entries arrive, and a long log costs linear time.
    """
    return store.logs.iter_privacy_entries(
        since=since,
        until=until,
        client_id=client_id,
        account_uuid=account_uuid,
        batch_size=_PAGE_SIZE,
    )


def write_privacy_log(entries: Iterable[PrivacyLogRecord], out: TextIO, export_format: str) -> int:
    """Write ``entries`` to ``out`` as CSV (RFC 4180) or a JSON array; returns how many.

    In CSV the attribute names are one field, separated by spaces; in JSON they are a list.
    """
    if export_format not in EXPORT_FORMATS:
        raise ValueError(f"unknown export format {export_format!r}: use csv or json")
    count = 0
    if export_format == "csv":
        writer = csv.DictWriter(out, fieldnames=EXPORT_FIELDS, lineterminator="\r\n")
        writer.writeheader()
        for entry in entries:
            row = entry.as_dict()
            writer.writerow({**row, "attributes": " ".join(row["attributes"])})
            count += 1
        return count
    out.write("[")
    for entry in entries:
        out.write(",\n  " if count else "\n  ")
        out.write(json.dumps(entry.as_dict(), ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count


def render_privacy_log(entries: Iterable[PrivacyLogRecord], export_format: str) -> str:
    """The export as one string (for an HTTP response body)."""
    out = io.StringIO()
    write_privacy_log(entries, out, export_format)
    return out.getvalue()
