"""Clear Dutch explanations of the provider's error codes and of rp_demo's own checks.

Error codes are those of RFC 6749 §4.1.2.1 / §5.2 and OIDC Core §3.1.2.6; the codes that
start with ``rp_`` are rp_demo's own checks on a response.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import Depends, Request

__all__ = ["ERROR_EXPLANATIONS", "FlowError", "KnownClient", "UnknownClient", "explain"]

ERROR_EXPLANATIONS: Mapping[str, str] = {
    "access_denied": "De aanmelding werd geweigerd. Een personeelslid kan zich niet aanmelden "
    "bij een leerlingentoepassing, en een leerling niet bij het Schoolloket.",
    "unauthorized_client": "Deze toepassing mag niet (meer) aanmelden via LeerID: DOV heeft "
    "haar protocol beëindigd of geschorst (protocol art. 8). Er worden geen gegevens meer "
    "meegedeeld.",
    "invalid_scope": "De toepassing vroeg een scope die haar integratiedossier niet toelaat.",
    "invalid_request": "Het aanmeldverzoek van de toepassing was niet geldig.",
    "login_required": "Je bent niet aangemeld bij LeerID en de toepassing vroeg om niet "
    "opnieuw aan te melden (prompt=none).",
    "interaction_required": "LeerID heeft je nodig om verder te gaan, maar de toepassing "
    "vroeg om geen scherm te tonen.",
    "consent_required": "Er is toestemming nodig, maar de toepassing vroeg om geen scherm.",
    "server_error": "LeerID had een onverwachte fout. Probeer het later opnieuw.",
    "temporarily_unavailable": "LeerID is tijdelijk niet beschikbaar. Probeer het later opnieuw.",
    "invalid_grant": "De autorisatiecode was niet (meer) geldig: verlopen, al gebruikt of niet "
    "voor deze toepassing.",
    "invalid_client": "LeerID herkende de toepassing niet (client_id of secret klopt niet).",
    "unsupported_response_type": "LeerID ondersteunt dit type antwoord niet.",
    "rp_state_mismatch": "Dit antwoord hoort bij geen aanmelding die in deze browser begon "
    "(state onbekend of verlopen). Begin opnieuw.",
    "rp_iss_mismatch": "Het antwoord kwam niet van de verwachte provider (iss, RFC 9207). "
    "Uit voorzorg wordt het niet gebruikt.",
    "rp_id_token_invalid": "Het ID-token van LeerID doorstond de controle niet en wordt niet "
    "vertrouwd.",
    "rp_token_response_invalid": "Het tokenantwoord van LeerID is onvolledig (geen token_type "
    "Bearer, RFC 6749 §5.1) en wordt niet gebruikt.",
    "rp_userinfo_sub_mismatch": "UserInfo sprak over een andere gebruiker (sub) dan het "
    "ID-token (OIDC Core §5.3.2); de aanmelding wordt niet vertrouwd.",
    "rp_provider_unreachable": "De LeerID-provider is niet bereikbaar.",
    "rp_unknown_client": "rp_demo kent deze toepassing niet.",
}


class FlowError(Exception):
    """An error in a login: the provider's error code or one of rp_demo's checks."""

    def __init__(self, code: str, description: str | None = None, *, client_id: str | None = None):
        super().__init__(code)
        self.code = code
        self.description = description
        self.client_id = client_id

    @property
    def explanation(self) -> str:
        return explain(self.code)


def explain(code: str) -> str:
    """The Dutch explanation of an error code (a generic line for a code we do not know)."""
    return ERROR_EXPLANATIONS.get(code, "LeerID meldde een fout bij het aanmelden.")


class UnknownClient(Exception):
    """A page was asked for a client_id rp_demo is not configured with: a 404 page."""

    def __init__(self, client_id: str) -> None:
        super().__init__(client_id)
        self.client_id = client_id


def _known_client(request: Request, client_id: str) -> str:
    """The ``client_id`` of the path, if rp_demo is configured with it (else ``UnknownClient``).

    A page of an application that does not exist is not found (RFC 9110 §15.5.5), not an
    empty page of a made-up application.
    """
    if request.app.state.settings.client(client_id) is None:
        raise UnknownClient(client_id)
    return client_id


KnownClient = Annotated[str, Depends(_known_client)]
