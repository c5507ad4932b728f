"""The provider's HTML error pages are Dutch sentences (JSON ones keep English, for machines)."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.idp.flows import auth_params

pytestmark = pytest.mark.parametrize("demo_url", ["sqlite"], indirect=True)


def _message(html: str) -> str:
    start = html.index('data-testid="error-message">') + len('data-testid="error-message">')
    return html[start : html.index("</p>", start)]


def test_a_repeated_client_id_is_explained_in_dutch(op: TestClient) -> None:
    params = [*auth_params().items(), ("client_id", "i-learn")]
    page = op.get("/op/v1/auth", params=params)
    assert page.status_code == 400
    assert page.headers["content-type"].startswith("text/html")
    assert _message(page.text) == (
        "De parameter client_id komt meer dan één keer voor in de aanvraag."
    )
    assert "is repeated" not in page.text


def test_a_logout_redirect_without_client_is_explained_in_dutch(op: TestClient) -> None:
    page = op.get("/op/v1/logout", params={"post_logout_redirect_uri": "http://localhost:8001/"})
    assert page.status_code == 400
    message = _message(page.text)
    assert message.startswith("Een post_logout_redirect_uri kan alleen samen met")
    assert "needs" not in page.text


@pytest.mark.parametrize(
    "params",
    [{"client_id": "onbekend"}, {}, {"client_id": "ididdit"}],
    ids=["unknown client", "no client_id", "no redirect_uri"],
)
def test_an_unverified_request_is_a_dutch_sentence(op: TestClient, params: dict[str, str]) -> None:
    page = op.get("/op/v1/auth", params={"response_type": "code", **params})
    message = _message(page.text)
    assert message[0].isupper(), message
    assert message.endswith("."), message
