"""A typed client of the admin API, for test suites (``leerid_admin`` in the pytest plugin).

Every method is one call of ``/admin/api`` (docs/admin-api.md); a refusal raises
``LeerIDAdminError`` with the status and the API's explanation.
"""

from __future__ import annotations

import datetime as dt
import ssl
from typing import Any

import httpx

__all__ = ["LeerIDAdmin", "LeerIDAdminError"]

Json = dict[str, Any]


class LeerIDAdminError(Exception):
    """The admin API refused a call: ``status`` and ``detail`` say why."""

    def __init__(self, method: str, path: str, status: int, detail: Any) -> None:
        self.status = status
        self.detail = detail
        super().__init__(f"{method} {path}: HTTP {status}: {detail}")


class LeerIDAdmin:
    """The admin and test-control API of a LeerID simulator (Bearer ``LEERID_ADMIN_TOKEN``)."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 30.0,
        client_secrets: dict[str, str] | None = None,
        verify: ssl.SSLContext | str | bool = True,
    ) -> None:
        # ``verify``: a CA bundle path (the provider's ``ca_bundle`` under TLS) or a context.
        if isinstance(verify, str):
            verify = ssl.create_default_context(cafile=verify)
        # Secrets of clients created through this client (shared with ``leerid_login``).
        self.client_secrets = client_secrets if client_secrets is not None else {}
        self.http = httpx.Client(
            base_url=base_url.rstrip("/") + "/admin/api",
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout,
            verify=verify,
        )

    def close(self) -> None:
        self.http.close()

    def __enter__(self) -> LeerIDAdmin:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        """One admin API call; the decoded JSON answer (``None`` for 204)."""
        response = self.http.request(method, path, **kwargs)
        if response.status_code >= 400:
            try:
                detail = response.json().get("detail", response.text)
            except ValueError:
                detail = response.text
            raise LeerIDAdminError(method, path, response.status_code, detail)
        if response.status_code == 204 or not response.content:
            return None
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    # -- clock

    def clock(self) -> Json:
        result: Json = self.call("GET", "/clock")
        return result

    def set_clock(self, now: dt.datetime | str, *, frozen: bool = False) -> Json:
        """Set the simulated clock (a timezone-aware time); ``frozen`` stops it running."""
        moment = now.isoformat() if isinstance(now, dt.datetime) else now
        result: Json = self.call("PUT", "/clock", json={"now": moment, "frozen": frozen})
        return result

    def advance_clock(self, seconds: float) -> Json:
        """Move the clock forward (negative: back) by ``seconds``."""
        result: Json = self.call("PUT", "/clock", json={"advance_seconds": seconds})
        return result

    def reset_clock(self) -> Json:
        """Back to real time."""
        result: Json = self.call("DELETE", "/clock")
        return result

    # -- faults

    def add_fault(
        self,
        endpoint: str,
        *,
        error: str | None = None,
        status_code: int | None = None,
        client_id: str | None = None,
        delay_ms: int = 0,
        count: int | None = None,
        probability: float = 1.0,
    ) -> Json:
        """Make ``endpoint`` (token, userinfo, authorization, jwks, ...) fail on purpose."""
        body = {
            "endpoint": endpoint,
            "error": error,
            "status_code": status_code,
            "client_id": client_id,
            "delay_ms": delay_ms,
            "count": count,
            "probability": probability,
        }
        result: Json = self.call("POST", "/faults", json=body)
        return result

    def faults(self) -> list[Json]:
        result: list[Json] = self.call("GET", "/faults")
        return result

    def clear_faults(self) -> int:
        deleted: int = self.call("DELETE", "/faults")["deleted"]
        return deleted

    # -- too many wrong passwords

    def throttle(self, *, username: str | None = None, address: str | None = None) -> Json:
        """The wrong-password counters that still count (``entries``) and the ``policy``."""
        params = {k: v for k, v in (("username", username), ("address", address)) if v}
        result: Json = self.call("GET", "/throttle", params=params)
        return result

    def clear_throttle(self, *, username: str | None = None, address: str | None = None) -> int:
        """Forget wrong passwords: every counter, or a username's and/or an address's."""
        params = {k: v for k, v in (("username", username), ("address", address)) if v}
        deleted: int = self.call("DELETE", "/throttle", params=params)["deleted"]
        return deleted

    # -- what happened

    def preview(self, client_id: str, username: str, scope: str = "openid") -> Json:
        """What a login would release now, with why, and what is withheld, with why."""
        params = {"client_id": client_id, "username": username, "scope": scope}
        result: Json = self.call("GET", "/preview", params=params)
        return result

    def events(self, **filters: Any) -> list[Json]:
        """Recent protocol events, newest first (filters: type, client_id, account_uuid,
        outcome, offset, limit)."""
        items: list[Json] = self.call("GET", "/events", params=filters)["items"]
        return items

    def privacy_log(self, **filters: Any) -> list[Json]:
        """Privacy-log entries, newest first (filters: since, until, client_id, account_uuid)."""
        items: list[Json] = self.call("GET", "/privacy-log", params=filters)["items"]
        return items

    # -- the world

    def account(self, username: str) -> Json:
        result: Json = self.call("GET", f"/accounts/{username}")
        return result

    def create_pupil(
        self,
        naam: str,
        voornaam: str,
        *,
        username: str | None = None,
        password: str = "Leerling123!",  # noqa: S107 - the documented demo password
        insz: str | None = None,
        school: str | None = None,
        klas: str | None = None,
        start_date: dt.date | str = "2025-09-01",
        end_date: dt.date | str | None = None,
        **details: Any,
    ) -> Json:
        """A pupil; with ``username`` an account, with ``school`` (and ``klas``) an enrolment.

        Without ``insz`` the pupil is unidentified: a temporary account, no leer_id_uuid.
        ``details`` are the pupil's other details by their attribute name, as ``POST /pupils``
        takes them.
        """
        body: Json = {**details, "naam": naam, "voornaam": voornaam}
        if insz is not None:
            body["insz"] = insz
        if username is not None:
            body["account"] = {"username": username, "password": password}
        if school is not None:
            body["enrolment"] = {
                "school": school,
                "klas": klas,
                "start_date": str(start_date),
                "end_date": None if end_date is None else str(end_date),
            }
        result: Json = self.call("POST", "/pupils", json=body)
        return result

    def enrolments(self, username: str) -> list[Json]:
        """The enrolments of the pupil who owns account ``username``."""
        pupil_id = self.account(username)["pupil_id"]
        result: list[Json] = self.call("GET", "/enrolments", params={"pupil_id": pupil_id})
        return result

    def end_enrolment(self, username: str, end_date: dt.date | str) -> list[Json]:
        """End every open enrolment of the pupil on ``end_date`` (inclusive)."""
        return [
            self.call("PATCH", f"/enrolments/{e['id']}", json={"end_date": str(end_date)})
            for e in self.enrolments(username)
            if e["end_date"] is None or e["end_date"] > str(end_date)
        ]

    def set_protocol_status(self, client_id_or_application: str, status: str) -> Json:
        """Set a protocol's status (active, suspended, ended), by client_id or application."""
        application = client_id_or_application
        try:
            application = self.call("GET", f"/clients/{client_id_or_application}")["application"]
        except LeerIDAdminError as exc:
            if exc.status != 404:
                raise
        result: Json = self.call("PATCH", f"/protocols/{application}", json={"status": status})
        return result

    def end_protocol(self, client_id_or_application: str) -> Json:
        """DOV ends the protocol (art. 8): the client gets ``unauthorized_client`` from now on."""
        return self.set_protocol_status(client_id_or_application, "ended")

    def suspend_protocol(self, client_id_or_application: str) -> Json:
        return self.set_protocol_status(client_id_or_application, "suspended")

    def activate_protocol(self, client_id_or_application: str) -> Json:
        return self.set_protocol_status(client_id_or_application, "active")

    def set_class_sharing(
        self, instellingsnummer: str, active: bool, *, username: str | None = None
    ) -> Json:
        """Activate or stop class sharing at a school (Broekx or Informat schools only)."""
        body: Json = {"active": active}
        if username is not None:
            body["username"] = username
        result: Json = self.call("PUT", f"/schools/{instellingsnummer}/class-sharing", json=body)
        return result

    def make_visible(
        self,
        application: str,
        *,
        username: str | None = None,
        school: str | None = None,
        klas: str | None = None,
    ) -> Json:
        """Make an application visible to a pupil (username), a (sub)class or a school."""
        body = {"application": application, "username": username, "school": school, "klas": klas}
        result: Json = self.call(
            "POST", "/visibility", json={k: v for k, v in body.items() if v is not None}
        )
        return result

    def create_client(self, client_id: str, application: str, **fields: Any) -> Json:
        """Register a client; the answer's ``client_secret`` is the only time it is shown."""
        body = {"client_id": client_id, "application": application, **fields}
        result: Json = self.call("POST", "/clients", json=body)
        if result.get("client_secret"):
            self.client_secrets[client_id] = result["client_secret"]
        return result

    def client(self, client_id: str) -> Json:
        result: Json = self.call("GET", f"/clients/{client_id}")
        return result

    # -- whole world

    def snapshot(self, name: str, *, replace: bool = True) -> Json:
        result: Json = self.call("POST", "/snapshots", json={"name": name, "replace": replace})
        return result

    def restore(self, name: str) -> Json:
        result: Json = self.call("POST", f"/snapshots/{name}/restore")
        return result

    def reset(self) -> Json:
        """Back to the seeded world (faults cleared, real time)."""
        result: Json = self.call("POST", "/reset")
        return result

    def purge(self) -> Json:
        result: Json = self.call("POST", "/purge")
        return result
