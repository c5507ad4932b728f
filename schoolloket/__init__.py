"""The LeerID Schoolloket (seed 002): the school portal where staff manage LeerID.

An OIDC client of the provider for staff login; its data through the datastore's public API.
"""

from schoolloket.app import create_schoolloket

__all__ = ["create_schoolloket"]
