"""A fake small local model behind an OpenAI-compatible server, behaving as llama-cpp-python's server does with a
strict chat template and a small context, and answering the way models under 1B parameters do.

The server side:
- `response_format: {"type": "json_schema"}`: HTTP 500 naming it (llama-cpp-python's answer); `json_object`,
  with or without a `schema`, is accepted;
- a strict chat template: one system message and only first, then user/assistant turns alternating from a user
  turn to a user turn, else 400 ("System message must be at the beginning", "Conversation roles must
  alternate user/assistant/user/assistant");
- a context of `n_ctx` tokens: a prompt whose estimate plus `max_tokens` exceeds it is 400 ("exceeds the
  context window"); a call without `max_tokens` is 400 too (the project promises every call carries one).

The model side: the answer is an object valid for the JSON schema the request carries (in `response_format`, else
in the system message's instruction), filled from the prompt (names for `name` fields, ids for `*_id`), and
written in one of the ways small models write, in turn: prose around the JSON, the JSON twice, cut before its
closing braces, in a code fence, or with wrong keys (a reply the project must re-ask). `style` fixes one,
`styles` sets the turn.

Streams (`stream: true`) are llama-cpp-python's: deltas, a last chunk with `finish_reason`, then `[DONE]`, and no
usage chunk even when `stream_options.include_usage` asks for one. The behaviour "cut" (`fake.plan("cut")`)
ends a stream after its first deltas, with neither a `finish_reason` nor `[DONE]` (the server died mid-answer).
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tests.fakes._base import FakeVendor, emit, json_response, sse, streaming, words

STYLES = ("prose", "twice", "cut", "fence", "plain", "wrong_keys")
_SCHEMA_IN_PROMPT = re.compile(r"JSON Schema: (\{.*\})\s*$", re.DOTALL)
_ID = re.compile(r"\b(?:char|node|choice|loc|location|task|item)_[A-Za-z0-9_-]{4,}")
_NAME = re.compile(r"\b[A-Z][a-z]{2,}(?: [A-Z][a-z]{2,})?\b")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_NOT_NAMES = frozenset({"The", "You", "She", "They", "What", "When", "How", "But", "And", "Chapter", "Part", "Answer"})


def estimate_tokens(text: str) -> int:
    """Generous for a small model's tokenizer: a CJK character is 2 tokens, other text 3.5 characters a token."""
    cjk = len(_CJK.findall(text))
    return 2 * cjk + round((len(text) - cjk) / 3.5)


