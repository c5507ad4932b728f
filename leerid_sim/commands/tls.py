"""``leerid-sim tls ca``: where the local certificate authority's certificate is.

The CA is made on first use; its folder is ``LEERID_TLS_DIR``, else
``$XDG_DATA_HOME/leerid-sim/tls``, else ``~/.local/share/leerid-sim/tls``.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register"]


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "tls",
        help="the local certificate authority behind --tls",
        description="The local CA that issues the certificates of 'serve --tls' and 'demo --tls'.",
    )
    actions = parser.add_subparsers(dest="tls_command", metavar="ACTION")
    actions.required = True
    ca = actions.add_parser(
        "ca",
        help="print the path of the CA certificate (creating the CA if there is none)",
        description="Print the path of the CA certificate (PEM) to trust, e.g. "
        'SSL_CERT_FILE="$(leerid-sim tls ca)". Creates the CA first if there is none. '
        "Folder: $LEERID_TLS_DIR, else $XDG_DATA_HOME/leerid-sim/tls, else "
        "~/.local/share/leerid-sim/tls; delete it to remove the CA.",
    )
    ca.set_defaults(handler=_ca)


def _ca(args: argparse.Namespace) -> int:
    from leerid_sim.tls import LocalCA

    print(LocalCA().ensure())
    return 0
