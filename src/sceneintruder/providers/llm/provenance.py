"""Who made an AI output: the provider and model of the call, and whether that was the offline provider.

Every domain object an LLM call produces carries one (on the wire as `provider`, `model`, `offline`; stored with
the object), so offline output says it is offline wherever it appears.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sceneintruder.providers.llm.catalog import BUILTIN


@dataclass(frozen=True)
class Provenance:
    provider: str
    model: str

    @property
    def offline(self) -> bool:
        return self.provider == BUILTIN

    def wire(self) -> dict[str, Any]:
        return {"provider": self.provider, "model": self.model, "offline": self.offline}


OFFLINE = Provenance(BUILTIN, BUILTIN)