class FakeSmallModel(FakeVendor):
    def __init__(
        self, *, n_ctx: int = 4096, style: str | None = None, styles: tuple[str, ...] = STYLES, props: bool = False
    ) -> None:
        super().__init__(api_key="")
        self.n_ctx = n_ctx
        self.props = props
        self._styles = itertools.cycle([style] if style else styles)
        self.refusals: list[str] = []  # why each refused request was refused
        self.answered: list[str] = []  # the style of each answer

    def app(self) -> Starlette:
        routes = [Route("/v1/chat/completions", self.chat, methods=["POST"])]
        if self.props:  # the llama.cpp server's page; llama-cpp-python's server has none (404)
            routes.append(Route("/props", self.server_props, methods=["GET"]))
        return Starlette(routes=routes)

    async def server_props(self, request: Request) -> Response:
        await self.record(request)
        return json_response({"default_generation_settings": {"n_ctx": self.n_ctx}, "total_slots": 1})

    async def chat(self, request: Request) -> Response:
        seen = await self.record(request)
        body: dict[str, Any] = seen.body if isinstance(seen.body, dict) else {}
        messages = body.get("messages") or []
        behaviour = self.next_behaviour()
        if behaviour == "500":  # the model runner fell over: a transient error worth a retry
            return json_response({"error": {"message": "llama runner crashed", "type": "server_error"}}, 500)
        refusal = self._refusal(body, messages)
        if refusal is not None:
            status, message = refusal
            self.refusals.append(message)
            return json_response({"error": {"message": message, "type": "server_error"}}, status)
        schema = self._schema(body, messages)
        if schema is None:
            text = "I am a small model. " + (messages[-1].get("content", "")[:60] if messages else "")
            style = "text"
        else:
            style = next(self._styles)
            said = "\n".join(
                str(m.get("content") or "").split("\n", 1)[-1] for m in messages if m.get("role") == "user"
            )
            text = _written(_instance(schema, said), style)
        self.answered.append(style)
        if body.get("stream"):
            return streaming(emit(_stream_chunks(text, cut=behaviour == "cut")))
        return json_response(
            {
                "id": "chatcmpl-small",
                "object": "chat.completion",
                "model": body.get("model", "smollm2"),
                "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": estimate_tokens(_prompt(messages)), "completion_tokens": len(text) // 4},
            }
        )

    def _refusal(self, body: dict[str, Any], messages: list[dict[str, Any]]) -> tuple[int, str] | None:
        response_format = body.get("response_format") or {}
        if response_format.get("type") == "json_schema":
            return 500, "Unsupported response_format type 'json_schema': use json_object with a schema"
        roles = [m.get("role") for m in messages]
        if "system" in roles[1:]:
            return 400, "System message must be at the beginning."
        turns = roles[1:] if roles[:1] == ["system"] else roles
        if not turns or turns[0] != "user" or turns[-1] != "user":
            return 400, "Conversation roles must alternate user/assistant/user/assistant/..."
        if any(a == b for a, b in itertools.pairwise(turns)):
            return 400, "Conversation roles must alternate user/assistant/user/assistant/..."
        max_tokens = body.get("max_tokens")
        if not isinstance(max_tokens, int) or max_tokens <= 0:
            return 400, "max_tokens is required by this test server"
        prompt = estimate_tokens(_prompt(messages))
        if prompt + max_tokens > self.n_ctx:
            return 400, f"Requested tokens ({prompt} + {max_tokens}) exceed the context window of {self.n_ctx}"
        return None

    def _schema(self, body: dict[str, Any], messages: list[dict[str, Any]]) -> dict[str, Any] | None:
        response_format = body.get("response_format") or {}
        if isinstance(response_format.get("schema"), dict):
            return response_format["schema"]
        system = messages[0].get("content", "") if messages and messages[0].get("role") == "system" else ""
        found = _SCHEMA_IN_PROMPT.search(system)
        return orjson.loads(found.group(1)) if found else None


def _stream_chunks(text: str, *, cut: bool) -> list[bytes]:
    deltas = [
        sse({"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": piece}}]})
        for piece in words(text)
    ]
    if cut:
        return deltas[:2]
    end = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
    return [*deltas, sse(end), sse("[DONE]")]


def _prompt(messages: list[dict[str, Any]]) -> str:
    return "\n".join(str(m.get("content") or "") for m in messages)


_ANSWERS = itertools.count(1)


def _instance(schema: dict[str, Any], prompt: str) -> Any:
    """An object valid for `schema`, with words taken from the prompt's user turns."""
    names = list(dict.fromkeys(n for n in _NAME.findall(prompt) if n not in _NOT_NAMES))
    ids = _ID.findall(prompt)
    counter, named, answer_no = itertools.count(), itertools.count(), next(_ANSWERS)

    def make(node: dict[str, Any], key: str = "") -> Any:
        if "anyOf" in node:
            options = [o for o in node["anyOf"] if o.get("type") != "null"] or node["anyOf"]
            return make(options[0], key)
        if "enum" in node:
            return node["enum"][0]
        if "const" in node:
            return node["const"]
        kind = node.get("type")
        if kind == "object" or "properties" in node:
            return {name: make(prop, name) for name, prop in (node.get("properties") or {}).items()}
        if kind == "array":
            if key == "aliases":
                return []
            count = max(2, node.get("minItems", 2))
            return [make(node.get("items") or {"type": "string"}, key) for _ in range(count)]
        if kind == "integer":
            return max(int(node.get("minimum", 1)), 1)
        if kind == "number":
            return float(node.get("minimum", 0.5))
        if kind == "boolean":
            return True
        n = next(counter)
        if key.endswith("_id") and ids:
            return ids[n % len(ids)]
        if key in ("name", "character_name", "speaker") and names:
            return names[next(named) % len(names)]
        return f"A plain answer, number {answer_no}.{n}."

    return make(schema)


