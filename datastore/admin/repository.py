"""The admin repository (``store.admin``): create, read, update and delete the whole world.

Every change is one atomic transaction that also bumps the generation counter, so every worker
drops its cached clients, protocols and keys at its next request. Natural keys
(instellingsnummer, username or account_uuid, client_id, application key) name things; invalid
references raise ``InvalidField`` (naming the field), taken keys ``AlreadyExists``, unknown
things ``NotFound`` and contradictions ``Conflict``.
"""

from __future__ import annotations

from datastore.admin.base import InvalidField, UnknownReference
from datastore.admin.clients import ClientAdmin
from datastore.admin.providers import ProviderAdmin
from datastore.admin.pupils import PupilAdmin
from datastore.admin.schools import SchoolAdmin
from datastore.admin.staff import StaffAdmin
from datastore.admin.visibility import VisibilityAdmin

__all__ = ["AdminRepository", "InvalidField", "UnknownReference"]


class AdminRepository(
    SchoolAdmin, PupilAdmin, StaffAdmin, ProviderAdmin, ClientAdmin, VisibilityAdmin
):
    """Every admin change to the world, one concern per base class."""
