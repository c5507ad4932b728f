"""``leerid-sim preview``: what a login would release to a client, and why.

The same answer as ``GET /admin/api/preview``: both call ``idp.preview.preview``.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from leerid_sim.errors import CommandError
from leerid_sim.options import add_database_option, open_store


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "preview",
        help="what a login of a user at a client would release now, and why",
        description=(
            "Show the attributes a login of USER at CLIENT with SCOPE would release now (on the "
            "simulated clock's date), each with the scope and protocol article that allow it, "
            "each withheld attribute with its reason, and the claims in both dialects. "
            "Nothing is logged in and nothing is written to the privacy log."
        ),
    )
    parser.add_argument("--client", required=True, metavar="ID", help="client_id, e.g. klasapp")
    parser.add_argument("--user", required=True, metavar="NAME", help="username, e.g. jan.peeters")
    parser.add_argument(
        "--scope",
        default="openid ov_leerling",
        metavar="SCOPE",
        help='space-separated scopes (default: "openid ov_leerling")',
    )
    parser.add_argument("--json", action="store_true", help="print the preview as JSON")
    add_database_option(parser)
    parser.set_defaults(handler=_preview)


def _preview(args: argparse.Namespace) -> int:
    from idp.preview import PreviewError, preview

    store = open_store(args)
    try:
        result = preview(store, args.client, args.user, args.scope).as_dict()
    except PreviewError as exc:
        raise CommandError(str(exc)) from None
    finally:
        store.dispose()
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(render_text(result))
    return 0


def render_text(result: dict[str, Any]) -> str:
    """The preview as text for a terminal: one line per decision."""
    client, protocol, account = result["client"], result["protocol"], result["account"]
    kind = "temporary account" if account["temporary"] else "account"
    if account["staff"]:
        kind = "staff account"
    lines = [
        f"Preview of a login of {account['username']} ({kind} {account['account_uuid']})",
        f"at {client['client_id']}: {result['application']['name']}, {result['organisation']}",
        f"on {result['date']} with scope {' '.join(result['scopes'])!r}",
        "",
    ]
    if protocol is None:
        lines.append("Protocol: none (this client receives no pupil attributes)")
    else:
        deletion = protocol["inactive_account_deletion_days"]
        lines += [
            f"Protocol: {protocol['reference']} ({protocol['status']})",
            f"  source: {protocol['source_document'] or '-'}",
            f"  legal basis (disclosure): {protocol['disclosure_legal_basis']}",
            f"  data kept {protocol['retention_days']} days; inactive accounts deleted after "
            + (f"{deletion} days" if deletion is not None else "(not set)"),
        ]
    lines += ["", "Integratiedossier:"]
    for name, value in result["dossier"].items():
        if name == "jwks":
            kids = [str(key.get("kid") or "(no kid)") for key in value or ()]
            shown = ", ".join(kids) if value is not None else "-"
        elif value is None:
            shown = "the provider's setting" if name.endswith("_ttl_seconds") else "-"
        elif isinstance(value, list):
            shown = " ".join(str(v) for v in value) or "-"
        else:
            shown = str(value)
        lines.append(f"  {name:<30}{shown}")
    if result["login_error"] is not None:
        error = result["login_error"]
        lines.append(f"A login would fail: {error['error']} ({error['error_description']})")
    lines += ["", "Released:"]
    width = 24
    lines += [
        f"  {r['attribute']:<{width}}{json.dumps(r['value'], ensure_ascii=False)}  ({r['why']})"
        + (f" as claim {r['claim']}" if r["claim"] != r["attribute"] else "")
        for r in result["released"]
    ] or ["  (nothing but sub)"]
    lines += ["", "Withheld:"]
    lines += [
        f"  {w['attribute']:<{width}}{w['reason']}: {w['detail']}" for w in result["withheld"]
    ] or ["  (nothing)"]
    claims = result["claims"]
    for dialect in ("leerid", "acm"):
        sent = " (what this client gets)" if claims["dialect"] == dialect else ""
        lines += ["", f"Claims, dialect {dialect}{sent}, besides sub:"]
        lines.append("  " + json.dumps(claims[dialect], ensure_ascii=False))
    return "\n".join(lines)
