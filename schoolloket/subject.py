"""Finding the staff member behind a login, without the pairwise ``sub`` carrying an identity.

``sub`` is pairwise (OIDC Core §8.1) and no claim carries a username or a role (staff roles are read
from the datastore). The provider keeps every access token it issues in the shared datastore as the
SHA-256 of the token (like RFC 7662 introspection, but local: the Schoolloket is DOV's own
application on the same datastore). After a successful token exchange the Schoolloket looks its own
fresh access token up there: the token's account, for client ``schoolloket``, not revoked and not
expired, is the staff member. ``oidc.OidcClient`` has already checked the signatures and that the
access token's ``sub`` is the ID token's.
"""

from __future__ import annotations

from datastore import Datastore, sha256_hex

__all__ = ["staff_account_for_token"]


def staff_account_for_token(store: Datastore, access_token: str, client_id: str) -> int | None:
    """The id of the staff account the access token was issued for, or ``None``."""
    return store.schoolloket.staff_account_for_token(sha256_hex(access_token), client_id)
