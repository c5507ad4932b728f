"""The LeerID datastore: the only package that touches the database.

It hands out frozen records and a few named errors; ORM rows never leave it.
"""

from datastore.errors import (
    AlreadyExists,
    Conflict,
    DatastoreError,
    FixtureError,
    NotFound,
    database_problem,
)
from datastore.hashing import Argon2Parameters, PasswordHashing, sha256_hex, verify_sha256
from datastore.records import (
    ATTRIBUTES,
    AccountRecord,
    ClientRecord,
    EnrolmentFacts,
    ProtocolRecord,
    ReleaseFacts,
    dossier_view,
)
from datastore.store import Datastore
from datastore.throttle_records import ThrottleCount, ThrottleRecord, ThrottleRule
from datastore.vocabulary import (
    ACCESS_TOKEN_FORMATS,
    DEFAULT_ACR,
    DEFAULT_ALLOWED_SCOPES,
    DEFAULT_PKCE_METHODS,
    DOSSIER_FIELDS,
    PKCE_METHODS,
    SCHOOL_NAME_ATTRIBUTE,
    SCOPES,
    SUBJECT_TYPES,
    VO_CLAIMS,
    AccessTokenFormat,
    PkceMethod,
    Scope,
    SubjectType,
    VoClaim,
)

__all__ = [
    "ACCESS_TOKEN_FORMATS",
    "ATTRIBUTES",
    "DEFAULT_ACR",
    "DEFAULT_ALLOWED_SCOPES",
    "DEFAULT_PKCE_METHODS",
    "DOSSIER_FIELDS",
    "PKCE_METHODS",
    "SCHOOL_NAME_ATTRIBUTE",
    "SCOPES",
    "SUBJECT_TYPES",
    "VO_CLAIMS",
    "AccessTokenFormat",
    "AccountRecord",
    "AlreadyExists",
    "Argon2Parameters",
    "ClientRecord",
    "Conflict",
    "Datastore",
    "DatastoreError",
    "EnrolmentFacts",
    "FixtureError",
    "NotFound",
    "PasswordHashing",
    "PkceMethod",
    "ProtocolRecord",
    "ReleaseFacts",
    "Scope",
    "SubjectType",
    "ThrottleCount",
    "ThrottleRecord",
    "ThrottleRule",
    "VoClaim",
    "database_problem",
    "dossier_view",
    "sha256_hex",
    "verify_sha256",
]
