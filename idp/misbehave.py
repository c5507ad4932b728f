"""A misbehaving ACM: scenarios that a relying party must notice, played on demand.

Each scenario is one small function below, named after the OpenID Foundation RP test it mirrors
where one exists (``rp-id_token-bad-sig-rs256`` is ``id_token-bad-sig``). A rule of the admin
API (``store.misbehave``) plays one scenario to one client for its next N logins, then
stops by itself. Scenarios act at one of three moments:

- ``authorization``: the authorization response (RFC 6749 §4.1.2, RFC 9207 §2);
- ``token``: the token response of a login (RFC 6749 §5.1) and its ID token (OIDC Core §2);
- ``userinfo``: the UserInfo answer (OIDC Core §5.3.2).

Each play is a ``served`` event; when the client then uses that grant as if nothing were wrong
(redeems the code, calls UserInfo with the access token, refreshes), a ``went_on`` event
follows, so that a test can tell an application that stopped from one that went on.

What a process knows of the rules and the evidence is cached behind the generation counter,
which every rule change and every event bumps: a request with no rule and no evidence about
costs no database read.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, Literal

from authlib.oidc.core.util import create_half_hash
from fastapi.responses import Response
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from datastore import SIGNING_ALGS, ClientRecord, NotFound, ScenarioRule, sha256_hex
from idp.keys import SigningKey, make_signing_key
from idp.rendering import authorization_response

if TYPE_CHECKING:
    from datastore import Datastore, TokenRecord
    from idp.errors import RedirectTarget
    from idp.provider import Provider

__all__ = [
    "SCENARIOS",
    "Forgery",
    "Scenario",
    "authorization_answer",
    "jwks_bytes",
    "token_answer",
    "userinfo_answer",
]

Stage = Literal["authorization", "token", "userinfo"]
# What a careful application does: refuse the answer; accept it (it is valid, e.g. signed by
# a new key); either (both are correct, as the RP test says); or go on ignoring what is odd.
Expect = Literal["refuse", "accept", "either", "ignore"]
OTHER_ISSUER = "https://mixup.leerid.invalid/op"
OTHER_AUDIENCE = "ander-client-van-acm"


@dataclass(slots=True)
class Forgery:
    """What a scenario may change: the ID token, the JSON answer, the redirect's parameters."""

    header: dict[str, Any] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)
    answer: dict[str, Any] = field(default_factory=dict)  # token response or UserInfo answer
    # How the ID token is signed: "key" (the real key), "unknown" (a key in no JWKS), "none"
    # (alg none, no signature), "bad" (real key, signature altered), "rotation" (new key).
    signing: str = "key"
    state: str | None = None
    iss: str = ""


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    stage: Stage
    expect: Expect
    what: str  # what is wrong, in one line
    spec: str  # the section that tells the application what to do
    play: Callable[[Forgery], None]


SCENARIOS: dict[str, Scenario] = {}


def scenario(
    name: str, stage: Stage, expect: Expect, what: str, spec: str
) -> Callable[[Callable[[Forgery], None]], Callable[[Forgery], None]]:
    def register(play: Callable[[Forgery], None]) -> Callable[[Forgery], None]:
        SCENARIOS[name] = Scenario(name, stage, expect, what, spec, play)
        return play

    return register


# -- the ID token (OIDC Core §3.1.3.7 lists what the client must check)


@scenario(
    "id_token-kid-unknown",
    "token",
    "refuse",
    "the ID token names a kid that is in no JWKS (signed by a key the provider never published)",
    "OIDC Core §10.1, §3.1.3.7 item 6",
)
def _kid_unknown(f: Forgery) -> None:
    f.signing = "unknown"


@scenario(
    "id_token-kid-absent-multiple-jwks",
    "token",
    "either",
    "the ID token has no kid while the JWKS holds several keys",
    "OIDC Core §10.1",
)
def _kid_absent(f: Forgery) -> None:
    f.header.pop("kid", None)


@scenario(
    "id_token-bad-sig",
    "token",
    "refuse",
    "the ID token's signature does not verify (one bit changed)",
    "OIDC Core §3.1.3.7 item 6",
)
def _bad_sig(f: Forgery) -> None:
    f.signing = "bad"


