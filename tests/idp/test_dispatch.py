"""The protocol endpoints served without the router (idp.dispatch) answer as routed ones would.

Parameters, content types, oversized and repeated input, methods an endpoint does not take,
failures recorded as events, and the OpenAPI document made from the same route table: a client
sees the protocol's own errors, never a traceback.
"""

from __future__ import annotations

import base64

import pytest
from fastapi.testclient import TestClient

from idp.adapter import MAX_FORM_BYTES
from idp.dispatch import ROUTES
from tests.idp.flows import OFFLINE, admin, auth_params, basic, granted_scope, tokens_for


def test_token_needs_a_form_body(op: TestClient) -> None:
    response = op.post(
        "/op/v1/token",
        json={"grant_type": "refresh_token", "refresh_token": "x"},
        auth=basic("ididdit"),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "application/x-www-form-urlencoded" in response.json()["error_description"]


# A 70 KB form: over the one limit of every protocol endpoint that reads a form.
OVERSIZED = b"grant_type=refresh_token&token=x&refresh_token=" + b"a" * (70 * 1024)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
TOO_LARGE = {
    "error": "invalid_request",
    "error_description": f"the form is larger than {MAX_FORM_BYTES} bytes",
}


@pytest.mark.parametrize(
    "path", ["/op/v1/token", "/op/v1/userinfo", "/op/v1/introspect", "/op/v1/revoke"]
)
def test_an_oversized_form_is_the_same_invalid_request_everywhere(
    op: TestClient, path: str
) -> None:
    response = op.post(path, content=OVERSIZED, headers=FORM, auth=basic("ididdit"))
    assert response.status_code == 400
    assert response.json() == TOO_LARGE
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/op/v1/auth", "/op/v1/login", "/op/v1/logout"])
def test_an_oversized_form_to_a_page_is_the_invalid_request_page(op: TestClient, path: str) -> None:
    response = op.post(path, content=OVERSIZED, headers=FORM)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert 'data-testid="error-code">invalid_request<' in response.text


def test_a_form_at_the_limit_is_read(op: TestClient) -> None:
    body = b"grant_type=refresh_token&refresh_token="
    response = op.post(
        "/op/v1/token",
        content=body + b"a" * (MAX_FORM_BYTES - len(body)),
        headers=FORM,
        auth=basic("ididdit"),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_an_oversized_form_under_a_fault_rule_is_still_invalid_request(op: TestClient) -> None:
    # A rule for another client: fault injection reads the form for its client_id, then the
    # endpoint gets the request as it came.
    rule = {"endpoint": "token", "client_id": "i-learn", "status_code": 502}
    assert admin(op, "POST", "/faults", rule).status_code == 201
    response = op.post("/op/v1/token", content=OVERSIZED, headers=FORM, auth=basic("ididdit"))
    assert (response.status_code, response.json()) == (400, TOO_LARGE)
    small = op.post(
        "/op/v1/token",
        data={"grant_type": "refresh_token", "refresh_token": "x", "client_id": "ididdit"},
        auth=basic("ididdit"),
    )
    assert small.json()["error"] == "invalid_grant"


def test_a_repeated_token_parameter_is_invalid_request(op: TestClient) -> None:
    response = op.post(
        "/op/v1/token",
        content=b"grant_type=refresh_token&grant_type=authorization_code&refresh_token=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=basic("ididdit"),
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_request",
        "error_description": "parameter grant_type is repeated",
    }


def test_percent_encoded_and_plus_encoded_values_are_decoded(op: TestClient) -> None:
    tokens = tokens_for(op, scope=OFFLINE)
    response = op.post(
        "/op/v1/token",
        # "openid ididdit" spelled with + and %20: the scope must be decoded to compare.
        content=(
            f"grant_type=refresh_token&scope=openid+account&refresh_token={tokens['refresh_token']}"
        ).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
        auth=basic("ididdit"),
    )
    assert response.status_code == 200, response.text
    assert granted_scope(op, response.json()["access_token"], "ididdit") == "openid account"


def test_userinfo_by_post_form_and_bearer_header_both_work(op: TestClient) -> None:
    access = tokens_for(op)["access_token"]
    by_header = op.post("/op/v1/userinfo", headers={"Authorization": f"Bearer {access}"})
    by_form = op.post("/op/v1/userinfo", data={"access_token": access})
    assert by_header.status_code == by_form.status_code == 200
    assert by_header.json() == by_form.json()
    both = op.post(
        "/op/v1/userinfo",
        data={"access_token": access},
        headers={"Authorization": f"Bearer {access}"},
    )
    assert both.status_code == 400
    assert both.json()["error"] == "invalid_request"


def test_userinfo_without_token_is_a_bearer_challenge(op: TestClient) -> None:
    response = op.get("/op/v1/userinfo")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("PUT", "/op/v1/token", "POST"),
        ("DELETE", "/op/v1/auth", "GET, POST"),
        ("HEAD", "/op/v1/userinfo", "GET, POST"),
        ("GET", "/op/v1/revoke", "POST"),
        ("GET", "/op/v1/login", "POST"),
    ],
)
def test_other_methods_get_405_with_allow(
    op: TestClient, method: str, path: str, allow: str
) -> None:
    response = op.request(method, path)
    assert response.status_code == 405
    assert response.headers["allow"] == allow


