"""The identity provider: ACM with LeerID, as an OpenID Connect provider."""

from idp.app import create_app
from idp.settings import ProviderSettings

__all__ = ["ProviderSettings", "create_app"]
