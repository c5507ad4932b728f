"""The LeerID datastore: the only package that touches the database.

It hands out frozen records and a few named errors; ORM rows never leave it. Every other package
imports from here only (``from datastore import ...``), never from the modules inside; the
architecture tests check it.

What a server worker needs at start is imported with the package. The rest is imported on first
use (PEP 562 module ``__getattr__``): the repositories' record types (the repositories themselves
are built on first use, see ``Datastore``), world import and generation, migrations (alembic),
the Schoolloket's upload parsing. A process loads only the parts it uses, so the package's API
adds nothing to a server worker's start (cold start); ``TYPE_CHECKING`` imports give the type
checker every name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The Datastore, and the records of its throttle repository (the login's hot path)
from datastore.db.database import StatementLog

# Errors
from datastore.errors import (
    AlreadyExists,
    Conflict,
    DatastoreError,
    FixtureError,
    NotFound,
    RequestRefused,
    database_problem,
)

# Hashing
from datastore.hashing import Argon2Parameters, PasswordHashing, sha256_hex, verify_sha256

# Records
from datastore.records.protocol import (
    AccountRecord,
    ClientRecord,
    EnrolmentFacts,
    ProtocolRecord,
    ReleaseFacts,
    dossier_view,
)
from datastore.records.throttle import ThrottleCount, ThrottleRecord, ThrottleRule
from datastore.store import Datastore

# The closed vocabularies of the protocol and the world
from datastore.vocabulary import (
    ACCESS_TOKEN_FORMATS,
    ASSERTION_ALGS,
    ATTRIBUTE_CATEGORIES,
    ATTRIBUTES,
    AUTH_METHODS,
    DEFAULT_ACR,
    DEFAULT_ALLOWED_SCOPES,
    DEFAULT_PKCE_METHODS,
    DOSSIER_FIELDS,
    EVENT_OUTCOMES,
    EVENT_TYPES,
    FAULT_ENDPOINTS,
    GRANT_TYPES,
    PKCE_METHODS,
    PUPIL_DETAILS,
    SCHOOL_NAME_ATTRIBUTE,
    SCOPES,
    SECRET_AUTH_METHODS,
    SIGNING_ALGS,
    SUBJECT_TYPES,
    VO_CLAIMS,
    VOCABULARY,
    AccessTokenFormat,
    AssertionAlg,
    Attribute,
    AuthMethod,
    EventOutcome,
    EventType,
    FaultEndpoint,
    GrantTypeName,
    PkceMethod,
    ProtocolAttribute,
    PupilDetail,
    Scope,
    SigningAlg,
    SubjectType,
    VoClaim,
    pupil_fields,
)

if TYPE_CHECKING:
    # The names of ``_LAZY`` below, for the type checker.
    from datastore.admin.base import InvalidField
    from datastore.admin.register import ProcessingActivity, build_register, render_register
    from datastore.control.misbehave import ScenarioRule, ServedEvent
    from datastore.control.repository import FaultRuleRecord, PurgeReport
    from datastore.control.snapshots import SnapshotRecord
    from datastore.db.migrations import upgrade
    from datastore.insz import insz_is_valid
    from datastore.protocol.logs import CHANNELS, EventRecord, PrivacyLogRecord, PrivacyRelease
    from datastore.protocol.oidc import (
        CodeGrant,
        CodeRecord,
        CodeRejected,
        EndedSession,
        ProtocolEvent,
        RefreshRejected,
        SessionRecord,
        SigningKeyRecord,
        TokenIssue,
        TokenRecord,
        ping,
    )
    from datastore.records.admin import (
        AdminAccount,
        AdminApplication,
        AdminAssignment,
        AdminClass,
        AdminClient,
        AdminEnrolment,
        AdminGrant,
        AdminOrganisation,
        AdminProtocol,
        AdminPupil,
        AdminSchool,
        AdminStaff,
        AdminVisibility,
        ClassSharingAcceptanceRecord,
        ClassSharingState,
    )
    from datastore.records.schoolloket import (
        CLASS_SHARING_PACKAGES,
        AccessLogRecord,
        Actor,
        ApplicationChoice,
        ClassRecord,
        ClassSharingRecord,
        DropLine,
        DropReport,
        ImportRejected,
        PackagePupil,
        PupilRow,
        SchoolloketSessionRecord,
        SchoolRecord,
        SchoolRoles,
        StaffImportResult,
        StaffImportRow,
        StaffRoles,
        VisibilityRecord,
    )
    from datastore.schoolloket.sharing import NotPermitted
    from datastore.schoolloket.upload import FIELDS as STAFF_UPLOAD_FIELDS
    from datastore.schoolloket.upload import (
        NEW_STAFF_PASSWORD,
        StaffFileError,
        parse_staff_records,
        parse_staff_upload,
    )
    from datastore.worlds.apps import expand_rp_origin
    from datastore.worlds.generate import GENERATED_PASSWORD, PopulationSummary, generate_population
    from datastore.worlds.load import (
        DEFAULT_ISSUER,
        DEFAULT_RP_ORIGIN,
        DEMO_WORLD,
        WorldSummary,
        load_demo,
        load_world,
    )

# module -> the names imported from it on first use
_LAZY_MODULES: dict[str, tuple[str, ...]] = {
    # Errors of the admin API and the Schoolloket
    "datastore.admin.base": ("InvalidField",),
    "datastore.schoolloket.sharing": ("NotPermitted",),
    # The repositories' record types
    "datastore.records.admin": (
        "AdminAccount",
        "AdminApplication",
        "AdminAssignment",
        "AdminClass",
        "AdminClient",
        "AdminEnrolment",
        "AdminGrant",
        "AdminOrganisation",
        "AdminProtocol",
        "AdminPupil",
        "AdminSchool",
        "AdminStaff",
        "AdminVisibility",
        "ClassSharingAcceptanceRecord",
        "ClassSharingState",
    ),
    "datastore.admin.register": ("ProcessingActivity", "build_register", "render_register"),
    "datastore.control.snapshots": ("SnapshotRecord",),
    "datastore.control.repository": ("FaultRuleRecord", "PurgeReport"),
    "datastore.protocol.logs": ("CHANNELS", "EventRecord", "PrivacyLogRecord", "PrivacyRelease"),
    "datastore.control.misbehave": ("ScenarioRule", "ServedEvent"),
    "datastore.protocol.oidc": (
        "CodeGrant",
        "CodeRecord",
        "CodeRejected",
        "EndedSession",
        "ProtocolEvent",
        "RefreshRejected",
        "SessionRecord",
        "SigningKeyRecord",
        "TokenIssue",
        "TokenRecord",
        "ping",
    ),
    "datastore.records.schoolloket": (
        "CLASS_SHARING_PACKAGES",
        "AccessLogRecord",
        "Actor",
        "ApplicationChoice",
        "ClassRecord",
        "ClassSharingRecord",
        "DropLine",
        "DropReport",
        "ImportRejected",
        "PackagePupil",
        "PupilRow",
        "SchoolRecord",
        "SchoolRoles",
        "SchoolloketSessionRecord",
        "StaffImportResult",
        "StaffImportRow",
        "StaffRoles",
        "VisibilityRecord",
    ),
    # World import and generation
    "datastore.worlds.load": (
        "DEFAULT_ISSUER",
        "DEFAULT_RP_ORIGIN",
        "DEMO_WORLD",
        "WorldSummary",
        "load_demo",
        "load_world",
    ),
    "datastore.worlds.apps": ("expand_rp_origin",),
    "datastore.worlds.generate": ("GENERATED_PASSWORD", "PopulationSummary", "generate_population"),
    "datastore.insz": ("insz_is_valid",),
    # Migrations (alembic)
    "datastore.db.migrations": ("upgrade",),
    # The Schoolloket's staff upload
    "datastore.schoolloket.upload": (
        "NEW_STAFF_PASSWORD",
        "StaffFileError",
        "parse_staff_records",
        "parse_staff_upload",
    ),
}
# exported name -> (module, name there)
_LAZY: dict[str, tuple[str, str]] = {
    name: (module, name) for module, names in _LAZY_MODULES.items() for name in names
}
_LAZY["STAFF_UPLOAD_FIELDS"] = ("datastore.schoolloket.upload", "FIELDS")

# One sorted list; the imports above and ``_LAZY_MODULES`` group the names by concern.
__all__ = [
    "ACCESS_TOKEN_FORMATS",
    "ASSERTION_ALGS",
    "ATTRIBUTES",
    "ATTRIBUTE_CATEGORIES",
    "AUTH_METHODS",
    "CHANNELS",
    "CLASS_SHARING_PACKAGES",
    "DEFAULT_ACR",
    "DEFAULT_ALLOWED_SCOPES",
    "DEFAULT_ISSUER",
    "DEFAULT_PKCE_METHODS",
    "DEFAULT_RP_ORIGIN",
    "DEMO_WORLD",
    "DOSSIER_FIELDS",
    "EVENT_OUTCOMES",
    "EVENT_TYPES",
    "FAULT_ENDPOINTS",
    "GENERATED_PASSWORD",
    "GRANT_TYPES",
    "NEW_STAFF_PASSWORD",
    "PKCE_METHODS",
    "PUPIL_DETAILS",
    "SCHOOL_NAME_ATTRIBUTE",
    "SCOPES",
    "SECRET_AUTH_METHODS",
    "SIGNING_ALGS",
    "STAFF_UPLOAD_FIELDS",
    "SUBJECT_TYPES",
    "VOCABULARY",
    "VO_CLAIMS",
    "AccessLogRecord",
    "AccessTokenFormat",
    "AccountRecord",
    "Actor",
    "AdminAccount",
    "AdminApplication",
    "AdminAssignment",
    "AdminClass",
    "AdminClient",
    "AdminEnrolment",
    "AdminGrant",
    "AdminOrganisation",
    "AdminProtocol",
    "AdminPupil",
    "AdminSchool",
    "AdminStaff",
    "AdminVisibility",
    "AlreadyExists",
    "ApplicationChoice",
    "Argon2Parameters",
    "AssertionAlg",
    "Attribute",
    "AuthMethod",
    "ClassRecord",
    "ClassSharingAcceptanceRecord",
    "ClassSharingRecord",
    "ClassSharingState",
    "ClientRecord",
    "CodeGrant",
    "CodeRecord",
    "CodeRejected",
    "Conflict",
    "Datastore",
    "DatastoreError",
    "DropLine",
    "DropReport",
    "EndedSession",
    "EnrolmentFacts",
    "EventOutcome",
    "EventRecord",
    "EventType",
    "FaultEndpoint",
    "FaultRuleRecord",
    "FixtureError",
    "GrantTypeName",
    "ImportRejected",
    "InvalidField",
    "NotFound",
    "NotPermitted",
    "PackagePupil",
    "PasswordHashing",
    "PkceMethod",
    "PopulationSummary",
    "PrivacyLogRecord",
    "PrivacyRelease",
    "ProcessingActivity",
    "ProtocolAttribute",
    "ProtocolEvent",
    "ProtocolRecord",
    "PupilDetail",
    "PupilRow",
    "PurgeReport",
    "RefreshRejected",
    "ReleaseFacts",
    "RequestRefused",
    "ScenarioRule",
    "SchoolRecord",
    "SchoolRoles",
    "SchoolloketSessionRecord",
    "Scope",
    "ServedEvent",
    "SessionRecord",
    "SigningAlg",
    "SigningKeyRecord",
    "SnapshotRecord",
    "StaffFileError",
    "StaffImportResult",
    "StaffImportRow",
    "StaffRoles",
    "StatementLog",
    "SubjectType",
    "ThrottleCount",
    "ThrottleRecord",
    "ThrottleRule",
    "TokenIssue",
    "TokenRecord",
    "VisibilityRecord",
    "VoClaim",
    "WorldSummary",
    "build_register",
    "database_problem",
    "dossier_view",
    "expand_rp_origin",
    "generate_population",
    "insz_is_valid",
    "load_demo",
    "load_world",
    "parse_staff_records",
    "parse_staff_upload",
    "ping",
    "pupil_fields",
    "render_register",
    "sha256_hex",
    "upgrade",
    "verify_sha256",
]


def __getattr__(name: str) -> Any:
    """A name of ``_LAZY``, imported on first use and then kept in the package."""
    try:
        module, attribute = _LAZY[name]
    except KeyError:
        raise AttributeError(f"module 'datastore' has no attribute {name!r}") from None
    # ``__import__`` rather than ``importlib.import_module``: the same import, and one that
    # ``python -X importtime`` reports.
    value = getattr(__import__(module, fromlist=[attribute]), attribute)
    globals()[name] = value
    return value
