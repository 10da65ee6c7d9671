"""Owned resources: the owner column every stored resource carries, and loading one for its owner.

Someone else's resource is reported exactly like a missing one (the domain's NotFound), so ids are never
confirmed to people who may not see them. Administrators may load any resource.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from sqlalchemy import ForeignKey, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from sceneintruder.core.errors import NotFound
from sceneintruder.core.ids import is_valid_id
from sceneintruder.core.principal import Principal


class OwnedMixin:
    @declared_attr
    def owner_id(cls) -> Mapped[str]:
        return mapped_column(String(64), ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


Owned = TypeVar("Owned", bound=OwnedMixin)


class HasOwner(Protocol):
    @property
    def owner_id(self) -> str: ...


def can_access(resource: HasOwner, principal: Principal) -> bool:
    return owner_allows(resource.owner_id, principal)


def owner_allows(owner_id: str, principal: Principal) -> bool:
    """Whether `principal` may see a resource owned by `owner_id`."""
    return principal.is_admin or owner_id == principal.user_id


async def load_owned(
    session: AsyncSession, model: type[Owned], resource_id: str, principal: Principal, *, missing: type[NotFound]
) -> Owned:
    """The resource with this id if `principal` may see it; otherwise `missing` (never a 403 that leaks it)."""
    resource = await session.get(model, resource_id) if is_valid_id(resource_id) else None
    if resource is None or not can_access(resource, principal):
        raise missing(details=resource_id)
    return resource
