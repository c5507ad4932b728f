"""The shared rules of idp/checks.py: one answer per case, whichever endpoint asks."""

from __future__ import annotations

import dataclasses

import pytest

from datastore import AccountRecord, ClientRecord, ProtocolRecord
from idp.checks import (
    check_grant_type_registered,
    check_protocol_at_authorization,
    check_protocol_at_grant,
    protocol_not_active,
    redirect_uri_registered,
    staff_pupil_gate,
)
from idp.errors import InvalidGrant, UnauthorizedClient

PROTOCOL = ProtocolRecord(
    reference="P-1",
    attributes=("leer_id_uuid",),
    purpose="test",
    disclosure_legal_basis="AVG",
    processing_legal_basis="AVG",
    retention_days=30,
    inactive_account_deletion_days=None,
    status="active",
    signed_on=None,
    source_document=None,
)
CLIENT = ClientRecord(
    id=1,
    client_id="app",
    name="App",
    application_id=1,
    application_key="app",
    application_name="App",
    organisation="Uitgeverij",
    redirect_uris=("http://localhost:8001/callback",),
    post_logout_redirect_uris=(),
    token_endpoint_auth_method="client_secret_basic",
    extra_auth_methods=(),
    secret_hash=None,
    jwks=None,
    grant_types=("authorization_code",),
    id_token_signed_response_alg="RS256",
    claim_dialect="leerid",
    class_sharing_integrated=False,
    backchannel_logout_uri=None,
    sector_identifier=None,
    staff_only=False,
    protocol=PROTOCOL,
)
STAFF_ONLY = dataclasses.replace(CLIENT, staff_only=True, protocol=None)
PUPIL = AccountRecord(
    id=1,
    account_uuid="u",
    username="pupil",
    password_hash="x",
    is_temporary=False,
    status="active",
    pupil_id=7,
    staff_id=None,
    naam="N",
    voornaam="V",
)
STAFF = dataclasses.replace(PUPIL, pupil_id=None, staff_id=3)


def _with_protocol(status: str | None, *, staff_only: bool = False) -> ClientRecord:
    protocol = None if status is None else dataclasses.replace(PROTOCOL, status=status)
    return dataclasses.replace(CLIENT, protocol=protocol, staff_only=staff_only)


@pytest.mark.parametrize(
    ("status", "staff_only", "why"),
    [
        ("active", False, None),
        ("ended", False, "ended"),
        ("suspended", False, "suspended"),
        (None, False, "missing"),
        (None, True, None),  # the Schoolloket: no protocol, none needed
        ("ended", True, None),
    ],
)
def test_the_protocol_rule(status: str | None, staff_only: bool, why: str | None) -> None:
    client = _with_protocol(status, staff_only=staff_only)
    assert protocol_not_active(client) == why
    if why is None:
        check_protocol_at_authorization(client)
        check_protocol_at_grant(client)
        return
    with pytest.raises(UnauthorizedClient) as at_authorization:
        check_protocol_at_authorization(client)
    assert at_authorization.value.description == f"the client's protocol with DOV is {why}"
    assert at_authorization.value.reason == f"protocol {why}"
    with pytest.raises(InvalidGrant) as at_grant:
        check_protocol_at_grant(client)
    assert at_grant.value.description == "the client's protocol with DOV is not active"
    assert at_grant.value.reason == "protocol not active"


@pytest.mark.parametrize(
    ("client", "account", "refusal"),
    [
        (CLIENT, PUPIL, None),
        (CLIENT, STAFF, "staff_at_pupil_client"),
        (STAFF_ONLY, STAFF, None),
        (STAFF_ONLY, PUPIL, "pupil_at_staff_client"),
    ],
)
def test_the_staff_pupil_gate(
    client: ClientRecord, account: AccountRecord, refusal: str | None
) -> None:
    assert staff_pupil_gate(client, account) == refusal


def test_redirect_uri_and_grant_type_match_exactly() -> None:
    assert redirect_uri_registered(CLIENT, "http://localhost:8001/callback")
    assert not redirect_uri_registered(CLIENT, "http://localhost:8001/callback/")
    assert not redirect_uri_registered(CLIENT, "HTTP://localhost:8001/callback")
    check_grant_type_registered(CLIENT, "authorization_code")
    with pytest.raises(UnauthorizedClient, match="not registered for the refresh_token grant"):
        check_grant_type_registered(CLIENT, "refresh_token")
