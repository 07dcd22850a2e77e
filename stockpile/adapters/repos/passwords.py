"""Argon2id password hashing (argon2-cffi `PasswordHasher`, RFC 9106 low-memory profile by default) and the
common-password list (the 30 000 most frequent leaked passwords that the zxcvbn package ships)."""

from __future__ import annotations

import re
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_DECORATION = re.compile(r"^[\W\d_]+|[\W\d_]+$")  # digits and punctuation around a word: "password2026!"


@cache
def common_passwords() -> frozenset[str]:
    """zxcvbn's bundled `passwords` frequency list (lower case), loaded once."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


class Argon2Hasher:
    """The `PasswordHasherPort` of trust/passwords.py: hash, verify (False on any mismatch), needs_rehash,
    is_common."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._ph = hasher or PasswordHasher()

    def hash(self, password: str) -> str:
        return self._ph.hash(password)

    def verify(self, stored_hash: str, password: str) -> bool:
        try:
            return bool(self._ph.verify(stored_hash, password))
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored_hash: str) -> bool:
        try:
            return bool(self._ph.check_needs_rehash(stored_hash))
        except InvalidHashError:
            return True

    def is_common(self, password: str) -> bool:
        """On the common-password list as typed, or once digits and punctuation around it are dropped
        (`Password2026!` → `password`)."""
        words = common_passwords()
        low = password.casefold()
        core = _DECORATION.sub("", low)
        return low in words or (len(core) >= 4 and core in words)
