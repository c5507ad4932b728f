"""The synthetic Flanders of ``leerid-sim generate``: schools, classes, pupils, accounts, rows.

Everything comes from one ``random.Random(seed)``, drawn in a fixed order, so the same seed on the
same starting world gives the same rows. Shares (as docs/fixtures.md documents them): about 3% of
pupils are not identified by INSZ and have a temporary account only; about 2% of identified pupils
have a second account and 5% a historiek of old account_uuids; about 4% changed school (an ended
enrolment before the current one) and 1% left school (only an ended enrolment).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

from datastore.worlds.generate_names import (
    BOYS,
    GIRLS,
    MUNICIPALITIES,
    PRIMARY_NAMES,
    SECONDARY_NAMES,
    SURNAMES,
)

__all__ = ["SCHOOL_YEAR_START", "Chunk", "Population", "SchoolPlan", "generated_username"]

SCHOOL_YEAR_START = dt.date(2025, 9, 1)
LAST_SCHOOL_YEAR_END = dt.date(2025, 6, 30)
CREATED_AT = dt.datetime(2025, 9, 1, 6, 0, tzinfo=dt.UTC)
SHARING_ACCEPTED_AT = dt.datetime(2025, 9, 15, 8, 0, tzinfo=dt.UTC)
TEMPORARY_SHARE = 0.03
SECOND_ACCOUNT_SHARE = 0.02
HISTORIEK_SHARE = 0.05
CHANGED_SCHOOL_SHARE = 0.04
LEFT_SCHOOL_SHARE = 0.01
# Version 4 and the RFC 4122 variant: clear the version nibble and variant bits, then set them.
_UUID_CLEAR = ~((0xF << 76) | (0x3 << 62)) & ((1 << 128) - 1)
_UUID_SET = (0x4 << 76) | (0x2 << 62)
T = TypeVar("T")


def generated_username(seed: int, n: int, *, second: bool = False) -> str:
    """The username of generated pupil ``n`` (1-based) of ``seed``: ``gen.<seed>.<n>[b]``.

    The ``gen.`` prefix never clashes with the fixture personas; the seed in it
    lets populations of different seeds live side by side.
    """
    return f"gen.{seed}.{n}" + ("b" if second else "")


@dataclass(slots=True)
class SchoolPlan:
    """One generated school and the ids of its classes per grade."""

    id: int
    instellingsnummer: str
    name: str
    secondary: bool
    admin_package: str
    class_sharing_active: bool
    classes: dict[int, list[int]] = field(default_factory=dict)


@dataclass(slots=True)
class Chunk:
    """The rows of a batch of pupils, per table, as tuples in the order of ``COLUMNS``."""

    pupils: list[tuple[object, ...]] = field(default_factory=list)
    accounts: list[tuple[object, ...]] = field(default_factory=list)
    account_history: list[tuple[object, ...]] = field(default_factory=list)
    enrolments: list[tuple[object, ...]] = field(default_factory=list)


COLUMNS: dict[str, tuple[str, ...]] = {
    "schools": ("id", "instellingsnummer", "name", "admin_package", "class_sharing_active"),
    "class_sharing_acceptances": ("id", "school_id", "protocol_version", "accepted_at"),
    "classes": ("id", "school_id", "name"),
    "pupils": ("id", "insz", "leer_id_uuid", "naam", "voornaam"),
    "accounts": (
        "id",
        "account_uuid",
        "username",
        "password_hash",
        "pupil_id",
        "is_temporary",
        "status",
        "created_at",
        "changed_at",
    ),
    "account_history": ("id", "pupil_id", "old_account_uuid"),
    "enrolments": (
        "id",
        "pupil_id",
        "school_id",
        "class_id",
        "start_date",
        "end_date",
        "class_set_at",
    ),
}


class Population:
    """Draws schools and pupils from one seeded random generator; ids start after ``first_ids``."""

    def __init__(
        self,
        seed: int,
        password_hash: str,
        first_ids: dict[str, int],
        taken_instellingsnummers: Iterable[str],
        taken_insz: Iterable[str],
    ) -> None:
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - reproducible, not secret
        self.password_hash = password_hash
        self.next_id = dict(first_ids)
        self.taken_numbers = set(taken_instellingsnummers)
        # INSZ as integers: a set of 1.2 million ints is a fraction of one of strings.
        self.taken_insz = {int(i) for i in taken_insz}
        self.schools: list[SchoolPlan] = []
        self.pupils_made = 0

    def _id(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table]

    def _uuid(self) -> str:
        """A random (version 4) UUID from the seeded generator, cheaper than a ``uuid.UUID``."""
        bits = (self.rng.getrandbits(128) & _UUID_CLEAR) | _UUID_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _pick(self, choices: Sequence[T]) -> T:
        # Cheaper than rng.choice, and as deterministic.
        return choices[int(self.rng.random() * len(choices))]

    # ----------------------------------------------------------------------- schools

    def make_schools(self, count: int) -> dict[str, list[tuple[object, ...]]]:
        """``count`` schools (both administration packages), their classes and acceptances."""
        rows: dict[str, list[tuple[object, ...]]] = {
            "schools": [],
            "classes": [],
            "class_sharing_acceptances": [],
        }
        rng = self.rng
        for k in range(count):
            number = self._free_instellingsnummer()
            secondary = rng.random() < 0.4
            base = rng.choice(SECONDARY_NAMES if secondary else PRIMARY_NAMES)
            plan = SchoolPlan(
                id=self._id("schools"),
                instellingsnummer=number,
                name=f"{base} {rng.choice(MUNICIPALITIES)}",
                secondary=secondary,
                # Alternate, so that any two schools cover both packages.
                admin_package=("broekx", "informat")[k % 2],
                class_sharing_active=rng.random() < 0.5,
            )
            rows["schools"].append(
                (
                    plan.id,
                    number,
                    plan.name,
                    plan.admin_package,
                    plan.class_sharing_active,
                )
            )
            if plan.class_sharing_active:
                rows["class_sharing_acceptances"].append(
                    (self._id("class_sharing_acceptances"), plan.id, "2024-1", SHARING_ACCEPTED_AT)
                )
            parallel = rng.randint(1, 3)
            for grade in range(1, 7):
                for letter in "ABC"[:parallel]:
                    class_id = self._id("classes")
                    plan.classes.setdefault(grade, []).append(class_id)
                    rows["classes"].append((class_id, plan.id, f"{grade}{letter}"))
            self.schools.append(plan)
        return rows

    def _free_instellingsnummer(self) -> str:
        while True:
            number = f"{self.rng.randrange(100_000, 1_000_000)}"
            if number not in self.taken_numbers:
                self.taken_numbers.add(number)
                return number

    # ----------------------------------------------------------------------- pupils

    def make_pupils(self, count: int) -> Chunk:
        """The next ``count`` pupils with their accounts, historiek and enrolments."""
        chunk = Chunk()
        for _ in range(count):
            self._pupil(chunk)
        return chunk

    def _pupil(self, chunk: Chunk) -> None:
        rng = self.rng
        self.pupils_made += 1
        n = self.pupils_made
        school = self._pick(self.schools)
        grade = 1 + int(rng.random() * 6)
        # Pupils start primary school the year they turn 6 and secondary the year they turn 12.
        birth_year = SCHOOL_YEAR_START.year - (11 if school.secondary else 5) - grade
        birth_day = int(rng.random() * 365)
        girl = rng.random() < 0.5
        voornaam = self._pick(GIRLS if girl else BOYS)
        naam = self._pick(SURNAMES)
        identified = rng.random() >= TEMPORARY_SHARE
        pupil_id = self._id("pupils")
        insz = self._insz(birth_year, birth_day, girl) if identified else None
        leer_id_uuid = self._uuid() if identified else None
        chunk.pupils.append((pupil_id, insz, leer_id_uuid, naam, voornaam))
        self._account(chunk, pupil_id, generated_username(self.seed, n), not identified)
        if identified and rng.random() < SECOND_ACCOUNT_SHARE:
            self._account(chunk, pupil_id, generated_username(self.seed, n, second=True), False)
        if identified and rng.random() < HISTORIEK_SHARE:
            for _ in range(1 + int(rng.random() * 2)):
                chunk.account_history.append((self._id("account_history"), pupil_id, self._uuid()))
        class_id = self._pick(school.classes[grade])
        roll = rng.random()
        if roll < LEFT_SCHOOL_SHARE:
            start = dt.date(SCHOOL_YEAR_START.year - grade, 9, 1)
            self._enrolment(chunk, pupil_id, school, class_id, start, LAST_SCHOOL_YEAR_END)
            return
        if roll < LEFT_SCHOOL_SHARE + CHANGED_SCHOOL_SHARE and len(self.schools) > 1:
            before = self._pick(self.schools)
            if before is not school:
                start = dt.date(SCHOOL_YEAR_START.year - 1, 9, 1)
                self._enrolment(chunk, pupil_id, before, None, start, LAST_SCHOOL_YEAR_END)
        self._enrolment(chunk, pupil_id, school, class_id, SCHOOL_YEAR_START, None)

    def _account(self, chunk: Chunk, pupil_id: int, username: str, temporary: bool) -> None:
        chunk.accounts.append(
            (
                self._id("accounts"),
                self._uuid(),
                username,
                self.password_hash,
                pupil_id,
                temporary,
                "active",
                CREATED_AT,
                CREATED_AT,
            )
        )

    def _enrolment(
        self,
        chunk: Chunk,
        pupil_id: int,
        school: SchoolPlan,
        class_id: int | None,
        start: dt.date,
        end: dt.date | None,
    ) -> None:
        class_set_at = dt.datetime.combine(start, dt.time(), dt.UTC) if class_id else None
        chunk.enrolments.append(
            (self._id("enrolments"), pupil_id, school.id, class_id, start, end, class_set_at)
        )

    def _insz(self, birth_year: int, birth_day: int, girl: bool) -> str:
        """A free INSZ: sequence numbers are odd for boys and even for girls (datastore.insz)."""
        rng = self.rng
        while True:
            yymmdd = _yymmdd(birth_year, birth_day)
            century = 2_000_000_000 if birth_year >= 2000 else 0
            for _ in range(20):
                sequence = 2 * (1 + int(rng.random() * 498)) - (0 if girl else 1)
                first_nine = yymmdd * 1000 + sequence
                number = first_nine * 100 + 97 - (century + first_nine) % 97
                if number not in self.taken_insz:
                    self.taken_insz.add(number)
                    return f"{number:011d}"
            # This birth date is full: the next day.
            birth_year, birth_day = (
                (birth_year, birth_day + 1)
                if birth_day < 364
                else (
                    birth_year + 1,
                    0,
                )
            )


@lru_cache(maxsize=8192)
def _yymmdd(year: int, day_of_year: int) -> int:
    """``YYMMDD`` of the ``day_of_year``-th day (0-based) of ``year``, as an integer."""
    day = dt.date(year, 1, 1) + dt.timedelta(days=day_of_year)
    return (day.year % 100) * 10_000 + day.month * 100 + day.day
