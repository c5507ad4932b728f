"""Secrets at rest: argon2id for passwords, SHA-256 for random secrets."""

from __future__ import annotations

from datastore import Argon2Parameters, PasswordHashing, sha256_hex, verify_sha256

CHEAP = Argon2Parameters(memory_cost=8, time_cost=1, parallelism=1)


def test_password_round_trip_and_wrong_password() -> None:
    hashing = PasswordHashing(CHEAP)
    stored = hashing.hash("Leerling123!")
    assert stored.startswith("$argon2id$")
    assert "Leerling123!" not in stored
    assert hashing.verify(stored, "Leerling123!")
    assert not hashing.verify(stored, "leerling123!")


def test_unknown_user_never_verifies() -> None:
    hashing = PasswordHashing(CHEAP)
    assert not hashing.verify(None, "not a password of anyone")
    assert not hashing.verify(None, "")


def test_a_garbled_hash_does_not_verify() -> None:
    assert not PasswordHashing(CHEAP).verify("$argon2id$garbage", "x")


def test_owasp_minimum_is_the_default_and_weaker_hashes_need_rehash() -> None:
    default = PasswordHashing()
    assert default.parameters == Argon2Parameters(19_456, 2, 1)
    weak = PasswordHashing(CHEAP).hash("Leerling123!")
    assert default.needs_rehash(weak)
    assert not PasswordHashing(CHEAP).needs_rehash(weak)


def test_sha256_compare() -> None:
    stored = sha256_hex("ididdit-demo-secret")
    assert len(stored) == 64
    assert verify_sha256("ididdit-demo-secret", stored)
    assert not verify_sha256("ididdit-demo-secreT", stored)
    assert not verify_sha256("ididdit-demo-secret", None)
