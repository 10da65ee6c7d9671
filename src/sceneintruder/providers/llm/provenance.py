"""Who made an AI output: the provider and model of the call, and whether that was the offline provider.

Every domain object an LLM call produces carries one (on the wire as `provider`, `model`, `offline`; stored with
the object), so offline output says it is offline wherever it appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sceneintruder.providers.llm.base import Completion
from sceneintruder.providers.llm.catalog import BUILTIN


@dataclass(frozen=True)
class Provenance:
    provider: str
    model: str
    fallback_reason: str = ""  # why the offline provider made it although a model is configured

    @classmethod
    def of(cls, completion: Completion) -> Provenance:
        return cls(completion.provider, completion.model, completion.fallback_reason)

    @property
    def offline(self) -> bool:
        return self.provider == BUILTIN

    def wire(self) -> dict[str, Any]:
        wire: dict[str, Any] = {"provider": self.provider, "model": self.model, "offline": self.offline}
        if self.fallback_reason:
            wire["fallback_reason"] = self.fallback_reason
        return wire


OFFLINE = Provenance(BUILTIN, BUILTIN)
