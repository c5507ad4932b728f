"""The grants of the token endpoint and their registry (RFC 6749 §4.1.3 authorization_code,
§6 refresh_token).

``GRANTS`` maps each ``grant_type`` to its ``GrantType``; the token endpoint, discovery and the
dossier schemas (through ``datastore.GRANT_TYPES``, which names the same grants) read it.
"""

from idp.grants import authorization_code, refresh_token
from idp.grants.authorization_code import redeem_code
from idp.grants.base import GrantType
from idp.grants.refresh_token import refresh

__all__ = ["GRANTS", "GrantType", "redeem_code", "refresh"]

GRANTS: dict[str, GrantType] = {
    grant.name: grant for grant in (authorization_code.GRANT, refresh_token.GRANT)
}
