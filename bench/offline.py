"""Offline provider benchmark: analysis of a whole novel and of a Chinese story, an offline chat reply and a story
step, and the cast evaluation set's scores — all in this process, on the built-in provider's own skills.

    python bench/offline.py [--novel-chars 150000] [--story-chars 5000] [--replies 300] [--steps 100]

1. Analysis wall time, exactly the work of the scene analysis job on the built-in provider (chunks of 20,000
   characters, the offline skill on each, then the merge): an English novel of --novel-chars characters (the
   evaluation set's English public-domain chapters, repeated), and a Chinese story of --story-chars characters
   (the start of 红楼梦 chapter 3), the latter once cold (jieba's dictionary loaded in the run) and once warm.
   Baseline in the same run: cutting the same text into sentences and chunks only (what any analysis costs
   before looking at a word); the ratio says what the analysis itself adds. Target: whole novel <= 5 s.
2. Offline chat reply: --replies questions (varied: greetings, questions about people and places of the book,
   statements) to characters of the English novel and the Chinese chapter, one at a time, each searching the
   whole book for its passages (as a reply does) and composing the answer: p50/p99. Target: p99 <= 200 ms.
   The index of each book is built once (a scene's is cached) and its build time printed.
3. Offline story step: --steps next-node steps (a choice taken, the next passage narrated): p50/p99.
4. The evaluation set (tests/eval): precision and recall of the cast per language, and per case.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sceneintruder.chat.offline.skills import chat_reply  # noqa: E402
from sceneintruder.scenes.merge import merge_analyses  # noqa: E402
from sceneintruder.scenes.offline.analysis import analyze_chunk  # noqa: E402
from sceneintruder.story.offline.skills import story_next_node, story_segment  # noqa: E402
from sceneintruder.textkit import text as textkit  # noqa: E402
from sceneintruder.textkit.retrieval import PassageIndex  # noqa: E402

CHUNK_CHARS = 20_000
EN_TEXTS = sorted((ROOT / "tests/eval/texts").glob("en_*.txt"))
ZH_STORY = ROOT / "tests/fixtures/hongloumeng_ch03.txt"
QUESTIONS = {
    "en": [
        "Hello!",
        "What do you think of Mr. Darcy?",
        "Where is Netherfield Park?",
        "Who is Mrs. Long?",
        "Tell me about the ball.",
        "Is Mr. Bingley married?",
        "What did your wife say about the new neighbour?",
        "Do you like your daughters?",
        "I went to London yesterday.",
        "What is a chaise and four?",
    ],
    "zh": [
        "你好！",
        "你觉得王熙凤怎么样？",
        "荣国府里住着哪些人？",
        "说说你的外祖母。",
        "宝玉是个什么样的人？",
        "你从哪里来？",
        "你喜欢吃茶吗？",
        "那块玉是怎么回事？",
    ],
}


def analyse(text: str) -> Any:
    language = textkit.detect_language(text)
    chunks = textkit.chunk_text(text, max_chars=CHUNK_CHARS)
    return merge_analyses([analyze_chunk(chunk.text, language=language) for chunk in chunks], language=language)


def cut_only(text: str) -> int:
    """The baseline: language detection, sentences and chunks, nothing analysed."""
    textkit.detect_language(text)
    return len(textkit.sentence_spans(text)) + len(textkit.chunk_text(text, max_chars=CHUNK_CHARS))


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = fn()
    return time.perf_counter() - started, result


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered) * 1000:6.1f} ms  p99 {p99 * 1000:6.1f} ms  (n={len(ordered)})"


def novel_text(chars: int) -> str:
    chapters = "\n\n".join(path.read_text(encoding="utf-8") for path in EN_TEXTS)
    return (chapters * (chars // len(chapters) + 1))[:chars]


def bench_analysis(novel_chars: int, story_chars: int) -> None:
    novel = novel_text(novel_chars)
    story = ZH_STORY.read_text(encoding="utf-8")[:story_chars]
    print("1. analysis (built-in provider, in process)")
    cold_story, _ = timed(lambda: analyse(story))
    for label, text in (("English novel", novel), ("Chinese story", story)):
        baseline, _ = timed(lambda text=text: cut_only(text))
        wall, analysis = timed(lambda text=text: analyse(text))
        print(
            f"   {label:14} {len(text):>8,} chars: {wall:6.2f} s  (cut only {baseline:5.2f} s, "
            f"ratio {wall / baseline:5.1f}x)  {len(analysis.characters)} characters, "
            f"{len(analysis.locations)} locations, {len(analysis.items)} items"
        )
    print(f"   Chinese story cold (jieba's dictionary loaded in this run): {cold_story:6.2f} s")
    print("   target: whole novel <= 5 s")


def bench_chat(replies: int, novel_chars: int) -> None:
    from tests.support.novels import novel

    print("2. offline chat reply (the book searched for passages, then the reply composed)")
    books = {"en": novel_text(novel_chars), "zh": ZH_STORY.read_text(encoding="utf-8")}
    indexes = {}
    for language, text in books.items():
        built, indexes[language] = timed(lambda text=text, language=language: PassageIndex.from_texts([text], language))
        print(f"   index of the {language} book ({len(text):,} chars, {len(indexes[language]):,} passages): "
              f"{built * 1000:6.1f} ms, once per scene (cached)")  # fmt: skip
    samples: list[float] = []
    for i in range(replies):
        language = "en" if i % 2 == 0 else "zh"
        book = novel(language)
        profiles = book.profiles(6)
        questions = QUESTIONS[language]
        character = profiles[i // 2 % len(profiles)]
        message = questions[i // 2 % len(questions)]

        def reply(
            character: dict[str, Any] = character, message: str = message, language: str = language, scene: Any = book
        ) -> str:
            hits = indexes[language].search(message, within=[character["name"], *character["aliases"]])
            grounded_call = {
                "language": language,
                "scene": scene.scene(),
                "character": character,
                "history": [],
                "message": message,
                "passages": [hit.passage for hit in hits],
            }
            return chat_reply(grounded_call)

        elapsed, answer = timed(reply)
        assert answer
        samples.append(elapsed)
    print(f"   {percentiles(samples)}   target: p99 <= 200 ms")


def bench_story(steps: int) -> None:
    from tests.support.novels import novel

    print("3. offline story step (a choice taken, the next passage narrated)")
    samples: list[float] = []
    for i in range(steps):
        language = "en" if i % 2 == 0 else "zh"
        book = novel(language)
        index = i // 2 % (len(book.segments) - 1)
        current = story_segment(book.segment_inputs(index))
        inputs = {
            "language": language,
            "scene": book.scene(),
            "characters": book.cast(),
            "recent": [current.content],
            "choice": current.choices[0].model_dump() if current.choices else {"text": "Go on"},
            "next_passage": book.segments[index + 1],
            "creativity": "BALANCED",
            "allow_plot_twists": True,
        }
        elapsed, node = timed(lambda inputs=inputs: story_next_node(inputs))
        assert node.content
        samples.append(elapsed)
    print(f"   {percentiles(samples)}")


def bench_scores() -> None:
    from tests.eval.scoring import evaluate, report

    print("4. cast evaluation set (tests/eval; targets: precision >= 0.9, recall >= 0.8 per language)")
    for line in report(evaluate()).splitlines():
        print(f"   {line}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--novel-chars", type=int, default=150_000)
    parser.add_argument("--story-chars", type=int, default=5_000)
    parser.add_argument("--replies", type=int, default=300)
    parser.add_argument("--steps", type=int, default=100)
    args = parser.parse_args()
    bench_analysis(args.novel_chars, args.story_chars)
    bench_chat(args.replies, args.novel_chars)
    bench_story(args.steps)
    bench_scores()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
