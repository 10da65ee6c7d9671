"""Continuity warnings over a book's prose: they point at the paragraph, they never block a write. Pure.

- `name_variant`: a name spelled two ways. English: a capitalised word used mid-sentence (so a proper noun, not
  a sentence's first word) one letter away from a known name (two for long names). Chinese: a string with a
  known name's surname and length that differs from it in one character and is used as a speaker (followed by
  说/道/问...) or twice.
- `dead_speaking`: a character speaks after the paragraph where they died (the prose says so: "X died", "X was
  killed", "X死了", "X身亡"...; or a character state says dead in an earlier chapter).
- `overdue`: a thread or foreshadowing still open after the chapter it was due to pay off by (with the paragraph
  of its chapter that shares most of its words).

Known names are the roster's characters (name and aliases) and the memory's characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sceneintruder.scripts.memory import is_overdue
from sceneintruder.scripts.models import ScriptMemory
from sceneintruder.textkit import retrieval

EXCERPT = 240
_PARAGRAPH = re.compile(r"\n\s*\n|\n(?=\s*[\u3000 ]{2})|\n")
_CAPITALISED = re.compile(r"(?<![\w'’])([A-Z][a-z]{2,})(?![\w'’])")
_SENTENCE_START = re.compile(r"(?:^|[.!?。！？“\"'‘(\[]\s*)$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_ZH_SPEECH = "说道问答喊叫笑骂嚷"
_EN_SPEECH = r"(?:said|says|asked|asks|replied|replies|shouted|whispered|answered|cried)"
_EN_DEATH = r"(?:died|dies|was killed|is dead|was dead|was slain|passed away|was murdered)"
_ZH_DEATH = r"(?:死了|死去|身亡|去世|被杀|遇害|阵亡|断了气)"
_STATE_DEATH = re.compile(r"dead|deceased|killed|died|死|身亡|去世|遇害|阵亡", re.IGNORECASE)


@dataclass(frozen=True)
class Paragraph:
    chapter: int
    index: int  # within its chapter, from 1
    text: str


def paragraphs(chapters: Iterable[tuple[int, str]]) -> list[Paragraph]:
    out = []
    for chapter, text in chapters:
        parts = [p.strip() for p in _PARAGRAPH.split(text or "") if p.strip()]
        out += [Paragraph(chapter, i, p) for i, p in enumerate(parts, start=1)]
    return out


def _warning(kind: str, where: Paragraph | None, message: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "severity": "warning",
        "chapter": where.chapter if where else extra.pop("chapter", None),
        "paragraph": where.index if where else None,
        "excerpt": where.text[:EXCERPT] if where else "",
        "message": message,
        **extra,
    }


def _distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once it exceeds `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def _name_variants(paras: Sequence[Paragraph], names: set[str]) -> list[dict[str, Any]]:
    latin = {
        part for name in names for part in name.split() if part[:1].isupper() and len(part) >= 4 and part.isascii()
    }
    chinese = {name for name in names if 2 <= len(name) <= 3 and all(_CJK.match(c) for c in name)}
    out: list[dict[str, Any]] = []
    first_seen: dict[str, Paragraph] = {}
    mid_sentence: set[str] = set()
    for para in paras:
        for match in _CAPITALISED.finditer(para.text):
            word = match.group(1)
            first_seen.setdefault(word, para)
            if not _SENTENCE_START.search(para.text[max(0, match.start() - 3) : match.start()]):
                mid_sentence.add(word)
    for word in sorted(mid_sentence - latin):
        for name in sorted(latin):
            if _distance(word.lower(), name.lower(), 2 if len(name) >= 8 else 1) <= (2 if len(name) >= 8 else 1):
                out.append(
                    _warning("name_variant", first_seen[word], f"“{word}” may be “{name}” spelled another way",
                             names=[name, word])
                )  # fmt: skip
                break
    if chinese:
        counts: dict[str, int] = {}
        spoken: set[str] = set()
        where: dict[str, Paragraph] = {}
        for para in paras:
            for name in chinese:
                pattern = re.escape(name[0]) + r"[\u4e00-\u9fff]" + f"{{{len(name) - 1}}}"
                for match in re.finditer(pattern, para.text):
                    found = match.group(0)
                    if found in chinese or sum(a != b for a, b in zip(found, name, strict=True)) != 1:
                        continue
                    counts[found] = counts.get(found, 0) + 1
                    where.setdefault(found, para)
                    if (
                        para.text[match.end() : match.end() + 1] in _ZH_SPEECH
                        and para.text[match.end() : match.end() + 1]
                    ):
                        spoken.add(found)
        for found in sorted(counts):
            if found in spoken or counts[found] >= 2:
                name = next(n for n in sorted(chinese) if len(n) == len(found) and n[0] == found[0]
                            and sum(a != b for a, b in zip(found, n, strict=True)) == 1)  # fmt: skip
                out.append(
                    _warning("name_variant", where[found], f"“{found}”可能是“{name}”的另一种写法", names=[name, found])
                )
    return out


def _speaks(para: Paragraph, name: str) -> bool:
    if _CJK.match(name[:1]):
        return re.search(re.escape(name) + f"[{_ZH_SPEECH}]", para.text) is not None
    escaped = re.escape(name)
    return (
        re.search(rf"\b{escaped}\s+{_EN_SPEECH}\b", para.text) is not None
        or re.search(rf"\b{_EN_SPEECH}\s+{escaped}\b", para.text) is not None
    )


def _dies(para: Paragraph, name: str) -> bool:
    if _CJK.match(name[:1]):
        return re.search(re.escape(name) + _ZH_DEATH, para.text) is not None
    return re.search(rf"\b{re.escape(name)}\s+{_EN_DEATH}\b", para.text) is not None


def _dead_speaking(
    paras: Sequence[Paragraph], people: Sequence[tuple[str, ...]], memory: Sequence[ScriptMemory]
) -> list[dict[str, Any]]:
    """`people`: each character's names (the first is how the warning calls them)."""
    deaths: dict[int, tuple[int, int, str]] = {}  # person -> (chapter, paragraph, how we know)
    for entry in memory:
        values = (entry.attrs.get("state") or {}).values()
        if entry.kind != "character_state" or not any(_STATE_DEATH.search(str(v)) for v in values):
            continue
        for person, names in enumerate(people):
            known = deaths.get(person)
            if entry.character in names and (known is None or (entry.chapter, 10**9) < known[:2]):
                deaths[person] = (entry.chapter, 10**9, "character_state")  # after its whole chapter
    for para in paras:
        for person, names in enumerate(people):
            if person not in deaths and any(_dies(para, name) for name in names):
                deaths[person] = (para.chapter, para.index, "prose")
    out = []
    for person, (chapter, index, source) in sorted(deaths.items()):
        names = people[person]
        for para in paras:
            if (para.chapter, para.index) > (chapter, index) and any(_speaks(para, name) for name in names):
                out.append(
                    _warning(
                        "dead_speaking", para, f"{names[0]} speaks after dying (chapter {chapter})",
                        names=[names[0]], died_in_chapter=chapter, known_from=source,
                    )
                )  # fmt: skip
                break
    return out


