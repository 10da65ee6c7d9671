"""Unguessable resource ids, and the one pattern every client-supplied id must match.

Ids are never used to build a filesystem path before they have passed `is_valid_id`.
"""

from __future__ import annotations

import re
import secrets

_ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")


def new_id(prefix: str) -> str:
    """`<prefix>_<26 url-safe chars>`: 156 random bits."""
    return f"{prefix}_{secrets.token_urlsafe(20)[:26]}"


def new_numbered_id(prefix: str, number: int) -> str:
    """`<prefix>_<number>_<16 url-safe chars>`: the number reads as a label (the reference frontend names a
    story node by the first `node_<digits>` in its id), the rest keeps it unguessable and unique."""
    return f"{prefix}_{number}_{secrets.token_urlsafe(12)[:16]}"


def is_valid_id(value: str) -> bool:
    return bool(_ID_PATTERN.match(value)) and ".." not in value