def _written(value: Any, style: str) -> str:
    """`value` as a small model writes it."""
    text = orjson.dumps(value).decode("utf-8")
    if style == "prose":
        return f"Sure! Here is the JSON you asked for:\n{text}\nI hope this helps."
    if style == "twice":
        return f"{text}\n{text}"
    if style == "cut":
        return text[:-2] if text.endswith("}}") or text.endswith("]}") else text[:-1]
    if style == "fence":
        return f"```json\n{text}\n```"
    if style == "wrong_keys":
        return orjson.dumps({"answer": "I think the story is nice.", "result": [1, 2, 3]}).decode("utf-8")
    return text


class FakeSmallOllama(FakeVendor):
    """The same small model behind Ollama (`/api/chat`, `/api/show`): the schema comes as `format` (or "json"
    with the schema in the system message), `options.num_ctx` and `options.num_predict` are required (without
    them Ollama silently cuts the prompt to its default window), the chat template is strict, and an answer ends
    with `done: true` and the token counts (streamed as NDJSON lines, the last one `done`)."""

    def __init__(self, *, context_length: int = 2048, style: str = "plain") -> None:
        super().__init__(api_key="")
        self.context_length = context_length
        self.style = style
        self.refusals: list[str] = []
        self.answered: list[str] = []

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/api/chat", self.chat, methods=["POST"]),
                Route("/api/show", self.show, methods=["POST"]),
            ]
        )

    async def show(self, request: Request) -> Response:
        await self.record(request)
        return json_response({"model_info": {"general.architecture": "llama", "llama.context_length": 2048}})

    async def chat(self, request: Request) -> Response:
        seen = await self.record(request)
        body: dict[str, Any] = seen.body if isinstance(seen.body, dict) else {}
        messages = body.get("messages") or []
        refusal = self._refusal(body, messages)
        if refusal is not None:
            self.refusals.append(refusal)
            return json_response({"error": refusal}, 400)
        fmt = body.get("format")
        schema = fmt if isinstance(fmt, dict) else None
        if schema is None and fmt == "json":
            system = messages[0].get("content", "") if messages and messages[0].get("role") == "system" else ""
            found = _SCHEMA_IN_PROMPT.search(system)
            schema = orjson.loads(found.group(1)) if found else None
        if schema is None:
            text = "I am a small model. " + (messages[-1].get("content", "")[:60] if messages else "")
        else:
            said = "\n".join(
                str(m.get("content") or "").split("\n", 1)[-1] for m in messages if m.get("role") == "user"
            )
            text = _written(_instance(schema, said), self.style)
        self.answered.append("text" if schema is None else self.style)
        counts = {"prompt_eval_count": estimate_tokens(_prompt(messages)), "eval_count": len(text) // 4}
        final = {"model": body.get("model", ""), "created_at": "2026-01-01T00:00:00Z", "done": True}
        final |= {"done_reason": "stop", **counts}
        if not body.get("stream", True):
            return json_response({**final, "message": {"role": "assistant", "content": text}})
        lines = [
            orjson.dumps({"model": body.get("model", ""), "message": {"role": "assistant", "content": piece}}) + b"\n"
            for piece in words(text)
        ]
        lines.append(orjson.dumps({**final, "message": {"role": "assistant", "content": ""}}) + b"\n")
        return streaming(emit(lines), media_type="application/x-ndjson")

    def _refusal(self, body: dict[str, Any], messages: list[dict[str, Any]]) -> str | None:
        roles = [m.get("role") for m in messages]
        if "system" in roles[1:]:
            return "System message must be at the beginning."
        turns = roles[1:] if roles[:1] == ["system"] else roles
        if not turns or turns[0] != "user" or turns[-1] != "user" or any(a == b for a, b in itertools.pairwise(turns)):
            return "Conversation roles must alternate user/assistant/user/assistant/..."
        options = body.get("options") or {}
        num_ctx, num_predict = options.get("num_ctx"), options.get("num_predict")
        if not isinstance(num_ctx, int) or not isinstance(num_predict, int) or num_predict <= 0:
            return "this test server needs options.num_ctx and options.num_predict"
        if num_ctx > self.context_length:
            return f"num_ctx {num_ctx} is more than the model's context length {self.context_length}"
        if estimate_tokens(_prompt(messages)) + num_predict > num_ctx:
            return f"the prompt and num_predict exceed num_ctx {num_ctx}"
        return None
