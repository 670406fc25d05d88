"""One-time and personal tokens are stored hashed, never as given: the one digest every kind of token uses."""

from __future__ import annotations

import hashlib


def digest(token: str) -> str:
    """The SHA-256 hex digest kept in place of a token (API, role and reporter tokens): the token itself carries
    enough randomness that no salt or slow hash is needed, and a lookup stays one indexed equality."""
    return hashlib.sha256(token.encode()).hexdigest()
