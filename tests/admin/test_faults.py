"""Fault rules make the provider fail on purpose, in each endpoint's own protocol terms."""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlsplit

from starlette.testclient import TestClient

from tests.admin.conftest import ISSUER, REDIRECT_URI

API = "/admin/api"


def basic(client_id: str, secret: str) -> dict[str, str]:
    token = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def token_request(admin: TestClient, client_id: str = "i-learn") -> object:
    return admin.post(
        "/op/v1/token",
        data={"grant_type": "authorization_code", "code": "bogus", "redirect_uri": REDIRECT_URI},
        headers=basic(client_id, f"{client_id}-demo-secret"),
    )


def test_token_endpoint_answers_temporarily_unavailable(admin: TestClient) -> None:
    rule = admin.post(
        f"{API}/faults", json={"endpoint": "token", "error": "temporarily_unavailable"}
    )
    assert rule.status_code == 201
    response = token_request(admin)
    assert response.status_code == 503  # type: ignore[attr-defined]
    assert response.json()["error"] == "temporarily_unavailable"  # type: ignore[attr-defined]
    assert response.headers["Cache-Control"] == "no-store"  # type: ignore[attr-defined]
    events = admin.get(f"{API}/events", params={"outcome": "fault"}).json()
    assert events["items"][0]["client_id"] == "i-learn"
    assert admin.delete(f"{API}/faults").json() == {"deleted": 1}
    normal = token_request(admin)
    assert normal.json()["error"] == "invalid_grant"  # type: ignore[attr-defined]


def test_a_counted_rule_fires_n_times_then_disappears(admin: TestClient) -> None:
    admin.post(f"{API}/faults", json={"endpoint": "token", "error": "server_error", "count": 2})
    assert [token_request(admin).status_code for _ in range(3)] == [500, 500, 400]  # type: ignore[attr-defined]
    assert admin.get(f"{API}/faults").json() == []


def test_a_client_rule_spares_other_clients_and_replays_their_body(admin: TestClient) -> None:
    admin.post(
        f"{API}/faults", json={"endpoint": "token", "client_id": "ididdit", "status_code": 502}
    )
    assert token_request(admin, "ididdit").status_code == 502  # type: ignore[attr-defined]
    # Another client, its client_id in the form body: the body still reaches the endpoint.
    other = admin.post(
        "/op/v1/token",
        data={
            "grant_type": "authorization_code",
            "code": "bogus",
            "redirect_uri": REDIRECT_URI,
            "client_id": "i-learn",
            "client_secret": "i-learn-demo-secret",
        },
    )
    assert other.status_code == 400
    assert other.json()["error"] == "invalid_grant"


def test_authorization_fault_redirects_only_to_a_registered_redirect_uri(
    admin: TestClient,
) -> None:
    admin.post(f"{API}/faults", json={"endpoint": "authorization", "error": "server_error"})
    params = {
        "client_id": "i-learn",
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid",
        "state": "s1",
    }
    response = admin.get("/op/v1/auth", params=params)
    assert response.status_code in (302, 303)
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI)
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert (query["error"], query["state"], query["iss"]) == ("server_error", "s1", ISSUER)
    unregistered = admin.get("/op/v1/auth", params={**params, "redirect_uri": "http://evil/cb"})
    assert unregistered.status_code == 500
    assert "location" not in unregistered.headers
    assert "server_error" in unregistered.text


def test_userinfo_fault_is_a_bearer_challenge(admin: TestClient) -> None:
    admin.post(f"{API}/faults", json={"endpoint": "userinfo", "error": "invalid_token"})
    response = admin.get("/op/v1/userinfo", headers={"Authorization": "Bearer x"})
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith('Bearer error="invalid_token"')


def test_discovery_status_and_delay(admin: TestClient) -> None:
    admin.post(f"{API}/faults", json={"endpoint": "discovery", "status_code": 503, "delay_ms": 50})
    assert admin.get("/op/.well-known/openid-configuration").status_code == 503
    listed = admin.get(f"{API}/faults").json()
    assert listed[0]["delay_ms"] == 50
    assert admin.delete(f"{API}/faults/{listed[0]['id']}").status_code == 204
    assert admin.delete(f"{API}/faults/{listed[0]['id']}").status_code == 404


