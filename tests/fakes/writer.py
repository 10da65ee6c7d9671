"""A fake OpenAI chat server that writes outlines: it reads the chapter range a request asks for ("chapters S-E of
a T-chapter book") and answers that range as the JSON the writing assistant asks for. It can cut every n-th
outline reply mid-way (a reply truncated by a token limit), fail outline requests on a plan, and hold a request
for a given first chapter until released (so a test can restart the server mid-job)."""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from tests.fakes.openai_compatible import FakeOpenAI

_RANGE = re.compile(r"chapters (\d+)-(\d+) of a (\d+)-chapter book")


def outline_json(first: int, last: int) -> str:
    chapters = [
        {
            "index": i,
            "title": f"The Tide Turns {i}",
            "summary": f"In chapter {i} the keeper finds another sign of the drowned ship.",
            "outline": f"The keeper climbs the tower\nA light answers from the sea ({i})",
        }
        for i in range(first, last + 1)
    ]
    return orjson.dumps({"version": "v1", "chapters": chapters}).decode("utf-8")


class FakeWriter(FakeOpenAI):
    def __init__(self, *, cut_every: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cut_every = cut_every  # every n-th outline reply is cut at 40% of its length
        self.outline_replies = 0
        self.ranges: Counter[tuple[int, int]] = Counter()  # outline ranges answered (not failed)
        self.fail_ranges: Counter[int] = Counter()  # first chapter -> how many more requests for it fail (500)
        self.hold_at: int | None = None  # a request for this first chapter waits until `release_hold` is set
        self.held = asyncio.Event()
        self.release_hold = asyncio.Event()
        self.command_reply: dict[str, Any] = {"main_text": "The keeper lit the lamp.", "branches": []}

    def answer(self, body: dict[str, Any]) -> tuple[str, int | None]:
        prompt = "\n".join(str(m.get("content") or "") for m in body.get("messages") or [])
        found = _RANGE.search(prompt)
        if found is None:
            if "key beats" in prompt:
                return "- The keeper wants the truth\n- The harbour master lies", None
            return orjson.dumps(self.command_reply).decode("utf-8"), None
        first, last = int(found.group(1)), int(found.group(2))
        return outline_json(first, last), first

    async def chat(self, request: Request) -> Response:
        raw = await request.body()
        body = orjson.loads(raw) if raw else {}
        text, first = self.answer(body if isinstance(body, dict) else {})
        if first is not None:
            if self.fail_ranges[first] > 0:
                self.fail_ranges[first] -= 1
                self.plan("500")
                return await super().chat(request)
            if self.hold_at == first:
                self.held.set()
                await self.release_hold.wait()
            else:
                self.outline_replies += 1
                if self.cut_every and self.outline_replies % self.cut_every == 0:
                    text = text[: int(len(text) * 0.4)]
                found = _RANGE.search("\n".join(str(m.get("content") or "") for m in body["messages"]))
                assert found is not None
                self.ranges[(first, int(found.group(2)))] += 1
        self.replies.append(text)
        return await super().chat(request)
