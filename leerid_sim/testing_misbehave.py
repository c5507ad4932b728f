"""``leerid_misbehave``: play a misbehaving ACM to one client, then read what it did.

``leerid_misbehave("id_token-bad-sig", client_id="my-app")`` makes the provider serve that
scenario (docs/rp-testing.md) at the client's next login; ``count=N`` for the next N. Then
``leerid_misbehave.plays("my-app")`` lists what was served and whether the application went on
with the grant as if nothing were wrong, and ``assert_stopped("my-app")`` fails the test if it
went on after a scenario a careful application refuses.
"""

from __future__ import annotations

from typing import Any

from leerid_sim.testing import LeerIDAdmin

__all__ = ["LeerIDMisbehave"]


class LeerIDMisbehave:
    """Rules and evidence of the admin API's ``/misbehave`` routes."""

    def __init__(self, admin: LeerIDAdmin) -> None:
        self.admin = admin

    def __call__(self, scenario: str, client_id: str, count: int = 1) -> dict[str, Any]:
        """Serve ``scenario`` to ``client_id`` for its next ``count`` logins; the rule."""
        body = {"scenario": scenario, "client_id": client_id, "count": count}
        rule: dict[str, Any] = self.admin.call("POST", "/misbehave", json=body)
        return rule

    def scenarios(self) -> list[dict[str, Any]]:
        """Every scenario: its stage, what is wrong, what a careful application does."""
        found: list[dict[str, Any]] = self.admin.call("GET", "/misbehave/scenarios")
        return found

    def rules(self) -> list[dict[str, Any]]:
        """The rules still to play (``remaining``: plays left)."""
        found: list[dict[str, Any]] = self.admin.call("GET", "/misbehave")
        return found

    def clear(self) -> int:
        """Remove every rule still to play; how many there were."""
        return int(self.admin.call("DELETE", "/misbehave")["deleted"])

    def plays(self, client_id: str) -> list[dict[str, Any]]:
        """What was served to ``client_id``, oldest first, each with ``went_on``/``careless``."""
        evidence = self.admin.call("GET", "/misbehave/evidence", params={"client_id": client_id})
        return list(evidence[0]["plays"]) if evidence else []

    def assert_stopped(self, client_id: str) -> None:
        """Fail if the client went on after a scenario a careful application refuses."""
        careless = [p for p in self.plays(client_id) if p["careless"]]
        if careless:
            lines = "; ".join(f"{p['scenario']}: {p['went_on_how']}" for p in careless)
            raise AssertionError(f"{client_id} went on after what it must refuse: {lines}")
