"""The password rules: the hasher port (Argon2id in adapters/repos/passwords.py) and the password policy that every
new password passes (a user's own change, an admin's add or reset, the first admin). `users` re-exports both.
"""

from __future__ import annotations

import re
from typing import Protocol

from stockpile.domain.errors import InvalidCommand

MIN_PASSWORD = 10


class PasswordHasherPort(Protocol):
    def hash(self, password: str) -> str: ...
    def verify(self, stored_hash: str, password: str) -> bool: ...
    def needs_rehash(self, stored_hash: str) -> bool: ...
    def is_common(self, password: str) -> bool: ...


def check_password(hasher: PasswordHasherPort, pw: str, username: str) -> None:
    """Password policy: 10 to 256 characters, not the user name (nor containing it), not a repeat (`aaaaaaaaaaaa`,
    `abcabcabcabc`, fewer than 4 different characters) and not on the bundled common-password list (the port's
    `is_common`, the zxcvbn project's list)."""
    if len(pw) < MIN_PASSWORD or len(pw) > 256:
        raise InvalidCommand(reason="weak_password", min=MIN_PASSWORD)
    name = username.strip().casefold()
    if len(name) >= 3 and name in pw.casefold():
        raise InvalidCommand(reason="password_has_username")
    if len(set(pw.casefold())) < 4 or re.fullmatch(r"(.+?)\1+", pw):
        raise InvalidCommand(reason="password_repetitive")
    if hasher.is_common(pw):
        raise InvalidCommand(reason="password_common")


def setup_code_text(code: str) -> str:
    """A one-time setup code (first login) as hashed and compared: no case, spaces or dashes (typed from a note)."""
    return "".join(ch for ch in code.upper() if ch.isalnum())
