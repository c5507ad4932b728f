"""Checks that tie a world fixture together: unique keys and references that resolve in the file.

Each failed check is a ``(path, reason)`` pair; the path points at the offending value, such as
``pupils[3].enrolments[0].class``. A world file is self-contained: every school, class and
username it names is defined in the same file (seeding is idempotent, so repeating a school of
another world is harmless).
"""

from __future__ import annotations

from collections.abc import Iterator

from datastore.worlds.schema import WorldSpec

__all__ = ["check_references"]

Problem = tuple[str, str]


class _Unique:
    """Remembers where each key was first seen; reports the second occurrence."""

    def __init__(self, what: str) -> None:
        self.what = what
        self.seen: dict[str, str] = {}

    def add(self, key: str, path: str) -> Iterator[Problem]:
        first = self.seen.setdefault(key, path)
        if first != path:
            yield path, f"duplicate {self.what} {key!r} (also at {first})"


def check_references(world: WorldSpec) -> list[Problem]:
    """Every problem of cross reference or uniqueness in ``world``, in file order."""
    return [*_schools(world), *_people(world), *_organisations(world), *_misbehave(world)]


def _misbehave(world: WorldSpec) -> Iterator[Problem]:
    clients = {c.client_id for o in world.organisations for a in o.applications for c in a.clients}
    for i, rule in enumerate(world.misbehave):
        if rule.client_id not in clients:
            yield (f"misbehave[{i}].client_id", f"no client {rule.client_id!r} in this file")


def _classes_by_school(world: WorldSpec) -> dict[str, set[str]]:
    return {s.instellingsnummer: {c.name for c in s.classes} for s in world.schools}


def _schools(world: WorldSpec) -> Iterator[Problem]:
    numbers = _Unique("instellingsnummer")
    staff = {s.username for s in world.staff}
    for i, school in enumerate(world.schools):
        path = f"schools[{i}]"
        yield from numbers.add(school.instellingsnummer, f"{path}.instellingsnummer")
        names = _Unique(f"class at {school.instellingsnummer}")
        for j, klass in enumerate(school.classes):
            yield from names.add(klass.name, f"{path}.classes[{j}].name")
        parents = {c.name: c.parent for c in school.classes}
        for j, klass in enumerate(school.classes):
            if klass.parent is not None and klass.parent not in parents:
                yield f"{path}.classes[{j}].parent", f"no class {klass.parent!r} at this school"
            elif klass.parent is not None and parents.get(klass.parent) is not None:
                yield (
                    f"{path}.classes[{j}].parent",
                    "a subclass sits under a class, not under another subclass",
                )
        by = school.class_sharing.accepted_by
        if by is not None and by not in staff:
            yield f"{path}.class_sharing.accepted_by", f"no staff member {by!r} in this file"


def _school_ref(number: str, path: str, classes: dict[str, set[str]]) -> Iterator[Problem]:
    if number not in classes:
        yield path, f"no school {number} in this file"


def _class_ref(
    number: str, klass: str | None, path: str, classes: dict[str, set[str]]
) -> Iterator[Problem]:
    if number not in classes:
        yield path.rsplit(".", 1)[0] + ".school", f"no school {number} in this file"
    elif klass is not None and klass not in classes[number]:
        yield path, f"no class {klass!r} at school {number}"


def _people(world: WorldSpec) -> Iterator[Problem]:
    classes = _classes_by_school(world)
    usernames = _Unique("username")
    account_uuids = _Unique("account_uuid")
    leer_ids = _Unique("leer_id_uuid")
    insz = _Unique("INSZ")
    for i, member in enumerate(world.staff):
        path = f"staff[{i}]"
        yield from usernames.add(member.username, f"{path}.username")
        if member.account_uuid is not None:
            yield from account_uuids.add(member.account_uuid, f"{path}.account_uuid")
        if member.password is None and world.passwords.staff is None:
            yield f"{path}.password", "no password: set passwords.staff or this one"
        for j, assignment in enumerate(member.director_assignments):
            yield from _school_ref(
                assignment.school, f"{path}.director_assignments[{j}].school", classes
            )
        for j, number in enumerate(member.beheerder_at):
            yield from _school_ref(number, f"{path}.beheerder_at[{j}]", classes)
    for i, pupil in enumerate(world.pupils):
        path = f"pupils[{i}]"
        if pupil.insz is not None:
            yield from insz.add(pupil.insz, f"{path}.insz")
        if pupil.leer_id_uuid is not None:
            yield from leer_ids.add(pupil.leer_id_uuid, f"{path}.leer_id_uuid")
        for j, old in enumerate(pupil.historiek):
            yield from account_uuids.add(old, f"{path}.historiek[{j}]")
        for j, account in enumerate(pupil.accounts):
            apath = f"{path}.accounts[{j}]"
            yield from usernames.add(account.username, f"{apath}.username")
            yield from account_uuids.add(account.account_uuid, f"{apath}.account_uuid")
            if account.password is None and world.passwords.pupils is None:
                yield f"{apath}.password", "no password: set passwords.pupils or this one"
        for j, enrolment in enumerate(pupil.enrolments):
            yield from _class_ref(
                enrolment.school, enrolment.klas, f"{path}.enrolments[{j}].class", classes
            )


def _organisations(world: WorldSpec) -> Iterator[Problem]:
    classes = _classes_by_school(world)
    pupil_usernames = {a.username for p in world.pupils for a in p.accounts}
    names = _Unique("organisation")
    keys = _Unique("application key")
    client_ids = _Unique("client_id")
    for i, organisation in enumerate(world.organisations):
        path = f"organisations[{i}]"
        yield from names.add(organisation.name, f"{path}.name")
        app_names = _Unique(f"application of {organisation.name}")
        for j, application in enumerate(organisation.applications):
            apath = f"{path}.applications[{j}]"
            yield from keys.add(application.key, f"{apath}.key")
            yield from app_names.add(application.name, f"{apath}.name")
            visibility = application.visibility
            for k, number in enumerate(visibility.schools):
                yield from _school_ref(number, f"{apath}.visibility.schools[{k}]", classes)
            for k, target in enumerate(visibility.classes):
                yield from _class_ref(
                    target.school, target.klas, f"{apath}.visibility.classes[{k}].class", classes
                )
            for k, username in enumerate(visibility.pupils):
                if username not in pupil_usernames:
                    yield (
                        f"{apath}.visibility.pupils[{k}]",
                        f"no pupil account {username!r} in this file",
                    )
            for k, client in enumerate(application.clients):
                cpath = f"{apath}.clients[{k}]"
                yield from client_ids.add(client.client_id, f"{cpath}.client_id")
                if client.class_sharing_integrated and (
                    application.protocol is None or "klas" not in application.protocol.attributes
                ):
                    yield (
                        f"{cpath}.class_sharing_integrated",
                        "class sharing needs 'klas' among the protocol's attributes",
                    )
