"""``error_description`` never repeats what the client sent (RFC 6749 §4.1.2.1, §5.2).

Its characters are limited to %x20-21 / %x23-5B / %x5D-7E, and a description that echoes a
scope, a prompt value or a parameter name would let anyone put text of their choosing on the
client's error page under the provider's name.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from idp.rendering import safe_description
from tests.idp.flows import OFFLINE, REDIRECT_URI, auth_params, basic, query, tokens_for

pytestmark = pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)

MARK = "zz-injected-Text"
ALLOWED = re.compile(r"[\x20\x21\x23-\x5b\x5d-\x7e]*")


def _check(description: str) -> None:
    assert ALLOWED.fullmatch(description), description
    assert MARK.lower() not in description.lower()


@pytest.mark.parametrize(
    "params",
    [
        {"scope": f"openid {MARK}"},
        {"prompt": MARK},
        {"response_mode": MARK},
        {"max_age": MARK},
    ],
)
def test_authorization_errors_do_not_repeat_the_request(
    op: TestClient, params: dict[str, str]
) -> None:
    response = op.get("/op/v1/auth", params=auth_params(**params))
    assert response.status_code in (302, 303), response.text
    answer = query(response.headers["location"])
    assert answer["error"] in ("invalid_scope", "invalid_request")
    _check(answer["error_description"])


def test_a_repeated_unknown_parameter_is_not_named(op: TestClient) -> None:
    params = [*auth_params().items(), (MARK, "1"), (MARK, "2")]
    response = op.get("/op/v1/auth", params=params)
    answer = query(response.headers["location"])
    assert answer["error"] == "invalid_request"
    _check(answer["error_description"])
    assert "repeated" in answer["error_description"]


def test_a_repeated_protocol_parameter_is_named(op: TestClient) -> None:
    params = [*auth_params().items(), ("nonce", "again")]
    answer = query(op.get("/op/v1/auth", params=params).headers["location"])
    assert answer["error_description"] == "parameter nonce is repeated"


def test_unknown_grant_type_is_not_repeated(op: TestClient) -> None:
    response = op.post("/op/v1/token", data={"grant_type": MARK}, auth=basic("ididdit"))
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    _check(response.json()["error_description"])


def test_refresh_scope_beyond_the_grant_is_not_repeated(op: TestClient) -> None:
    tokens = tokens_for(op, scope=OFFLINE)
    response = op.post(
        "/op/v1/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "scope": f"openid {MARK}",
        },
        auth=basic("ididdit"),
    )
    assert response.json()["error"] == "invalid_scope"
    _check(response.json()["error_description"])


def test_no_description_at_the_token_endpoint_repeats_the_request(op: TestClient) -> None:
    for data in (
        {"grant_type": "authorization_code", "code": MARK, "redirect_uri": REDIRECT_URI},
        {"grant_type": "refresh_token", "refresh_token": MARK},
        {"grant_type": "authorization_code", "client_id": MARK, "code": "x"},
    ):
        response = op.post("/op/v1/token", data=data)
        assert response.status_code in (400, 401), response.text
        _check(response.json()["error_description"])


def test_the_renderer_keeps_only_the_characters_rfc_6749_allows(op: TestClient) -> None:
    assert safe_description('a "quoted" \\ text\n\u00e9\x00 end') == "a quoted  text end"
