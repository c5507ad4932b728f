"""The school-to-DOV protocol on class information, by version.

A school accepts one version; the acceptance records that version, so the text it accepted
can be read again later even after a newer version is published.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CURRENT_VERSION", "PROTOCOLS", "ProtocolText", "protocol_text"]


@dataclass(frozen=True, slots=True)
class ProtocolText:
    version: str
    title: str
    dated: str  # the protocol's own date
    signed: str  # when DOV signed it
    template: str  # the Jinja2 template with the text


PROTOCOLS = {
    "2024-1": ProtocolText(
        version="2024-1",
        title=(
            "Protocol voor de elektronische mededeling van persoonsgegevens van de scholen "
            "naar het departement Onderwijs en Vorming, voor de mededeling van het gegeven "
            "'klasinformatie' in het kader van het gebruik van LeerID"
        ),
        dated="15/11/2023",
        signed="2024-07-17 16:01:01 +02:00",
        template="protocols/klasinformatie_2024-1.html",
    ),
}

CURRENT_VERSION = "2024-1"


def protocol_text(version: str) -> ProtocolText | None:
    """The text of ``version``, or ``None`` for a version this Schoolloket does not know."""
    return PROTOCOLS.get(version)