@scenario(
    "id_token-sig-none",
    "token",
    "refuse",
    "the ID token is unsigned: alg none",
    "OIDC Core §3.1.3.7 item 6-7, RFC 8725 §3.1",
)
def _sig_none(f: Forgery) -> None:
    f.signing = "none"


@scenario(
    "id_token-iss-mismatch",
    "token",
    "refuse",
    f"the ID token's iss is another issuer ({OTHER_ISSUER})",
    "OIDC Core §3.1.3.7 item 2",
)
def _iss_mismatch(f: Forgery) -> None:
    f.claims["iss"] = OTHER_ISSUER


@scenario(
    "id_token-aud-mismatch",
    "token",
    "refuse",
    f"the ID token's aud is another client ({OTHER_AUDIENCE})",
    "OIDC Core §3.1.3.7 item 3",
)
def _aud_mismatch(f: Forgery) -> None:
    f.claims["aud"] = OTHER_AUDIENCE
    f.claims["azp"] = OTHER_AUDIENCE


@scenario(
    "id_token-aud-extra-without-azp",
    "token",
    "refuse",
    "the ID token has a second, untrusted audience and no azp",
    "OIDC Core §3.1.3.7 items 3-5",
)
def _aud_extra(f: Forgery) -> None:
    f.claims["aud"] = [f.claims["aud"], OTHER_AUDIENCE]
    f.claims.pop("azp", None)


@scenario(
    "id_token-exp-expired",
    "token",
    "refuse",
    "the ID token expired an hour before it was sent",
    "OIDC Core §3.1.3.7 item 9",
)
def _expired(f: Forgery) -> None:
    f.claims["iat"] -= 7200
    f.claims["exp"] = f.claims["iat"] + 3600


@scenario(
    "id_token-iat-future",
    "token",
    "refuse",
    "the ID token was issued a day in the future",
    "OIDC Core §3.1.3.7 item 10",
)
def _iat_future(f: Forgery) -> None:
    f.claims["iat"] += 86400
    f.claims["exp"] += 86400


@scenario(
    "nonce-invalid",
    "token",
    "refuse",
    "the ID token carries a nonce other than the one of the request",
    "OIDC Core §3.1.3.7 item 11",
)
def _nonce_invalid(f: Forgery) -> None:
    f.claims["nonce"] = secrets.token_urlsafe(12)


@scenario(
    "nonce-missing",
    "token",
    "refuse",
    "the ID token leaves out the nonce the request sent",
    "OIDC Core §3.1.3.7 item 11",
)
def _nonce_missing(f: Forgery) -> None:
    f.claims.pop("nonce", None)


@scenario(
    "id_token-at_hash-wrong",
    "token",
    "refuse",
    "the ID token's at_hash is not that of the access token beside it",
    "OIDC Core §3.1.3.8, §3.2.2.9",
)
def _at_hash(f: Forgery) -> None:
    f.claims["at_hash"] = create_half_hash(secrets.token_urlsafe(32), f.header["alg"]).decode()


@scenario(
    "key-rotation",
    "token",
    "accept",
    "the ID token is signed by a new key, whose kid the JWKS holds from now on",
    "OIDC Core §10.1.1",
)
def _key_rotation(f: Forgery) -> None:
    f.signing = "rotation"


# -- the token response


@scenario(
    "token-type-missing",
    "token",
    "refuse",
    "the token response has no token_type",
    "RFC 6749 §5.1",
)
def _token_type(f: Forgery) -> None:
    f.answer.pop("token_type", None)


# -- LeerID's own claims


@scenario(
    "ov_leerid_uuid-string",
    "token",
    "either",
    "ov_leerid_uuid is a string, not the list ACM sends",
    "the LeerID claims: ov_leerid_uuid is a list",
)
def _leerid_string(f: Forgery) -> None:
    # The pupil's own value where the login released one (ACM's list, or the LeerID dialect's
    # leer_id_uuid), so that only the type is wrong.
    value = f.claims.get("ov_leerid_uuid", f.claims.get("leer_id_uuid"))
    if isinstance(value, list):
        value = value[0] if value else ""
    f.claims["ov_leerid_uuid"] = value if isinstance(value, str) else secrets.token_hex(16)


