"""Token endpoint grants (RFC 6749 §4.1.3 authorization_code, §6 refresh_token)."""

from idp.grants.authorization_code import redeem_code
from idp.grants.refresh_token import refresh

__all__ = ["redeem_code", "refresh"]