def _overdue(paras: Sequence[Paragraph], memory: Sequence[ScriptMemory], written_through: int) -> list[dict[str, Any]]:
    out = []
    for entry in memory:
        if not is_overdue(entry, written_through):
            continue
        wanted = set(retrieval.terms(entry.text, "zh"))
        candidates = [p for p in paras if p.chapter == entry.chapter]
        best = max(candidates, key=lambda p: len(wanted & set(retrieval.terms(p.text, "zh"))), default=None)
        kind = "foreshadowing" if entry.kind == "foreshadowing" else "thread"
        out.append(
            _warning(
                "overdue", best, f"{kind} “{entry.text[:80]}” planted in chapter {entry.chapter} is still open "
                f"after chapter {entry.payoff_by}",
                chapter=entry.chapter, memory_id=entry.id, payoff_by=entry.payoff_by, entry_kind=kind,
            )
        )  # fmt: skip
    return out


def check(
    chapters: Sequence[tuple[int, str]], people: Sequence[tuple[str, ...]], memory: Sequence[ScriptMemory]
) -> list[dict[str, Any]]:
    """Every warning for a book: `chapters` are (index, best prose) in order; `people` each character's names."""
    known = {name for names in people for name in names}
    paras = paragraphs(chapters)
    written_through = max((index for index, text in chapters if text.strip()), default=0)
    return [
        *_name_variants(paras, known),
        *_dead_speaking(paras, people, memory),
        *_overdue(paras, memory, written_through),
    ]


def roster_people(characters: Iterable[dict[str, Any]], memory: Iterable[ScriptMemory]) -> list[tuple[str, ...]]:
    """Each character's names: the roster's name and aliases (an English full name also by its first name, when
    no one else has it), then the memory's characters not on the roster."""
    people: list[list[str]] = []
    for entry in characters:
        names = [
            value.strip()[:60]
            for key in ("name", "名字", "姓名")
            if isinstance(value := entry.get(key), str) and value.strip()
        ]
        aliases = entry.get("aliases")
        if isinstance(aliases, list):
            names += [a.strip()[:60] for a in aliases if isinstance(a, str) and a.strip()]
        if names:
            people.append(list(dict.fromkeys(names)))
    firsts = [names[0].split()[0] for names in people if " " in names[0] and names[0].isascii()]
    for names in people:
        first = names[0].split()[0] if " " in names[0] and names[0].isascii() else ""
        if first and firsts.count(first) == 1 and first not in names:
            names.append(first)
    known = {name for names in people for name in names}
    for character in dict.fromkeys(e.character for e in memory if e.character):
        if character not in known:
            people.append([character])
    return [tuple(names) for names in people]
