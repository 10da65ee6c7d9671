"""Wire shapes of `/api/users/:user_id/...` (reference spec §4.2), validated."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import Field, StringConstraints, field_validator

from sceneintruder.core.ids import is_valid_id
from sceneintruder.core.schemas import MAX_SAFE_INTEGER, Int32, OmitNoneModel, RequestModel, SafeInt

ShortText = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
LongText = Annotated[str, StringConstraints(max_length=5000)]
Url = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2048)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, max_length=50)]


class Preferences(OmitNoneModel):
    creativity_level: Literal["STRICT", "BALANCED", "EXPANSIVE"] = "BALANCED"
    allow_plot_twists: bool = True
    response_length: Literal["short", "medium", "long"] = "medium"
    language_style: Literal["casual", "formal", "literary"] = "casual"
    notification_level: Literal["none", "important", "all"] = "important"
    dark_mode: bool = False
    preferred_model: ShortText | None = None
    auto_save: bool = True


class Effect(RequestModel):
    target: ShortText = "self"
    type: ShortText = "custom"
    value: SafeInt = 0
    description: LongText = ""
    duration: SafeInt | None = None
    probability: float = Field(default=1.0, allow_inf_nan=False)


class ItemEffect(Effect):
    probability: float = Field(default=1.0, ge=0.0, le=1.0)
    value: int = Field(default=0, ge=0, le=MAX_SAFE_INTEGER)
    duration: int | None = Field(default=None, ge=0, le=MAX_SAFE_INTEGER)


def _check_client_id(value: str | None) -> str | None:
    if value in (None, ""):
        return None
    if not is_valid_id(value):
        raise ValueError("id may use letters, digits and _.:- (at most 128 characters)")
    return value


class UserItemWrite(RequestModel):
    id: str | None = None
    name: ShortText = Field(min_length=1)
    description: LongText = ""
    icon_url: Url | None = None
    effects: list[ItemEffect] = Field(default_factory=list, max_length=50)
    tags: list[Tag] = Field(default_factory=list, max_length=50)

    _id = field_validator("id")(_check_client_id)

    @field_validator("tags")
    @classmethod
    def _drop_blank(cls, tags: list[str]) -> list[str]:
        return [tag for tag in tags if tag]


class UserSkillWrite(RequestModel):
    """Skills are sanitised like the reference does (spec §4.3), then validated."""

    id: str | None = None
    name: ShortText = ""
    description: LongText = ""
    icon_url: Url | None = None
    category: ShortText | None = None
    effects: list[Effect] = Field(default_factory=list, max_length=50)
    effect: LongText | None = None  # legacy single-effect text
    cooldown: Int32 = 0
    requirements: list[Tag] = Field(default_factory=list, max_length=50)
    tags: list[Tag] = Field(default_factory=list, max_length=50)

    _id = field_validator("id")(_check_client_id)

    @field_validator("tags", "requirements")
    @classmethod
    def _drop_blank(cls, values: list[str]) -> list[str]:
        return [value for value in values if value]


class UserItemRead(OmitNoneModel):
    id: str
    name: str
    description: str
    icon_url: str | None = None
    effects: list[dict]
    tags: list[str]
    created: datetime
    updated: datetime


class UserSkillRead(OmitNoneModel):
    id: str
    name: str
    description: str
    icon_url: str | None = None
    category: str | None = None
    effects: list[dict]
    cooldown: int
    requirements: list[str]
    tags: list[str]
    created: datetime
    updated: datetime


class UserRead(OmitNoneModel):
    id: str
    username: str
    email: str
    role: str
    avatar: str | None = None
    display_name: str | None = None
    bio: str | None = None
    created_at: datetime
    last_login: datetime | None = None
    last_updated: datetime
    preferences: Preferences
    saved_scenes: list[str]
    items: list[UserItemRead]
    skills: list[UserSkillRead]


class UserUpdate(RequestModel):
    """Fields present in the body are applied; `""` or null clears display_name, bio and avatar."""

    username: ShortText | None = None
    display_name: ShortText | None = None
    bio: LongText | None = None
    avatar: Url | None = None
    preferences: Preferences | None = None

    @field_validator("username")
    @classmethod
    def _username_not_blank(cls, value: str | None) -> str | None:
        if value is not None and not value:
            raise ValueError("username cannot be empty")
        return value
