"""Load a world fixture (YAML, format ``leerid-world/1``, docs/fixtures.md) into the datastore.

A file is read and checked completely before anything is written: YAML syntax, every value
(``datastore.worlds.schema``) and every cross reference (``datastore.worlds.refs``). A bad
file raises ``FixtureError(file, path, reason)`` and loads nothing. A good one is upserted in
one transaction (``datastore.worlds.writer``), so loading it twice changes nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError

from datastore.db.models import Base
from datastore.errors import DatastoreError, FixtureError
from datastore.hashing import PasswordHashing
from datastore.worlds.apps import DEFAULT_RP_ORIGIN
from datastore.worlds.refs import check_references
from datastore.worlds.schema import WorldSpec
from datastore.worlds.writer import WorldSummary, write_world

if TYPE_CHECKING:
    from datastore.db.database import Database

__all__ = [
    "DEFAULT_ISSUER",
    "DEFAULT_RP_ORIGIN",
    "DEMO_WORLD",
    "WorldSummary",
    "database_unusable",
    "dump_tables",
    "load_demo",
    "load_world",
    "parse_world",
]

DEFAULT_ISSUER = "http://localhost:8000/op"
DEMO_WORLD = Path(__file__).resolve().parent / "demo.yaml"


def load_world(
    store: Database,
    path: str | Path,
    *,
    issuer: str = DEFAULT_ISSUER,
    rp_origin: str | None = DEFAULT_RP_ORIGIN,
    hashing: PasswordHashing | None = None,
) -> WorldSummary:
    """Check the world file at ``path`` and upsert it into ``store`` in one transaction.

    ``issuer`` fills in ``{issuer_origin}`` in redirect URIs, ``rp_origin`` (where rp_demo
    runs) fills in ``{rp_origin}``; with ``rp_origin=None`` (no rp_demo runs) back-channel
    logout URIs under ``{rp_origin}`` are left out. ``hashing`` hashes the passwords
    (argon2id, OWASP parameters by default; tests pass cheaper ones). Raises ``FixtureError``
    naming the file, the path inside it and the reason; then nothing is loaded.
    """
    world = parse_world(path)
    file = str(path)
    hashing = hashing or PasswordHashing.shared()
    try:
        with store.write() as session:
            summary = write_world(
                session,
                world,
                file=file,
                issuer=issuer,
                hashing=hashing,
                now=store.clock.now(),
                rp_origin=rp_origin,
            )
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
    store: Database,
    *,
    issuer: str = DEFAULT_ISSUER,
    rp_origin: str | None = DEFAULT_RP_ORIGIN,
    hashing: PasswordHashing | None = None,
) -> WorldSummary:
    """Load the demo world (``datastore/worlds/demo.yaml``)."""
    return load_world(store, DEMO_WORLD, issuer=issuer, rp_origin=rp_origin, hashing=hashing)


def parse_world(path: str | Path) -> WorldSpec:
    """Read and check a world file without touching any database; ``FixtureError`` if bad.

    Every problem found is reported at once: duplicate keys and every bad value, or (once each
    value is valid) every broken reference. A YAML syntax error stops the reading there.
    """
    file = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise FixtureError(file, "$", "no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise FixtureError(file, "$", f"cannot read it: {exc}") from None
    try:
        data, problems = _read_yaml(text)
    except yaml.MarkedYAMLError as exc:
        raise FixtureError(file, _mark(exc), _yaml_reason(exc)) from None
    except yaml.YAMLError as exc:
        raise FixtureError(file, "$", f"not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise FixtureError(file, "$", "a world file is a YAML mapping (schools, pupils, ...)")
    try:
        world = WorldSpec.model_validate(data)
    except ValidationError as exc:
        problems += [(_loc(e["loc"]), _reason(e)) for e in exc.errors()]
        raise FixtureError.of(file, problems) from None
    problems += check_references(world)
    if problems:
        raise FixtureError.of(file, problems)
    return world


class _WorldLoader(yaml.SafeLoader):
    """PyYAML's safe loader, but a date-like value that is no date (``2025-13-45``) stays text.

    PyYAML itself raises a bare ``ValueError`` there, without the key it belongs to; as text
    it reaches the schema, which names its path and why it is not a date.
    """


def _timestamp_or_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_WorldLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _read_yaml(text: str) -> tuple[Any, list[tuple[str, str]]]:
    """The document, and a problem for each key repeated in a mapping.

    YAML forbids repeated keys (YAML 1.2 §3.2.1.1), but PyYAML keeps the last value without
    a word: the first one would be lost silently.
    """
    loader = _WorldLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None, []
        problems: list[tuple[str, str]] = []
        _repeated_keys(node, "", problems, set())
        return loader.construct_document(node), problems
    finally:
        loader.dispose()


def _repeated_keys(
    node: yaml.Node, path: str, problems: list[tuple[str, str]], seen: set[int]
) -> None:
    if id(node) in seen:  # an alias: its anchor was checked where it is defined
        return
    seen.add(id(node))
    if isinstance(node, yaml.MappingNode):
        first: dict[str, str] = {}
        for key, value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            name = str(key.value)
            child = f"{path}.{name}" if path else name
            where = f"line {key.start_mark.line + 1}, column {key.start_mark.column + 1}"
            if name in first:
                problems.append(
                    (child, f"duplicate key {name!r} at {where} (first at {first[name]})")
                )
            else:
                first[name] = where
            _repeated_keys(value, child, problems, seen)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _repeated_keys(item, f"{path}[{i}]", problems, seen)


def dump_tables(store: Database) -> dict[str, list[tuple[Any, ...]]]:
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
    if error["type"] == "value_error":
        # Our own checks name the value already; pydantic prefixes them with "Value error, ".
        return message.removeprefix("Value error, ")
    value = error.get("input")
    if isinstance(value, str | int | float | bool) and len(repr(value)) <= 60:
        return f"{message}, not {value!r}"
    return message


def _mark(exc: yaml.MarkedYAMLError) -> str:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        return "$"
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _yaml_reason(exc: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (exc.context, exc.problem) if p]
    return "invalid YAML: " + ", ".join(parts)
