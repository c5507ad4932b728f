"""Input models of the admin API for school staff, their roles and class sharing."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from idp.admin.schemas_world import TEXT, AccountSpec, Id, Instellingsnummer, Name, Username

__all__ = [
    "AssignmentCreate",
    "AssignmentUpdate",
    "ClassSharingUpdate",
    "GrantCreate",
    "StaffCreate",
    "StaffUpdate",
]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class StaffCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "naam": "Verhoeven",
                    "voornaam": "Katrien",
                    "account": {"username": "katrien.v", "password": "Personeel123!"},
                }
            ]
        }
    )
    naam: Name
    voornaam: Name
    email: Annotated[str, Field(max_length=200, pattern=TEXT)] | None = None
    account: AccountSpec | None = None


class StaffUpdate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"email": "k@school.test"}]})
    naam: Name | None = None
    voornaam: Name | None = None
    email: Annotated[str, Field(max_length=200, pattern=TEXT)] | None = None


class AssignmentCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "username": "ilse.interim",
                    "school": "654321",
                    "start_date": "2026-09-01",
                    "end_date": "2027-08-31",
                }
            ]
        }
    )
    staff_id: Id | None = None
    username: Username | None = Field(default=None, description="the staff member's account")
    school: Instellingsnummer
    sent: bool = True
    start_date: dt.date
    end_date: dt.date | None = Field(default=None, description="none: a permanent director")

    @model_validator(mode="after")
    def _one_staff(self) -> AssignmentCreate:
        if (self.staff_id is None) == (self.username is None):
            raise ValueError("give exactly one of staff_id and username")
        return self


class AssignmentUpdate(_Input):
    model_config = ConfigDict(json_schema_extra={"examples": [{"end_date": "2026-08-31"}]})
    school: Instellingsnummer | None = None
    sent: bool | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None


class GrantCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"username": "bert.beheerder", "school": "654321"}]}
    )
    staff_id: Id | None = None
    username: Username | None = None
    school: Instellingsnummer

    @model_validator(mode="after")
    def _one_staff(self) -> GrantCreate:
        if (self.staff_id is None) == (self.username is None):
            raise ValueError("give exactly one of staff_id and username")
        return self


class ClassSharingUpdate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"active": True, "username": "dirk.directeur"}]}
    )
    active: bool
    username: Username | None = Field(
        default=None, description="the staff member who accepts or stops (optional)"
    )
