"""Passages of a book found by BM25: what answers a question, where a character is, and what is not there."""

from __future__ import annotations

from sceneintruder.textkit.retrieval import PASSAGE_CHARS, PassageIndex, best_sentences, passages_of, query_terms

BOOK = [
    "Chapter one.\n\nAnna walked to the lighthouse at dawn. The keeper gave her a brass key.\n\n"
    "She climbed the stairs and found the lamp broken.\n\nThe weather turned cold by noon.",
    "Chapter two.\n\nTom rowed across the bay to the market. He bought bread and a lamp.\n\n"
    '"The lamp is for the keeper," said Tom.\n\nNobody answered him.\n\nThe gulls cried.\n\nThe tide came in.\n\n'
    "A storm broke over the lighthouse.",
]


def index() -> PassageIndex:
    return PassageIndex.from_texts(BOOK, "en")


def test_passages_are_paragraphs_and_hard_wrapped_lines_stay_together() -> None:
    wrapped = "It was a dark\nand stormy night.\n\nThe rain fell\nin torrents."
    assert passages_of(wrapped) == ["It was a dark and stormy night.", "The rain fell in torrents."]
    assert passages_of("第一段。\n第二段。") == ["第一段。", "第二段。"]  # no blank lines: one per line
    long = " ".join(f"Sentence number {i} is here." for i in range(60))
    pieces = passages_of(long)
    assert len(pieces) > 1 and all(len(p) <= PASSAGE_CHARS + 40 for p in pieces)
    assert " ".join(pieces) == long


def test_the_passage_sharing_most_of_the_question_comes_first() -> None:
    hits = index().search("Who gave Anna the brass key?")
    assert hits[0].passage.startswith("Anna walked to the lighthouse")
    assert len(hits[0].matched) >= 3  # Anna, gave, brass, key
    assert all(not hit.passage.startswith("Tom") for hit in hits)


def test_a_passage_must_cover_half_the_question_not_one_common_word() -> None:
    assert index().search("What colour was the keeper's dog collar?") == []  # only "keeper" is in the book
    assert index().search("Tell me about the dragon") == []
    assert index().search("What do you think?") == []  # nothing but the question's frame


def test_only_passages_where_the_character_is_present() -> None:
    book = index()
    anna = [hit.passage for hit in book.search("the broken lamp", within=["Anna"])]
    assert anna and all("Tom" not in passage for passage in anna)
    assert "She climbed the stairs and found the lamp broken." in anna  # two paragraphs after her name
    tom = [hit.passage for hit in book.search("the lamp", within=["Tom"])]
    assert tom == [
        '"The lamp is for the keeper," said Tom.',  # the shorter passage first: BM25 normalises by length
        "Tom rowed across the bay to the market. He bought bread and a lamp.",
    ]
    # Five paragraphs after Tom is last named, in the same chapter: still his scene, ranked below.
    storm = book.search("storm over the lighthouse", within=["Tom"])
    assert [hit.passage for hit in storm] == ["A storm broke over the lighthouse."]
    assert storm[0].score < book.search("storm over the lighthouse")[0].score
    assert book.search("storm over the lighthouse", within=["Nobody Here"]) == []


def test_the_characters_own_names_are_not_what_is_searched() -> None:
    assert query_terms("Anna, did you go to the lighthouse?", "en", ignore=["Anna"]) == ["lighthouse"]
    assert query_terms("What happened to Mr. Bingley's fortune?", "en") == ["bingley", "fortune"]


def test_chinese_questions_are_cut_into_words() -> None:
    assert query_terms("你初见宝玉时是什么情形？", "zh") == ["初见", "宝玉"]
    assert query_terms("你吃什么药？", "zh") == ["吃", "药"]
    book = PassageIndex.from_texts(
        ["黛玉道：“我自来是如此，从会吃饮食时便吃药。”\n\n宝玉听了，摘下那玉，就狠命摔去。\n\n众人忙来拾玉。"], "zh"
    )
    assert book.search("你吃什么药？", within=["黛玉"])[0].passage.startswith("黛玉道")
    assert book.search("宝玉摔玉是怎么回事？")[0].passage.startswith("宝玉听了")
    assert book.search("你会骑马打仗吗？") == []


def test_best_sentences_are_those_sharing_the_question() -> None:
    passage = "Anna walked to the lighthouse at dawn. The keeper gave her a brass key. The sea was grey."
    assert best_sentences(passage, "the brass key", "en", limit=1) == "The keeper gave her a brass key."
    assert best_sentences(passage, "the sea", "en") == "The keeper gave her a brass key. The sea was grey."  # context
    assert best_sentences(passage, "lighthouse key", "en") == (
        "Anna walked to the lighthouse at dawn. The keeper gave her a brass key."
    )
    long = "The keeper, who had kept the light for forty years through every storm, gave her a brass key at last."
    assert best_sentences("Anna waited. " + long + " She left.", "brass key", "en") == long
