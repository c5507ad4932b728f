"""rp_demo: a relying party of the LeerID provider, with every demo application and the DOV demo.

It knows the provider only by its issuer URL and client credentials, as a real relying party
does (docs/architecture.md).
"""

from rp_demo.app import create_app
from rp_demo.settings import RPSettings

__all__ = ["RPSettings", "create_app"]
