"""The admin API refuses query parameters a route does not take, instead of ignoring them."""

from __future__ import annotations

import pytest
from starlette.testclient import TestClient


def test_a_misspelled_filter_is_a_422_naming_it(admin: TestClient) -> None:
    response = admin.get("/admin/api/events", params={"clientid": "ididdit"})
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "type": "extra_forbidden",
                "loc": ["query", "clientid"],
                "msg": response.json()["detail"][0]["msg"],
                "input": "ididdit",
            }
        ]
    }
    message = response.json()["detail"][0]["msg"]
    assert "unknown query parameter" in message
    assert "client_id" in message  # the names the route does take


def test_the_declared_filters_still_work(admin: TestClient) -> None:
    assert admin.get("/admin/api/events", params={"client_id": "ididdit"}).status_code == 200
    assert admin.get("/admin/api/pupils", params={"limit": 2, "offset": 1}).status_code == 200


def test_every_unknown_parameter_is_named(admin: TestClient) -> None:
    response = admin.get("/admin/api/clients", params={"foo": "1", "bar": "2"})
    assert response.status_code == 422
    assert [e["loc"] for e in response.json()["detail"]] == [["query", "foo"], ["query", "bar"]]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/admin/api/clock"),
        ("GET", "/admin/api/clients/ididdit"),
        ("POST", "/admin/api/reset"),
    ],
)
def test_a_route_without_query_parameters_refuses_any(
    admin: TestClient, method: str, path: str
) -> None:
    response = admin.request(method, path, params={"x": "1"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "x"]
    assert "takes: none" in response.json()["detail"][0]["msg"]


def test_without_the_token_it_is_401_first(admin: TestClient) -> None:
    response = admin.get(
        "/admin/api/events", params={"clientid": "x"}, headers={"Authorization": ""}
    )
    assert response.status_code == 401


def test_openapi_declares_the_422_on_every_admin_operation(admin: TestClient) -> None:
    document = admin.get("/openapi.json").json()
    operations = [
        (path, method, operation)
        for path, item in document["paths"].items()
        if path.startswith("/admin/api/")
        for method, operation in item.items()
    ]
    assert operations
    for path, method, operation in operations:
        schema = operation["responses"]["422"]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/HTTPValidationError"}, (path, method)
    assert "HTTPValidationError" in document["components"]["schemas"]
