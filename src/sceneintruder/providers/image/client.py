"""`ImageClient`: one picture from the active provider, recorded in the ledger like an LLM call.

Every request the vendor received is a ledger row (a retried failure too, through `providers.attempts`), with
the tokens the vendor reported (gpt-image, Gemini) or none; an offline render is a row with provider
`placeholder` and no tokens. The offline renderer's drawing is CPU work and runs in a thread.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time

from sceneintruder.providers import attempts
from sceneintruder.providers.errors import ProviderError
from sceneintruder.providers.image.base import GeneratedImage, ImageProvider, ImageRequest
from sceneintruder.providers.image.offline import OfflineRenderer
from sceneintruder.providers.llm.client import CallRecord, UsageRecorder

TASK = "comic_image"


@dataclasses.dataclass(frozen=True)
class ImageCall:
    user_id: str | None = None
    job_id: str | None = None
    task: str = TASK


class ImageClient:
    def __init__(self, provider: ImageProvider, recorder: UsageRecorder | None = None) -> None:
        self.provider = provider
        self._recorder = recorder

    async def generate(self, request: ImageRequest, call: ImageCall) -> GeneratedImage:
        provider = self.provider
        model = request.model or provider.default_model
        started = time.perf_counter()
        try:
            with attempts.collecting() as failed:
                if isinstance(provider, OfflineRenderer):
                    data = await asyncio.to_thread(provider.render, request)
                    image = GeneratedImage(data, "image/png", provider.name, provider.default_model, True, request.seed)
                else:
                    image = await provider.generate(request)
        except ProviderError as error:
            for attempt in failed:
                await self._record(call, provider.name, model, attempt.outcome, attempt.latency_ms, attempt.error_code)
            await self._record(call, provider.name, model, error.kind, _ms(started), error.code)
            raise
        except asyncio.CancelledError:
            await self._record(call, provider.name, model, "cancelled", _ms(started), None)
            raise
        for attempt in failed:
            await self._record(call, provider.name, model, attempt.outcome, attempt.latency_ms, attempt.error_code)
        await self._record(
            call, image.provider, image.model, "ok", _ms(started), None, image.input_tokens, image.output_tokens
        )
        return image

    async def _record(
        self,
        call: ImageCall,
        provider: str,
        model: str,
        outcome: str,
        latency_ms: float,
        code: str | None,
        prompt_tokens: int = 0,
        completion_tokens: int = 0,
    ) -> None:
        if self._recorder is None:
            return
        await self._recorder(
            CallRecord(
                task=call.task,
                provider=provider,
                model=model,
                outcome=outcome,
                prompt_tokens=prompt_tokens,
                completion_tokens=completion_tokens,
                latency_ms=latency_ms,
                user_id=call.user_id,
                job_id=call.job_id,
                error_code=code,
            )
        )


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 3)
