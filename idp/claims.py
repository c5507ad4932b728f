"""Claims: a ``Release`` in the client's claim dialect (docs/claims.md).

Dialect ``leerid`` (the default) uses the attribute names of the protocols (seed 000/001 art. 3);
dialect ``acm`` uses the names ACM sends (``ov_leerid_uuid`` as a list, ``family_name``, …).
The school's name is ``instellingsnaam`` / ``ov_orgnaam``; ACM's ``vo_*`` claims have the same
names in both dialects. ``sub`` is not an attribute: the provider adds it (OIDC Core §8) itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from datastore import VOCABULARY
from idp.release import RELEASABLE, Release

__all__ = [
    "ACM_CLAIMS",
    "ACM_CLAIM_NAMES",
    "CLAIMS_SUPPORTED",
    "CLAIM_DIALECTS",
    "LEERID_CLAIMS",
    "claim_names",
    "to_claims",
]

CLAIM_DIALECTS: tuple[str, ...] = ("leerid", "acm")
LEERID_CLAIMS: tuple[str, ...] = RELEASABLE
# leerid name -> ACM claim name, from the vocabulary (``datastore.vocabulary.VOCABULARY``).
ACM_CLAIM_NAMES: Mapping[str, str] = MappingProxyType({a.name: a.acm_claim for a in VOCABULARY})
ACM_CLAIMS: tuple[str, ...] = tuple(ACM_CLAIM_NAMES[a] for a in RELEASABLE)
# OIDC Discovery 1.0 §3 claims_supported: every claim some client may receive.
CLAIMS_SUPPORTED: tuple[str, ...] = tuple(dict.fromkeys(("sub", *LEERID_CLAIMS, *ACM_CLAIMS)))

# Withheld reasons that mean "the client may have leer_id_uuid, the pupil has none":
# ACM then sends an empty ov_leerid_uuid list rather than leaving the claim out.
_NO_LEER_ID = frozenset({"temporary_account", "not_identified"})


def claim_names(dialect: str) -> tuple[str, ...]:
    """The claim names of a dialect, in the order of ``RELEASABLE``."""
    if dialect == "leerid":
        return LEERID_CLAIMS
    if dialect == "acm":
        return ACM_CLAIMS
    raise ValueError(f"unknown claim dialect {dialect!r}: use one of {', '.join(CLAIM_DIALECTS)}")


def to_claims(release: Release, dialect: str) -> dict[str, Any]:
    """The claims of a release in ``dialect``, without ``sub`` (OIDC Core §5.1, §5.3.2).

    Values are copied, so a caller may change the result without touching the release.
    """
    claim_names(dialect)
    attributes = {name: _copy(value) for name, value in release.attributes.items()}
    if dialect == "leerid":
        return attributes
    claims: dict[str, Any] = {}
    for attribute in RELEASABLE:
        name = ACM_CLAIM_NAMES[attribute]
        if attribute == "leer_id_uuid":
            if attribute in attributes:
                claims[name] = [attributes[attribute]]
            elif any(
                w.attribute == attribute and w.reason in _NO_LEER_ID for w in release.withheld
            ):
                claims[name] = []
        elif attribute in attributes:
            claims[name] = attributes[attribute]
    return claims


def _has_no_leer_id(release: Release) -> bool:
    return any(w.attribute == "leer_id_uuid" and w.reason in _NO_LEER_ID for w in release.withheld)


def _copy(value: Any) -> Any:
    return list(value) if isinstance(value, list | tuple) else value
