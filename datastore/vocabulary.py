"""The simulator's vocabulary: the attributes a login may release, and a client's integratiedossier.

Attributes (docs/claims.md): ``VOCABULARY`` defines each one once, with its claim name in both
dialects, the scope that asks for it, its category in the register (GDPR art. 30) and, for a
detail of the pupil, how the admin API and world files take it. Claims, release, the register,
the admin and fixture schemas and the pupil's records derive from it; docs/architecture.md
"How to add an attribute" walks the change.

ACM registers each relying party in an integratiedossier: its URIs, the scopes it may ask for, how
it authenticates, and how its tokens look. The simulator's defaults are what ACM does according to
its public documentation (docs/acm-fidelity.md gives the page for each); the options are stricter
or more modern behaviours a dossier may choose.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, get_args

from pydantic import Field

__all__ = [
    "ACCESS_TOKEN_FORMATS",
    "ATTRIBUTES",
    "ATTRIBUTE_CATEGORIES",
    "DEFAULT_ACR",
    "DEFAULT_ALLOWED_SCOPES",
    "DEFAULT_PKCE_METHODS",
    "DOSSIER_FIELDS",
    "GRANT_TYPES",
    "MISBEHAVE_SCENARIOS",
    "PKCE_METHODS",
    "PUPIL_DETAILS",
    "SCHOOL_NAME_ATTRIBUTE",
    "SCOPES",
    "SUBJECT_TYPES",
    "VOCABULARY",
    "VO_CLAIMS",
    "AccessTokenFormat",
    "Attribute",
    "GrantTypeName",
    "PkceMethod",
    "ProtocolAttribute",
    "PupilDetail",
    "Scope",
    "SubjectType",
    "VoClaim",
    "pupil_fields",
]

# Every scope the simulator knows. ``openid``, ``profile``, ``vo``, ``ov_leerling`` and
# ``offline_access`` are ACM's; ``account``, ``inschrijving`` and ``klas`` are the simulator's finer
# LeerID scopes. ``rrn`` (the national number) is never among them: the INSZ is never released.
Scope = Literal[
    "openid", "profile", "vo", "ov_leerling", "offline_access", "account", "inschrijving", "klas"
]
SCOPES: Final[tuple[Scope, ...]] = get_args(Scope)
# A dossier that names no scopes may ask for every scope the simulator knows.
DEFAULT_ALLOWED_SCOPES: Final = SCOPES

# ACM's identity claims of the ``vo`` scope, with the same names in both claim dialects.
VoClaim = Literal["vo_id", "vo_doelgroepcode", "vo_orgcode", "vo_orgnaam"]
VO_CLAIMS: Final[tuple[VoClaim, ...]] = get_args(VoClaim)
# The school's name is no attribute a protocol lists: it comes with ``instellingsnummer``
# (ACM claim ``ov_orgnaam``), because real LeerID clients read the two together.
SCHOOL_NAME_ATTRIBUTE: Final = "instellingsnaam"


@dataclass(frozen=True, slots=True)
class PupilDetail:
    """How the admin API and world files take a detail of the pupil, stored in a column of the
    ``pupils`` table that has the attribute's name.

    ``type`` is the value's type with its constraints (pydantic reads them); ``None`` means a
    name, which each input schema checks with its own name type. A detail that is not
    ``required`` may be left out (it is then ``None``, and release withholds it). ``example`` is
    a valid value, shown in the admin API's schema and used by the tests (a name needs none).
    """

    type: Any = None
    required: bool = True
    description: str | None = None
    example: Any = None


@dataclass(frozen=True, slots=True)
class Attribute:
    """One attribute a login may release (docs/claims.md).

    ``name`` is the protocol's name and the claim in the ``leerid`` dialect, ``acm_claim`` the
    claim in the ``acm`` dialect. ``scope`` is the finer scope that asks for it (``ov_leerling``
    asks for every attribute of the client's protocol). ``category`` is the category of
    personal data in the register; only an attribute with a category is one a protocol's
    article 3 may list. ``pupil`` says how the admin API and world files take it, for a detail
    stored on the pupil; the other values release works out from the account, its enrolments or
    ACM's conventions (``idp.release``).
    """

    name: str
    acm_claim: str
    scope: Scope | None
    description: str
    category: str | None = None
    pupil: PupilDetail | None = None

    @property
    def in_protocol(self) -> bool:
        """Whether a protocol's article 3 may list the attribute."""
        return self.category is not None


_PSEUDONYM = "identificatiegegevens (pseudoniem)"
_IDENTITY = "identiteitsgegevens"

# Every attribute, in the order of the claims: the protocol's attributes (seed 000/001 art. 3,
# seed 002 for klas) with the school's name after its number, then ACM's ``vo`` claims.
# ``ov_klas`` has no public source: the name is assumed.
VOCABULARY: Final[tuple[Attribute, ...]] = (
    Attribute(
        "leer_id_uuid",
        "ov_leerid_uuid",
        "account",
        "the pupil's LeerID key, only for a pupil identified by INSZ",
        _PSEUDONYM,
    ),
    Attribute(
        "account_uuid",
        "ov_account_uuid",
        "account",
        "the single sign-on key of one account",
        _PSEUDONYM,
    ),
    Attribute(
        "historiek_account_uuid",
        "ov_historiek_account_uuid",
        "account",
        "the account_uuids of the pupil's earlier accounts (a list)",
        _PSEUDONYM,
    ),
    Attribute(
        "naam", "family_name", "profile", "the pupil's official name", _IDENTITY, PupilDetail()
    ),
    Attribute(
        "voornaam",
        "given_name",
        "profile",
        "the pupil's official first name",
        _IDENTITY,
        PupilDetail(),
    ),
    Attribute(
        "instellingsnummer",
        "ov_orgcode",
        "inschrijving",
        "the school of the pupil's current enrolment",
        "inschrijvingen",
    ),
    Attribute(
        SCHOOL_NAME_ATTRIBUTE,
        "ov_orgnaam",
        None,
        "the name of that school; comes with instellingsnummer",
    ),
    Attribute("klas", "ov_klas", "klas", "the pupil's administrative (sub)class", "klasinformatie"),
    Attribute("vo_id", "vo_id", "vo", "the account's identifier at ACM (value assumed)"),
    Attribute(
        "vo_doelgroepcode", "vo_doelgroepcode", "vo", "the account's target group at ACM (OV)"
    ),
    Attribute("vo_orgcode", "vo_orgcode", "vo", "the organisation at ACM: the instellingsnummer"),
    Attribute("vo_orgnaam", "vo_orgnaam", "vo", "the name of that organisation"),
)

# The closed vocabulary of protocol attributes: what a protocol's article 3 may list.
ATTRIBUTES: Final[tuple[str, ...]] = tuple(a.name for a in VOCABULARY if a.in_protocol)
# The categories of personal data, as the protocols' article 3 groups them (the register).
ATTRIBUTE_CATEGORIES: Final[dict[str, str]] = {
    a.name: a.category for a in VOCABULARY if a.category is not None
}
# The pupil's details (naam, voornaam, …): the admin API's and the world files' pupil fields, the
# columns of the ``pupils`` table of the same names, and the fields of the admin pupil record.
PUPIL_DETAILS: Final[dict[str, PupilDetail]] = {
    a.name: a.pupil for a in VOCABULARY if a.pupil is not None
}


def pupil_fields(name_type: Any, *, partial: bool = False) -> dict[str, Any]:
    """The pupil's details as ``pydantic.create_model`` field definitions, in vocabulary order.

    ``name_type`` is the input schema's own type of a name. With ``partial`` (a change) every
    detail may be left out; otherwise only the details that are not ``required``.
    """
    fields: dict[str, Any] = {}
    for name, detail in PUPIL_DETAILS.items():
        kind = name_type if detail.type is None else detail.type
        default = None if partial or not detail.required else ...
        annotation = kind if default is ... else kind | None
        examples = None if detail.example is None else [detail.example]
        fields[name] = (
            annotation,
            Field(default, description=detail.description, examples=examples),
        )
    return fields


if TYPE_CHECKING:
    ProtocolAttribute = str
else:
    # ``Literal`` of the names of ``ATTRIBUTES``: the admin API's schema lists them as an enum.
    ProtocolAttribute = Literal[ATTRIBUTES]

SubjectType = Literal["pairwise", "public"]
# OIDC Core §8: pairwise is the simulator's default (a different ``sub`` per client); ACM itself
# gives one public ``sub`` per account, which a dossier chooses with ``public``.
SUBJECT_TYPES: Final[tuple[SubjectType, ...]] = ("pairwise", "public")

AccessTokenFormat = Literal["opaque", "jwt"]
# ACM's access tokens are opaque; ``jwt`` gives RFC 9068 access tokens.
ACCESS_TOKEN_FORMATS: Final[tuple[AccessTokenFormat, ...]] = ("opaque", "jwt")

# The token endpoint's grant types (RFC 6749 §4.1.3, §6), as ACM offers them: the names a dossier
# may register and discovery lists. The provider's grant registry (``idp.grants.GRANTS``) has
# exactly these, in this order (tests/idp/test_grants.py).
GrantTypeName = Literal["authorization_code", "refresh_token"]
GRANT_TYPES: Final[tuple[GrantTypeName, ...]] = get_args(GrantTypeName)

# The provider endpoints a fault rule can name (idp.paths has the path ACM serves each at).
FaultEndpoint = Literal[
    "authorization",
    "token",
    "userinfo",
    "jwks",
    "discovery",
    "introspection",
    "revocation",
    "logout",
]
FAULT_ENDPOINTS: Final[tuple[FaultEndpoint, ...]] = get_args(FaultEndpoint)

# What the provider records as protocol events (``GET /admin/api/events``): one type per protocol
# endpoint, the back-channel logout and the misbehaving-ACM scenarios; and how each ended (a fault
# rule answered, a scenario served or let the request go on).
EventType = Literal[
    "discovery",
    "jwks",
    "authorization",
    "login",
    "token",
    "userinfo",
    "introspection",
    "revocation",
    "logout",
    "backchannel_logout",
    "misbehave",
]
EVENT_TYPES: Final[tuple[EventType, ...]] = get_args(EventType)
EventOutcome = Literal["success", "failure", "fault", "served", "went_on"]
EVENT_OUTCOMES: Final[tuple[EventOutcome, ...]] = get_args(EventOutcome)

# How a client authenticates at the token, introspection and revocation endpoints (OIDC Core
# §9, RFC 7523): the methods a dossier may register and discovery lists; the first two send a
# secret. Introspection takes every one but ``none`` (RFC 7662 §2.1: the caller is a client).
AuthMethod = Literal["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]
AUTH_METHODS: Final[tuple[AuthMethod, ...]] = get_args(AuthMethod)
SECRET_AUTH_METHODS: Final[frozenset[AuthMethod]] = frozenset(
    {"client_secret_basic", "client_secret_post"}
)

# The algorithms the provider signs ID tokens with (OIDC Core §3.1.3.7: RS256 by default; a
# dossier may choose ES256) and accepts for a client assertion (RFC 7523 §3).
SigningAlg = Literal["RS256", "ES256"]
SIGNING_ALGS: Final[tuple[SigningAlg, ...]] = get_args(SigningAlg)
AssertionAlg = Literal["RS256", "ES256", "PS256"]
ASSERTION_ALGS: Final[tuple[AssertionAlg, ...]] = get_args(AssertionAlg)

PkceMethod = Literal["S256", "plain"]
# RFC 7636 §4.2. ACM advertises both; a dossier may allow S256 only.
PKCE_METHODS: Final[tuple[PkceMethod, ...]] = ("S256", "plain")
DEFAULT_PKCE_METHODS: Final[tuple[PkceMethod, ...]] = PKCE_METHODS

# ACM names its authentication methods ``urn:be:vlaanderen:authmech:…``; the value it sends for a
# LeerID login is not public, so this one is assumed (and each dossier may set its own).
DEFAULT_ACR: Final = "urn:be:vlaanderen:authmech:leerid"

# The fields of an integratiedossier, in the order the preview, the register and the DOV page
# show them. A lifetime of ``None`` is the provider's setting (LEERID_*_TTL_SECONDS).
DOSSIER_FIELDS: Final[tuple[str, ...]] = (
    "allowed_scopes",
    "claim_dialect",
    "subject_type",
    "access_token_format",
    "token_endpoint_auth_method",
    "extra_auth_methods",
    "jwks_uri",
    "pkce_methods",
    "id_token_signed_response_alg",
    "access_token_ttl_seconds",
    "id_token_ttl_seconds",
    "refresh_token_ttl_seconds",
    "acr_values",
    "grant_types",
    "class_sharing_integrated",
    "redirect_uris",
    "post_logout_redirect_uris",
    "backchannel_logout_uri",
)


# The names of the misbehaving-ACM scenarios (the provider plays them, world files and the admin
# API arm them); most mirror a test of the OpenID Foundation's relying-party test plan.
MISBEHAVE_SCENARIOS: Final[tuple[str, ...]] = (
    "id_token-kid-unknown",
    "id_token-kid-absent-multiple-jwks",
    "id_token-bad-sig",
    "id_token-sig-none",
    "id_token-iss-mismatch",
    "id_token-aud-mismatch",
    "id_token-aud-extra-without-azp",
    "id_token-exp-expired",
    "id_token-iat-future",
    "nonce-invalid",
    "nonce-missing",
    "id_token-at_hash-wrong",
    "key-rotation",
    "token-type-missing",
    "ov_leerid_uuid-string",
    "historiek-contains-current",
    "claims-outside-protocol",
    "userinfo-bad-sub",
    "authorization-iss-mismatch",
    "authorization-state-missing",
)