def test_a_trailing_slash_is_redirected_to_the_endpoint(op: TestClient) -> None:
    response = op.post("/op/v1/token/?x=1", data={"grant_type": "refresh_token"})
    assert response.status_code == 307
    assert response.headers["location"] == "http://localhost:8000/op/v1/token?x=1"


def test_the_openapi_document_describes_the_route_table(op: TestClient) -> None:
    documented = op.get("/openapi.json").json()["paths"]
    for route in ROUTES:
        item = documented.get(f"/op{route.path}")
        if route.summary is None:
            assert item is None
            continue
        assert item is not None
        assert sorted(item) == sorted(m.lower() for m in route.methods)
        assert all(operation["tags"] == ["OpenID Connect"] for operation in item.values())
    assert documented["/op/v1/auth"]["post"]["summary"] == "Authorization endpoint (form)"
    assert documented["/op/v1/token"]["post"]["summary"] == "Token endpoint"


def test_no_framework_route_shadows_the_route_table(op: TestClient) -> None:
    routed = {getattr(route, "path", None) for route in op.app.routes}  # type: ignore[attr-defined]
    assert routed.isdisjoint(f"/op{route.path}" for route in ROUTES)


def test_authorization_errors_before_the_redirect_uri_is_known_are_html(op: TestClient) -> None:
    params = auth_params()
    params["redirect_uri"] = "https://evil.example/cb"
    response = op.get("/op/v1/auth", params=params)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("text/html")
    assert "evil.example" not in response.headers.get("location", "")


def test_authorization_by_post_form_reaches_the_login_page(op: TestClient) -> None:
    response = op.post("/op/v1/auth", data=auth_params())
    assert response.status_code == 200
    assert 'data-testid="login-username"' in response.text
    assert response.headers["content-security-policy"].startswith("default-src 'none'")


def test_failures_on_the_lane_are_recorded_as_events(op: TestClient) -> None:
    op.post(
        "/op/v1/token",
        data={"grant_type": "refresh_token", "refresh_token": "not-a-token"},
        auth=basic("ididdit"),
    )
    events = admin(op, "GET", "/events?type=token&outcome=failure").json()["items"]
    assert [(e["client_id"], e["error"]) for e in events] == [("ididdit", "invalid_grant")]


@pytest.mark.parametrize("with_fault_rule", [False, True])
def test_a_form_cut_off_by_a_disconnect_is_not_acted_on(
    op: TestClient, with_fault_rule: bool
) -> None:
    """A client that goes away mid-body (ASGI ``http.disconnect``) gets no answer, and its
    half form does nothing: here the refresh token it carried is not rotated."""
    body = tokens_for(op, scope=OFFLINE)
    if with_fault_rule:  # fault injection reads the form first, for the client_id
        rule = {"endpoint": "token", "client_id": "someone-else", "status_code": 503}
        assert admin(op, "POST", "/faults", rule).status_code == 201
    form = f"grant_type=refresh_token&refresh_token={body['refresh_token']}&scope=openid".encode()
    authorization = "Basic " + base64.b64encode(":".join(basic("ididdit")).encode()).decode()
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/op/v1/token",
        "raw_path": b"/op/v1/token",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"localhost:8000"),
            (b"content-type", b"application/x-www-form-urlencoded"),
            (b"content-length", str(len(form) + 40).encode()),
            (b"authorization", authorization.encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 8000),
    }
    messages = iter(
        [
            {"type": "http.request", "body": form, "more_body": True},
            {"type": "http.disconnect"},
        ]
    )
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return next(messages)

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    op.portal.call(op.app, scope, receive, send)  # type: ignore[union-attr]
    assert sent == []
    refreshed = op.post(
        "/op/v1/token",
        data={"grant_type": "refresh_token", "refresh_token": body["refresh_token"]},
        auth=basic("ididdit"),
    )
    assert refreshed.status_code == 200, refreshed.text
