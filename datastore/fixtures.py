"""Load a world fixture (YAML, format ``leerid-world/1``, docs/fixtures.md) into the datastore.

A file is read and checked completely before anything is written: YAML syntax, every value
(``datastore.fixtures_schema``) and every cross reference (``datastore.fixtures_refs``). A bad
file raises ``FixtureError(file, path, reason)`` and loads nothing. A good one is upserted in
one transaction (``datastore.fixtures_writer``), so loading it twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from datastore.errors import DatastoreError, FixtureError
from datastore.fixtures_refs import check_references
from datastore.fixtures_schema import WorldSpec
from datastore.fixtures_writer import WorldSummary, write_world
from datastore.hashing import PasswordHashing
from datastore.models import Base

if TYPE_CHECKING:
    from datastore.store import Datastore

__all__ = [
    "DEFAULT_ISSUER",
    "DEMO_WORLD",
    "WorldSummary",
    "database_unusable",
    "dump_tables",
    "load_demo",
    "load_world",
    "parse_world",
]

DEFAULT_ISSUER = "http://localhost:8000/op"
DEMO_WORLD = Path(__file__).resolve().parent / "worlds" / "demo.yaml"


def load_world(
    store: Datastore,
    path: str | Path,
    *,
    issuer: str = DEFAULT_ISSUER,
    hashing: PasswordHashing | None = None,
) -> WorldSummary:
    """Check the world file at ``path`` and upsert it into ``store`` in one transaction.

    ``issuer`` fills in ``{issuer_origin}`` in redirect URIs. ``hashing`` hashes the passwords
    (argon2id, OWASP parameters by default; tests pass cheaper ones). Raises ``FixtureError``
    naming the file, the path inside it and the reason; then nothing is loaded.
    """
    world = parse_world(path)
    file = str(path)
    hashing = hashing or PasswordHashing.shared()
    try:
        with store.write() as session:
            summary = write_world(session, world, file=file, issuer=issuer, hashing=hashing)
            # Processes cache clients and protocols: tell them the world changed.
            store.clock.bump_generation(session)
    except IntegrityError as exc:
        raise FixtureError(file, "$", f"conflicts with the database: {_first_line(exc)}") from None
    except DBAPIError as exc:
        raise database_unusable(exc) from None
    return summary


def database_unusable(exc: DBAPIError) -> DatastoreError:
    """A one-line error for a database that cannot be reached or has no schema yet."""
    return DatastoreError(
        f"the database cannot be used ({_first_line(exc)}); is it reachable, and did "
        "'leerid-sim db upgrade' run?"
    )


def _first_line(exc: DBAPIError) -> str:
    text = str(exc.orig) if exc.orig is not None else str(exc)
    return (text.strip().splitlines() or [type(exc).__name__])[0]


def load_demo(
    store: Datastore, *, issuer: str = DEFAULT_ISSUER, hashing: PasswordHashing | None = None
) -> WorldSummary:
    """Load the demo world of CONTRACT.md (``datastore/worlds/demo.yaml``)."""
    return load_world(store, DEMO_WORLD, issuer=issuer, hashing=hashing)


def parse_world(path: str | Path) -> WorldSpec:
    """Read and check a world file without touching any database; ``FixtureError`` if bad."""
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FixtureError(file, "$", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(file, "$", f"cannot read it: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        raise FixtureError(file, _mark(exc), _yaml_reason(exc)) from None
    except yaml.YAMLError as exc:
        raise FixtureError(file, "$", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise FixtureError(file, "$", "a world file is a YAML mapping (schools, pupils, ...)")
    try:
        world = WorldSpec.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        more = exc.error_count() - 1
        reason = _reason(error) + _more(more)
        raise FixtureError(file, _loc(error["loc"]), reason) from None
    problems = check_references(world)
    if problems:
        (where, reason), more = problems[0], len(problems) - 1
        raise FixtureError(file, where, reason + _more(more))
    return world


def _more(count: int) -> str:
    if count == 0:
        return ""
    return f" (and {count} more problem{'s' if count > 1 else ''})"


def dump_tables(store: Datastore) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every world table, ordered, as plain tuples (for checks and tests)."""
    with store.read() as session:
        return {
            table.name: [
                tuple(row)
                for row in session.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def _loc(loc: tuple[int | str, ...]) -> str:
    """A pydantic location as a path: ``('pupils', 3, 'name')`` -> ``pupils[3].name``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif text:
            text += f".{part}"
        else:
            text = str(part)
    return text or "$"


def _reason(error: Any) -> str:
    message = str(error["msg"])
    if error["type"] == "extra_forbidden":
        return "unknown key"
    if error["type"] == "missing":
        return "required key is missing"
    # pydantic prefixes the messages of our own checks with "Value error, ".
    return message.removeprefix("Value error, ")


def _mark(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return "$"
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _yaml_reason(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "invalid YAML: " + ", ".join(parts)
