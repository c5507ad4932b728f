"""The check digits of INSZ numbers (Belgian rijksregisternummer).

An INSZ is 11 digits: birth date ``YYMMDD``, a sequence number ``SSS`` (odd for men, even for
women) and two check digits ``CC`` = 97 - (the first 9 digits mod 97). For people born from
2000 on, the check is computed over ``2`` followed by the first 9 digits, so that the same
``YYMMDD`` of 1910 and 2010 give different check digits.

The simulator only ever makes synthetic numbers, and never releases an INSZ to any client.
"""

from __future__ import annotations

__all__ = ["insz_check_digits", "insz_is_valid"]


def insz_check_digits(first_nine: str, *, born_from_2000: bool) -> str:
    """The two check digits of an INSZ whose first 9 digits are ``first_nine``."""
    if len(first_nine) != 9 or not (first_nine.isascii() and first_nine.isdigit()):
        raise ValueError("the first part of an INSZ is 9 digits")
    number = int(("2" if born_from_2000 else "") + first_nine)
    return f"{97 - number % 97:02d}"


def insz_is_valid(insz: str) -> bool:
    """True when ``insz`` is 11 digits with check digits valid for a birth before or from 2000."""
    if len(insz) != 11 or not (insz.isascii() and insz.isdigit()):
        return False
    first_nine, check = insz[:9], insz[9:]
    return check in (
        insz_check_digits(first_nine, born_from_2000=False),
        insz_check_digits(first_nine, born_from_2000=True),
    )
