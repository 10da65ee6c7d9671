"""The error hierarchy: one code per class, codes upper-snake, and all of them in ErrorCode."""

from __future__ import annotations

import re

import sceneintruder.orm  # noqa: F401 - imports every domain, so every errors.py is loaded
from sceneintruder.chat import errors as _chat_errors  # noqa: F401
from sceneintruder.core.error_codes import ErrorCode
from sceneintruder.core.errors import AppError
from sceneintruder.users import errors as _users_errors  # noqa: F401


def _all_subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found.append(sub)
        found.extend(_all_subclasses(sub))
    return found


def test_each_error_class_has_its_own_known_upper_snake_code() -> None:
    classes = [AppError, *_all_subclasses(AppError)]
    codes = [cls.code for cls in classes]
    assert len(codes) == len(set(codes)), sorted(codes)
    for cls in classes:
        assert re.fullmatch(r"[A-Z][A-Z0-9_]+", cls.code), cls
        assert cls.code in ErrorCode.__members__.values(), cls
        assert 400 <= cls.status_code <= 599


def test_error_code_values_are_unique_and_match_their_names() -> None:
    for name, member in ErrorCode.__members__.items():
        assert member.value == name
