"""Input models of the admin API for the school world: schools, classes, pupils, accounts
and enrolments.

Each model forbids unknown fields, so a typo is a 422 that names the field.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator

from datastore import pupil_fields

__all__ = [
    "TEXT",
    "AccountCreate",
    "AccountSpec",
    "AccountUpdate",
    "ClassCreate",
    "ClassUpdate",
    "EnrolmentCreate",
    "EnrolmentSpec",
    "EnrolmentUpdate",
    "Id",
    "LongName",
    "PupilCreate",
    "PupilUpdate",
    "SchoolCreate",
    "SchoolUpdate",
]

Instellingsnummer = Annotated[str, Field(pattern=r"^[0-9]{6}$", examples=["123456"])]
# Free text: no control characters (PostgreSQL refuses NUL; nobody means the others).
TEXT = r"^[^\x00-\x1f\x7f]*$"
Name = Annotated[str, Field(min_length=1, max_length=120, pattern=TEXT)]
LongName = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT)]
ClassName = Annotated[str, Field(min_length=1, max_length=40, pattern=TEXT, examples=["3B"])]
Id = Annotated[int, Field(ge=1, le=2**31 - 1)]
Username = Annotated[str, Field(pattern=r"^[A-Za-z0-9._@-]{1,120}$", examples=["jan.peeters"])]
Password = Annotated[str, Field(min_length=1, max_length=200, pattern=TEXT)]
Uuid = Annotated[
    str,
    Field(pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
]
Insz = Annotated[str, Field(pattern=r"^[0-9]{11}$", examples=["10010112345"])]
Package = Annotated[str, Field(pattern=r"^[a-z0-9_-]{1,40}$", examples=["informat"])]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SchoolCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"instellingsnummer": "111111", "name": "Atheneum Test", "admin_package": "broekx"}
            ]
        }
    )
    instellingsnummer: Instellingsnummer
    name: LongName
    admin_package: Package = "informat"
    class_sharing_active: bool = False


class SchoolUpdate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "Atheneum Nieuw"}]})
    instellingsnummer: Instellingsnummer | None = None
    name: LongName | None = None
    admin_package: Package | None = None
    class_sharing_active: bool | None = None


class ClassCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"school": "123456", "name": "3B1", "parent": "3B"}]}
    )
    school: Instellingsnummer
    name: ClassName
    parent: ClassName | None = Field(default=None, description="the parent class, for a subclass")


class ClassUpdate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"name": "3C"}]})
    name: ClassName | None = None
    parent: ClassName | None = None


class AccountSpec(_Input):
    """A pupil's or staff member's first account, created with them."""

    username: Username
    password: Password
    account_uuid: Uuid | None = None
    is_temporary: bool | None = None


class EnrolmentSpec(_Input):
    """An enrolment (inschrijving) created with a new pupil."""

    school: Instellingsnummer
    klas: ClassName | None = None
    start_date: dt.date
    end_date: dt.date | None = None


if TYPE_CHECKING:
    _PupilDetails = _Input
    _PupilDetailChanges = _Input
else:
    # The pupil's details (naam, voornaam, …) come first, from datastore.vocabulary.
    _PupilDetails = create_model("_PupilDetails", __base__=_Input, **pupil_fields(Name))
    _PupilDetailChanges = create_model(
        "_PupilDetailChanges", __base__=_Input, **pupil_fields(Name, partial=True)
    )


class PupilCreate(_PupilDetails):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "naam": "Claes",
                    "voornaam": "Mila",
                    "insz": "12010112345",
                    "account": {"username": "mila.claes", "password": "Leerling123!"},
                    "enrolment": {"school": "123456", "klas": "3B", "start_date": "2025-09-01"},
                }
            ]
        }
    )
    insz: Insz | None = Field(default=None, description="INSZ; without it, a temporary account")
    leer_id_uuid: Uuid | None = Field(default=None, description="generated when an INSZ is given")
    historiek_account_uuids: list[Uuid] = Field(default_factory=list)
    account: AccountSpec | None = None
    enrolment: EnrolmentSpec | None = None


class PupilUpdate(_PupilDetailChanges):
    model_config = ConfigDict(json_schema_extra={"examples": [{"voornaam": "Jannes"}]})
    insz: Insz | None = None
    leer_id_uuid: Uuid | None = None
    historiek_account_uuids: list[Uuid] | None = None


class AccountCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"pupil_id": 1, "username": "jan.peeters3", "password": "Leerling123!"}]
        }
    )
    username: Username
    password: Password
    pupil_id: Id | None = None
    staff_id: Id | None = None
    account_uuid: Uuid | None = None
    is_temporary: bool = False
    status: Literal["active", "disabled"] = "active"

    @model_validator(mode="after")
    def _one_owner(self) -> AccountCreate:
        if (self.pupil_id is None) == (self.staff_id is None):
            raise ValueError("give exactly one of pupil_id and staff_id")
        return self


class AccountUpdate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"password": "Nieuw123!"}, {"status": "disabled"}]}
    )
    username: Username | None = None
    password: Password | None = None
    status: Literal["active", "disabled"] | None = None
    is_temporary: bool | None = None


class EnrolmentCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "jan.peeters",
                    "school": "654321",
                    "klas": "5A",
                    "start_date": "2026-09-01",
                }
            ]
        }
    )
    pupil_id: Id | None = None
    username: Username | None = Field(default=None, description="an account of the pupil")
    school: Instellingsnummer
    klas: ClassName | None = None
    start_date: dt.date
    end_date: dt.date | None = None

    @model_validator(mode="after")
    def _one_pupil(self) -> EnrolmentCreate:
        if (self.pupil_id is None) == (self.username is None):
            raise ValueError("give exactly one of pupil_id and username")
        return self


class EnrolmentUpdate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"end_date": "2026-06-30"}]})
    school: Instellingsnummer | None = None
    klas: ClassName | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