def test_a_zero_probability_is_refused_and_a_rule_must_do_something(admin: TestClient) -> None:
    zero = admin.post(f"{API}/faults", json={"endpoint": "jwks", "error": "x", "probability": 0})
    assert zero.status_code == 422
    assert "probability" in str(zero.json()["detail"][0]["loc"])
    nothing = admin.post(f"{API}/faults", json={"endpoint": "jwks"})
    assert nothing.status_code == 422
    unknown = admin.post(f"{API}/faults", json={"endpoint": "nowhere", "error": "x"})
    assert unknown.status_code == 422
    assert "endpoint" in str(unknown.json()["detail"][0]["loc"])


def test_rules_are_shared_by_every_worker(demo_store: object, db_url: str) -> None:
    """Two apps on one database stand for two workers: a rule reaches both within a second,
    and a counted rule fires exactly its count across them."""
    from datastore import Datastore
    from idp import create_app
    from tests.admin.conftest import AUTH, admin_settings

    workers = []
    for _ in range(2):
        store = Datastore.from_url(db_url)
        client = TestClient(create_app(admin_settings(db_url), store=store))
        client.headers.update(AUTH)
        workers.append((client, store))
    first, second = workers[0][0], workers[1][0]
    try:
        second.get("/op/.well-known/openid-configuration")  # caches generation and rules
        first.post(f"{API}/faults", json={"endpoint": "token", "error": "server_error", "count": 3})
        time.sleep(1.1)  # other processes cache the generation for up to a second
        statuses = [token_request(c).status_code for c in (second, first, second, first)]  # type: ignore[attr-defined]
        assert statuses.count(500) == 3
        assert first.get(f"{API}/faults").json() == []
    finally:
        for client, store in workers:
            client.close()
            store.dispose()


def test_introspection_revocation_and_logout_faults(admin: TestClient) -> None:
    for endpoint in ("introspection", "revocation"):
        admin.post(f"{API}/faults", json={"endpoint": endpoint, "error": "invalid_client"})
    admin.post(f"{API}/faults", json={"endpoint": "logout", "error": "server_error"})
    for path in ("/op/v1/introspect", "/op/v1/revoke"):
        response = admin.post(path, data={"token": "x"}, headers=basic("i-learn", "wrong"))
        assert response.status_code == 401, path
        assert response.json()["error"] == "invalid_client"
        assert response.headers["WWW-Authenticate"].startswith("Basic")
    logout = admin.get("/op/v1/logout")
    assert logout.status_code == 500
    assert logout.headers["content-type"].startswith("text/html")
    assert "location" not in logout.headers


def test_every_endpoint_a_rule_can_name_is_answered_by_its_rule(admin: TestClient) -> None:
    """The endpoint names the admin API offers (its OpenAPI enum) each reach their path."""
    schema = admin.get("/openapi.json").json()["components"]["schemas"]
    offered = schema["FaultRuleCreate"]["properties"]["endpoint"]["enum"]
    paths = {
        "discovery": ("GET", "/op/.well-known/openid-configuration"),
        "jwks": ("GET", "/op/v1/keys"),
        "authorization": ("GET", "/op/v1/auth"),
        "token": ("POST", "/op/v1/token"),
        "userinfo": ("GET", "/op/v1/userinfo"),
        "introspection": ("POST", "/op/v1/introspect"),
        "revocation": ("POST", "/op/v1/revoke"),
        "logout": ("GET", "/op/v1/logout"),
    }
    assert sorted(offered) == sorted(paths)
    for endpoint in offered:
        admin.post(f"{API}/faults", json={"endpoint": endpoint, "status_code": 418})
        method, path = paths[endpoint]
        assert admin.request(method, path).status_code == 418, endpoint
        admin.delete(f"{API}/faults")
