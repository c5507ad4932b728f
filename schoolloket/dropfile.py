"""Parsing a class-information file for the drop server (school-to-DOV protocol, art. 2).

The file is CSV in UTF-8 (a BOM is allowed), separated by ``;`` or ``,``, with a header line.
Columns: ``klas`` and at least one of ``leer_id_uuid``, ``account_uuid``, ``insz``. Line numbers
count from 1 at the header, as a spreadsheet shows them.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from typing import Any

from datastore import DropLine, insz_is_valid

__all__ = ["IDENTIFIERS", "MAX_BYTES", "MAX_LINES", "FileRejected", "parse_drop_file"]

IDENTIFIERS = ("leer_id_uuid", "account_uuid", "insz")
MAX_BYTES = 5 * 1024 * 1024
# The largest schools enrol a few thousand pupils; a file far longer than that is not class
# information but a search through identifiers, and is refused whole.
MAX_LINES = 20_000
_KLAS = re.compile(r"^[\w .()/+-]{1,40}$")


class FileRejected(ValueError):
    """The file as a whole cannot be read (encoding, header); no line is applied."""


def parse_drop_file(content: bytes) -> tuple[list[DropLine], list[tuple[int, str]]]:
    """The well-formed lines, and (line number, reason) for each malformed one."""
    if len(content) > MAX_BYTES:
        raise FileRejected(f"file larger than {MAX_BYTES} bytes")
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected(f"not UTF-8: {exc.reason} at byte {exc.start}") from None
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise FileRejected("empty file: the first line must be the header")
    delimiter = ";" if lines[0].count(";") >= lines[0].count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = [h.strip().lower() for h in next(reader)]
    if "klas" not in header or not any(i in header for i in IDENTIFIERS):
        raise FileRejected("the header needs klas and one of leer_id_uuid, account_uuid, insz")
    unknown = sorted(set(header) - {"klas", *IDENTIFIERS} - {""})
    if unknown:
        raise FileRejected(f"unknown columns: {', '.join(unknown)}")
    if len(lines) > MAX_LINES + 1:
        raise FileRejected(f"more than {MAX_LINES} lines after the header")
    try:
        return _read_rows(reader, header)
    except csv.Error as exc:
        # A field over the csv module's limit, a NUL byte, an unclosed quote at the end.
        raise FileRejected(f"line {reader.line_num}: not readable as CSV ({exc})") from None


def _read_rows(reader: Any, header: list[str]) -> tuple[list[DropLine], list[tuple[int, str]]]:
    good: list[DropLine] = []
    bad: list[tuple[int, str]] = []
    for row in reader:
        number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            bad.append((number, f"{len(row)} fields, the header has {len(header)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(header, row, strict=True) if name}
        reason = _check(values)
        if reason is not None:
            bad.append((number, reason))
            continue
        good.append(
            DropLine(
                line=number,
                # LeerID stores UUIDs in lower case; _check accepted either case.
                leer_id_uuid=values.get("leer_id_uuid", "").lower() or None,
                account_uuid=values.get("account_uuid", "").lower() or None,
                insz=values.get("insz") or None,
                klas=values["klas"],
            )
        )
    return good, bad


def _check(values: dict[str, str]) -> str | None:
    if not any(values.get(name) for name in IDENTIFIERS):
        return "no leer_id_uuid, account_uuid or insz"
    for name in ("leer_id_uuid", "account_uuid"):
        if values.get(name) and not _is_uuid(values[name]):
            return f"{name} is not a UUID"
    if values.get("insz") and not insz_is_valid(values["insz"]):
        return "insz is not a valid INSZ (11 digits with check digits)"
    if not values.get("klas"):
        return "klas is empty"
    if not _KLAS.match(values["klas"]):
        return "klas is not a class name"
    return None


def _is_uuid(value: str) -> bool:
    try:
        return str(uuid.UUID(value)) == value.lower()
    except ValueError:
        return False
