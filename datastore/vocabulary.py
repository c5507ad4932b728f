"""The names of a client's integratiedossier, in one place.

ACM registers each relying party in an integratiedossier: its URIs, the scopes it may ask for, how
it authenticates, and how its tokens look. The simulator's defaults are what ACM does according to
its public documentation (docs/acm-fidelity.md gives the page for each); the options are stricter
or more modern behaviours a dossier may choose.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "ACCESS_TOKEN_FORMATS",
    "DEFAULT_ACR",
    "DEFAULT_ALLOWED_SCOPES",
    "DEFAULT_PKCE_METHODS",
    "DOSSIER_FIELDS",
    "MISBEHAVE_SCENARIOS",
    "PKCE_METHODS",
    "SCHOOL_NAME_ATTRIBUTE",
    "SCOPES",
    "SUBJECT_TYPES",
    "VO_CLAIMS",
    "AccessTokenFormat",
    "PkceMethod",
    "Scope",
    "SubjectType",
    "VoClaim",
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

SubjectType = Literal["pairwise", "public"]
# OIDC Core §8: pairwise is the simulator's default (a different ``sub`` per client); ACM itself
# gives one public ``sub`` per account, which a dossier chooses with ``public``.
SUBJECT_TYPES: Final[tuple[SubjectType, ...]] = ("pairwise", "public")

AccessTokenFormat = Literal["opaque", "jwt"]
# ACM's access tokens are opaque; ``jwt`` gives RFC 9068 access tokens.
ACCESS_TOKEN_FORMATS: Final[tuple[AccessTokenFormat, ...]] = ("opaque", "jwt")

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
