"""Write a checked world fixture into the datastore: upserts by natural keys, in one transaction.

Seeding adds and updates; it never deletes. Each row is found by its natural key
(instellingsnummer, class name at a school, account_uuid, username, organisation name,
application key, client_id, ...) and only changed where the fixture says otherwise, so that
loading the same file twice changes nothing. A password whose stored hash already verifies is
not hashed again. A table whose one writer is a module of ``datastore.admin`` is written
through that module's functions, within this transaction.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from datastore.admin.accounts import upsert_account
from datastore.admin.providers import upsert_organisation
from datastore.admin.pupils import add_old_account_uuid, upsert_enrolment, upsert_pupil
from datastore.admin.schools import upsert_acceptance, upsert_class, upsert_school
from datastore.admin.staff import upsert_assignment, upsert_grant, upsert_staff
from datastore.control.rules import arm_scenario
from datastore.db.models import (
    Account,
    AccountHistory,
    Pupil,
    Staff,
)
from datastore.hashing import PasswordHashing, sha256_hex
from datastore.protocol.oidc import end_account_access
from datastore.vocabulary import PUPIL_DETAILS
from datastore.worlds.apps import DEFAULT_RP_ORIGIN, write_application
from datastore.worlds.base import WORLD_EPOCH, Upserter
from datastore.worlds.schema import (
    MisbehaveSpec,
    PupilSpec,
    SchoolSpec,
    StaffSpec,
    WorldSpec,
)

__all__ = ["STAFF_NAMESPACE", "WorldSummary", "Writer", "write_world"]

# Staff account_uuids not given in a fixture are uuid5(STAFF_NAMESPACE, username): stable.
STAFF_NAMESPACE = uuid.UUID("6f1c3b7e-2f43-5a0e-9d1e-4c0f3a5b7d21")


@dataclass(frozen=True, slots=True)
class WorldSummary:
    """How many of each thing the loaded file describes."""

    schools: int
    classes: int
    staff: int
    pupils: int
    accounts: int
    organisations: int
    applications: int
    clients: int


def write_world(
    session: Session,
    world: WorldSpec,
    *,
    file: str,
    issuer: str,
    hashing: PasswordHashing,
    now: dt.datetime,
    rp_origin: str | None = DEFAULT_RP_ORIGIN,
) -> WorldSummary:
    """Upsert everything ``world`` describes within ``session``'s transaction.

    ``now`` (the simulated clock) is when an account the file disables loses its sessions.
    """
    return Writer(session, world, file, issuer, hashing, now, rp_origin).write()


class Writer(Upserter):
    """Upserts one checked world within one session; fails with the path of a conflict."""

    def __init__(
        self,
        session: Session,
        world: WorldSpec,
        file: str,
        issuer: str,
        hashing: PasswordHashing,
        now: dt.datetime,
        rp_origin: str | None = DEFAULT_RP_ORIGIN,
    ) -> None:
        super().__init__(session, file, issuer, rp_origin)
        self.now = now
        self.world = world
        self.hashing = hashing
        self.staff: dict[str, Staff] = {}

    def write(self) -> WorldSummary:
        world = self.world
        for school in world.schools:
            self.write_school(school)
        for i, member in enumerate(world.staff):
            self.write_staff(member, f"staff[{i}]")
        for school in world.schools:
            self.write_class_sharing(school)
        for i, pupil in enumerate(world.pupils):
            self.write_pupil(pupil, f"pupils[{i}]")
        applications = [a for o in world.organisations for a in o.applications]
        for i, organisation in enumerate(world.organisations):
            org = upsert_organisation(self.session, organisation.name)
            for j, application in enumerate(organisation.applications):
                write_application(self, org, application, f"organisations[{i}].applications[{j}]")
        for rule in world.misbehave:
            self.write_misbehave(rule)
        return WorldSummary(
            schools=len(world.schools),
            classes=sum(len(s.classes) for s in world.schools),
            staff=len(world.staff),
            pupils=len(world.pupils),
            accounts=len(world.staff) + sum(len(p.accounts) for p in world.pupils),
            organisations=len(world.organisations),
            applications=len(applications),
            clients=sum(len(a.clients) for a in applications),
        )

    def write_misbehave(self, spec: MisbehaveSpec) -> None:
        """Arm a scenario as the admin API does; loading the file again re-arms it for ``count``."""
        arm_scenario(self.session, spec.scenario, spec.client_id, spec.count, self.now)

    # ------------------------------------------------------------------ schools and staff

    def write_school(self, spec: SchoolSpec) -> None:
        school = upsert_school(
            self.session,
            spec.instellingsnummer,
            name=spec.name,
            admin_package=spec.admin_package,
            class_sharing_active=spec.class_sharing.active,
            # A key issued later (leerid-sim staff package-key) survives a reload without one.
            **(
                {"package_api_key_hash": sha256_hex(spec.package_api_key)}
                if spec.package_api_key
                else {}
            ),
        )
        self.schools[spec.instellingsnummer] = school
        # Classes first, subclasses after: a subclass needs its parent's id.
        for klass in sorted(spec.classes, key=lambda c: c.parent is not None):
            parent = self.classes[(spec.instellingsnummer, klass.parent)] if klass.parent else None
            self.classes[(spec.instellingsnummer, klass.name)] = upsert_class(
                self.session,
                school.id,
                klass.name,
                parent_id=parent.id if parent is not None else None,
            )

    def write_class_sharing(self, spec: SchoolSpec) -> None:
        sharing = spec.class_sharing
        if (
            sharing.accepted_by is None
            or sharing.accepted_at is None
            or sharing.protocol_version is None
        ):
            return
        upsert_acceptance(
            self.session,
            self.schools[spec.instellingsnummer].id,
            sharing.protocol_version,
            sharing.accepted_at,
            staff_id=self.staff[sharing.accepted_by].id,
            current=sharing.active,
        )

    def write_staff(self, spec: StaffSpec, path: str) -> None:
        account_uuid = spec.account_uuid or str(uuid.uuid5(STAFF_NAMESPACE, spec.username))
        existing = self.account(account_uuid, spec.username, path)
        if existing is not None and existing.staff_id is None:
            self.fail(f"{path}.username", "this account belongs to a pupil in the database")
        staff_id = existing.staff_id if existing is not None else None
        staff = upsert_staff(
            self.session, staff_id, naam=spec.naam, voornaam=spec.voornaam, email=spec.email
        )
        self.staff[spec.username] = staff
        password = spec.password or self.world.passwords.staff
        assert password is not None  # checked by check_references
        self.write_account(
            existing, account_uuid, spec.username, password, staff_id=staff.id, status=spec.status
        )
        for assignment in spec.director_assignments:
            upsert_assignment(
                self.session,
                staff.id,
                self.schools[assignment.school].id,
                assignment.start,
                sent=assignment.sent,
                end_date=assignment.end,
            )
        for number in spec.beheerder_at:
            upsert_grant(self.session, staff.id, self.schools[number].id)

    # ------------------------------------------------------------------ accounts and pupils

    def account(self, account_uuid: str, username: str, path: str) -> Account | None:
        """The stored account with this uuid; fails when its username belongs to another one."""
        account = self.session.scalars(
            select(Account).where(Account.account_uuid == account_uuid)
        ).one_or_none()
        holder = self.session.scalars(
            select(Account.account_uuid).where(Account.username == username)
        ).one_or_none()
        if holder is not None and holder != account_uuid:
            self.fail(
                f"{path}.username",
                f"username {username!r} belongs to another account ({holder}) in the database",
            )
        return account

    def write_account(
        self,
        existing: Account | None,
        account_uuid: str,
        username: str,
        password: str,
        *,
        staff_id: int | None = None,
        pupil_id: int | None = None,
        temporary: bool = False,
        status: str = "active",
        created_at: dt.datetime | None = None,
    ) -> None:
        if existing is not None and self.hashing.verify(existing.password_hash, password):
            password_hash = existing.password_hash
        else:
            password_hash = self.hashing.hash(password)
        was_active = existing is not None and existing.status != "disabled"
        account = upsert_account(
            self.session,
            account_uuid,
            username=username,
            password_hash=password_hash,
            pupil_id=pupil_id,
            staff_id=staff_id,
            is_temporary=temporary,
            status=status,
            created_at=created_at or WORLD_EPOCH,
            changed_at=created_at or WORLD_EPOCH,
        )
        if was_active and status == "disabled":
            # As the admin API does: a file that disables an account stops it at once.
            end_account_access(self.session, [account.id], self.now)

    def find_pupil(self, spec: PupilSpec, path: str) -> int | None:
        """The stored pupil this entry describes: by leer_id_uuid, INSZ, then account_uuid."""
        found: list[tuple[str, int]] = []
        if spec.leer_id_uuid is not None:
            pupil_id = self.session.scalar(
                select(Pupil.id).where(Pupil.leer_id_uuid == spec.leer_id_uuid)
            )
            if pupil_id is not None:
                found.append(("leer_id_uuid", pupil_id))
        if spec.insz is not None:
            pupil_id = self.session.scalar(select(Pupil.id).where(Pupil.insz == spec.insz))
            if pupil_id is not None:
                found.append(("insz", pupil_id))
        for j, account in enumerate(spec.accounts):
            row = self.session.execute(
                select(Account.pupil_id, Account.staff_id).where(
                    Account.account_uuid == account.account_uuid
                )
            ).one_or_none()
            if row is not None and row.staff_id is not None:
                self.fail(f"{path}.accounts[{j}].account_uuid", "a staff account in the database")
            if row is not None and row.pupil_id is not None:
                found.append((f"accounts[{j}].account_uuid", row.pupil_id))
        if not found:
            return None
        first_key, first_id = found[0]
        for key, pupil_id in found[1:]:
            if pupil_id != first_id:
                self.fail(f"{path}.{key}", f"belongs to another pupil than {first_key}")
        return first_id

    def write_pupil(self, spec: PupilSpec, path: str) -> None:
        pupil_id = self.find_pupil(spec, path)
        pupil = upsert_pupil(
            self.session,
            pupil_id,
            insz=spec.insz,
            leer_id_uuid=spec.leer_id_uuid,
            **{name: getattr(spec, name) for name in PUPIL_DETAILS},
        )
        for j, account in enumerate(spec.accounts):
            apath = f"{path}.accounts[{j}]"
            existing = self.account(account.account_uuid, account.username, apath)
            password = account.password or self.world.passwords.pupils
            assert password is not None  # checked by check_references
            self.write_account(
                existing,
                account.account_uuid,
                account.username,
                password,
                pupil_id=pupil.id,
                temporary=account.temporary,
                status=account.status,
                created_at=account.created_at,
            )
            self.pupil_ids[account.username] = pupil.id
        for j, old in enumerate(spec.historiek):
            holder = self.session.scalar(
                select(AccountHistory.pupil_id).where(AccountHistory.old_account_uuid == old)
            )
            if holder is not None and holder != pupil.id:
                self.fail(f"{path}.historiek[{j}]", "an old account_uuid of another pupil")
            if holder is None:
                add_old_account_uuid(self.session, pupil.id, old, None)
        for enrolment in spec.enrolments:
            school = self.schools[enrolment.school]
            klass = self.classes[(enrolment.school, enrolment.klas)] if enrolment.klas else None
            upsert_enrolment(
                self.session,
                pupil.id,
                school.id,
                enrolment.start,
                end_date=enrolment.end,
                class_id=klass.id if klass is not None else None,
                class_set_at=(
                    dt.datetime.combine(enrolment.start, dt.time(), dt.UTC) if klass else None
                ),
            )
