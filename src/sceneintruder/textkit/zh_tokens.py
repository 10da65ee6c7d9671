"""Chinese words, with jieba: one tokenizer for the whole process (never jieba's global one), loaded once on
first use, behind a lock so two threads never initialise it twice."""

from __future__ import annotations

import functools
import logging
import re
import threading
import warnings

with warnings.catch_warnings():
    # jieba 0.42 imports pkg_resources (deprecated in setuptools) and has regexes with invalid escapes
    # that warn when its sources are compiled; neither concerns us.
    warnings.filterwarnings("ignore", message=r"pkg_resources is deprecated", category=UserWarning)
    warnings.filterwarnings("ignore", message=r"invalid escape sequence", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message=r"invalid escape sequence", category=SyntaxWarning)
    import jieba

__all__ = ["cut", "jieba", "tokenizer", "words"]

_LOAD_LOCK = threading.Lock()
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]{2,}$")


def tokenizer() -> jieba.Tokenizer:
    with _LOAD_LOCK:
        return _load_tokenizer()


@functools.cache
def _load_tokenizer() -> jieba.Tokenizer:
    """jieba's logger announces the load at DEBUG on stderr through its own handler: quieted first."""
    logging.getLogger("jieba").setLevel(logging.WARNING)
    loaded = jieba.Tokenizer()
    loaded.initialize()
    return loaded


def words(text: str) -> list[str]:
    """The Chinese words of two characters or more in `text`, in order (dictionary cut, no HMM guessing)."""
    return [word for word in cut(text) if _CJK_WORD.match(word)]


def cut(text: str) -> list[str]:
    """Every token of `text` (words, single characters, punctuation), dictionary cut, no HMM guessing."""
    return [token for token in tokenizer().cut(text, HMM=False) if token.strip()]