@scenario(
    "historiek-contains-current",
    "token",
    "either",
    "the account history lists the current account itself",
    "the LeerID claims: the history holds earlier accounts only",
)
def _historiek(f: Forgery) -> None:
    current = f.claims.get("ov_account_uuid") or f.claims.get("account_uuid") or f.claims["sub"]
    acm = "ov_account_uuid" in f.claims or "ov_leerid_uuid" in f.claims
    name = "ov_historiek_account_uuid" if acm else "historiek_account_uuid"
    history = f.claims.get(name)
    f.claims[name] = [*(history if isinstance(history, list) else []), current]


@scenario(
    "claims-outside-protocol",
    "token",
    "ignore",
    "the ID token carries claims no protocol lists (rijksregisternummer, e-mail, birth date)",
    "OIDC Core §5.1 (ignore what you do not understand), the protocol's attribute list",
)
def _outside(f: Forgery) -> None:
    f.claims.update(
        {
            "rijksregisternummer": "00010100000",
            "email": "leerling@voorbeeld.invalid",
            "birthdate": "2010-01-01",
        }
    )


# -- UserInfo


@scenario(
    "userinfo-bad-sub",
    "userinfo",
    "refuse",
    "UserInfo answers with a sub other than the ID token's",
    "OIDC Core §5.3.2",
)
def _userinfo_sub(f: Forgery) -> None:
    f.answer["sub"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


# -- the authorization response


@scenario(
    "authorization-iss-mismatch",
    "authorization",
    "refuse",
    f"the authorization response's iss is another issuer ({OTHER_ISSUER}): a mix-up",
    "RFC 9207 §2.4",
)
def _authorization_iss(f: Forgery) -> None:
    f.iss = OTHER_ISSUER


@scenario(
    "authorization-state-missing",
    "authorization",
    "refuse",
    "the authorization response leaves out the state the request sent",
    "RFC 6749 §4.1.2, §10.12",
)
def _state_missing(f: Forgery) -> None:
    f.state = None


# -- what a process knows of rules and evidence


@dataclass(slots=True)
class _Known:
    generation: int = -1
    rules: tuple[ScenarioRule, ...] = ()
    families: dict[str, tuple[int, str]] = field(default_factory=dict)  # -> served id, name
    codes: dict[str, tuple[int, str]] = field(default_factory=dict)
    went_on: set[int] = field(default_factory=set)
    rotation: bool = False
    rotation_keys: dict[str, SigningKey] = field(default_factory=dict)  # by alg
    jwks_base: bytes | None = None
    jwks: bytes = b""


_known: weakref.WeakKeyDictionary[Datastore, _Known] = weakref.WeakKeyDictionary()
_lock = threading.Lock()
_unknown_keys: dict[str, SigningKey] = {}


def _current(store: Datastore) -> _Known:
    generation = store.clock.generation()
    known = _known.get(store)
    if known is not None and known.generation == generation:
        return known
    with _lock:
        known = _known.get(store)
        if known is None or known.generation != generation:
            previous = known
            known = _load(store, generation)
            if previous is not None:
                known.rotation_keys = previous.rotation_keys
            _known[store] = known
        return known


def _load(store: Datastore, generation: int) -> _Known:
    known = _Known(generation=generation, rules=tuple(store.misbehave.rules()))
    known.rotation = any(r.scenario == "key-rotation" for r in known.rules)
    for event in store.misbehave.served_events():
        detail = event.detail
        if event.outcome == "served":
            served = (event.id, str(detail.get("scenario")))
            if detail.get("family_id"):
                known.families[str(detail["family_id"])] = served
            if detail.get("code_hash"):
                known.codes[str(detail["code_hash"])] = served
            known.rotation = known.rotation or detail.get("scenario") == "key-rotation"
        elif event.outcome == "went_on":
            known.went_on.add(int(detail.get("served_event_id", 0)))
    return known


def _take(store: Datastore, stage: Stage, client_id: str) -> Scenario | None:
    """The first rule of this client at this stage that still has a play left (consumed)."""
    for rule in _current(store).rules:
        chosen = SCENARIOS.get(rule.scenario)  # a rule of a scenario this version lacks: none
        if rule.client_id != client_id or chosen is None or chosen.stage != stage:
            continue
        if store.misbehave.consume_rule(rule.id):
            return chosen
    return None


def _served(
    store: Datastore, chosen: Scenario, client_id: str, account: str | None, **about: str
) -> None:
    store.misbehave.record(
        "served",
        client_id=client_id,
        account_uuid=account,
        reason=f"served {chosen.name} to client {client_id}: {chosen.what}",
        detail={"scenario": chosen.name, "stage": chosen.stage, "expect": chosen.expect, **about},
    )


def _went_on(
    store: Datastore,
    served: tuple[int, str] | None,
    client_id: str,
    account: str | None,
    how: str,
) -> None:
    """Note once per play that the client used what it should perhaps have refused."""
    if served is None or served[0] in _current(store).went_on:
        return
    event_id, name = served
    store.misbehave.record(
        "went_on",
        client_id=client_id,
        account_uuid=account,
        reason=f"client {client_id} went on after {name}: {how}",
        detail={"scenario": name, "served_event_id": event_id, "how": how},
    )


def _account_uuid(store: Datastore, record: TokenRecord | None) -> str | None:
    """The pupil's account_uuid behind a token, for the evidence; ``None`` when unknown."""
    if record is None or record.account_id is None:
        return None
    try:
        return store.world.account_by_id(record.account_id).account_uuid
    except NotFound:
        return None


# -- the hooks the endpoints call


def authorization_answer(
    provider: Provider,
    target: RedirectTarget,
    client_id: str,
    account_uuid: str,
    code: str,
) -> Response:
    """The authorization response with ``code``, as a scenario of this client wants it."""
    chosen = _take(provider.store, "authorization", client_id)
    if chosen is None:
        return authorization_response(provider, target, {"code": code})
    forgery = Forgery(state=target.state, iss=provider.endpoints.issuer)
    chosen.play(forgery)
    _served(provider.store, chosen, client_id, account_uuid, code_hash=sha256_hex(code))
    return authorization_response(
        provider, replace(target, state=forgery.state), {"code": code}, iss=forgery.iss
    )


def token_answer(
    provider: Provider,
    client: ClientRecord,
    grant_type: str,
    code: str | None,
    answer: dict[str, Any],
) -> dict[str, Any]:
    """A token response, evidence noted, changed by a scenario of this client at a login."""
    store = provider.store
    known = _current(store)
    access_token = answer.get("access_token")
    record: TokenRecord | None = None
    if isinstance(access_token, str) and (known.families or known.codes or known.rules):
        record = store.oidc.token(sha256_hex(access_token))
    account = _account_uuid(store, record)
    if known.families and grant_type == "refresh_token" and record is not None:
        served = known.families.get(record.family_id)
        _went_on(store, served, client.client_id, account, "refreshed the grant's tokens")
    if grant_type == "authorization_code" and code is not None and known.codes:
        served = known.codes.get(sha256_hex(code))
        how = "redeemed the code at the token endpoint"
        _went_on(store, served, client.client_id, account, how)
    if grant_type != "authorization_code":
        return answer
    chosen = _take(store, "token", client.client_id)
    if chosen is None:
        return answer
    if record is None and isinstance(access_token, str):  # a rule armed since ``known`` was read
        record = store.oidc.token(sha256_hex(access_token))
        account = _account_uuid(store, record)
    forged = _forge(provider, chosen, dict(answer))
    _served(
        store,
        chosen,
        client.client_id,
        account,
        family_id=record.family_id if record is not None else "",
    )
    return forged


def userinfo_answer(
    provider: Provider, record: TokenRecord, account_uuid: str, answer: dict[str, Any]
) -> dict[str, Any]:
    """A UserInfo answer, evidence noted, changed by a scenario of this client."""
    store = provider.store
    known = _current(store)
    if known.families:
        served = known.families.get(record.family_id)
        how = "called UserInfo with the grant's access token"
        _went_on(store, served, record.client_id, account_uuid, how)
    chosen = _take(store, "userinfo", record.client_id)
    if chosen is None:
        return answer
    forgery = Forgery(answer=dict(answer))
    chosen.play(forgery)
    _served(store, chosen, record.client_id, account_uuid, family_id=record.family_id)
    return forgery.answer


def jwks_bytes(provider: Provider) -> bytes:
    """The JWKS, with the key of ``key-rotation`` first from its rule until the next reset.

    The key stays published once its tokens went out (they must verify whenever the client
    looks); other clients' tokens keep their own kid, so an extra key harms nobody.
    """
    base = provider.keys.jwks_bytes()
    known = _current(provider.store)
    if not known.rotation:
        return base
    if known.jwks_base is not base:
        document = json.loads(base)
        public = [
            {
                **_rotation_key(provider.store, known, alg).as_dict(private=False),
                "use": "sig",
                "alg": alg,
            }
            for alg in SIGNING_ALGS
        ]
        document["keys"] = [*public, *document["keys"]]
        known.jwks = json.dumps(document, separators=(",", ":")).encode()
        known.jwks_base = base
    return known.jwks


# -- signing


def _forge(provider: Provider, chosen: Scenario, answer: dict[str, Any]) -> dict[str, Any]:
    """Play a token-stage scenario on a token response and sign its ID token again."""
    header_part, payload_part, _signature = str(answer["id_token"]).split(".")
    header: dict[str, Any] = json.loads(_unb64(header_part))
    claims: dict[str, Any] = json.loads(_unb64(payload_part))
    forgery = Forgery(header=header, claims=claims, answer=answer)
    chosen.play(forgery)
    forgery.answer["id_token"] = _sign(provider, forgery)
    return forgery.answer


def _sign(provider: Provider, forgery: Forgery) -> str:
    header, payload = forgery.header, json.dumps(forgery.claims).encode()
    if forgery.signing == "none":
        unsigned = {k: v for k, v in header.items() if k != "kid"}
        unsigned["alg"] = "none"
        return f"{_b64(json.dumps(unsigned).encode())}.{_b64(payload)}."
    key: SigningKey
    if forgery.signing == "unknown":
        key = _throwaway_key(header["alg"])
        header["kid"] = "onbekend-" + str(key.kid)[:16]
    elif forgery.signing == "rotation":
        key = _rotation_key(provider.store, _current(provider.store), header["alg"])
        header["kid"] = key.kid
    else:
        key = provider.keys.signing_key(header["alg"])
    token = jws.serialize_compact(header, payload, key, algorithms=[header["alg"]])
    if forgery.signing != "bad":
        return token
    signed, _, signature = token.rpartition(".")
    raw = bytearray(_unb64(signature))
    raw[len(raw) // 2] ^= 0x01
    return f"{signed}.{_b64(bytes(raw))}"


def _throwaway_key(alg: str) -> SigningKey:
    """A key no JWKS holds, made once per process and alg (RSA key generation is slow)."""
    with _lock:
        if alg not in _unknown_keys:
            _unknown_keys[alg] = _import(make_signing_key(alg)[1])
        return _unknown_keys[alg]


def _rotation_key(store: Datastore, known: _Known, alg: str) -> SigningKey:
    """The rotation scenario's key for ``alg``, one for every worker (``misbehave-rotation``,
    ``misbehave-rotation-es256``), so that a client of either algorithm can follow it."""
    if alg not in known.rotation_keys:
        base = store.misbehave.ROTATION_KID
        kid = base if alg == "RS256" else f"{base}-{alg.lower()}"
        text = store.misbehave.rotation_key(kid, alg, lambda: make_signing_key(alg)[1])
        known.rotation_keys[alg] = _import(text, kid)
    return known.rotation_keys[alg]


def _import(text: str, kid: str | None = None) -> SigningKey:
    data = json.loads(text)
    if kid is not None:
        data["kid"] = kid
    key: SigningKey = RSAKey.import_key(data) if data["kty"] == "RSA" else ECKey.import_key(data)
    return key


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
