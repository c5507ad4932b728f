"""What the Schoolloket tells staff about a school they cannot open."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient


def test_an_unknown_school_and_a_school_without_a_role_read_the_same(
    logged_in: Callable[[str], TestClient],
) -> None:
    client = logged_in("dirk.directeur")  # a role at 123456 only
    unknown = client.get("/schoolloket/scholen/999999")
    other = client.get("/schoolloket/scholen/654321")  # exists, no role there
    assert unknown.status_code == other.status_code == 403
    assert "je hebt geen recht bij een" in unknown.text
    assert "Je mag dit niet doen" not in unknown.text
    # Nothing tells the two apart: the page is the same but for the number asked.
    assert unknown.text.replace("999999", "654321") == other.text
