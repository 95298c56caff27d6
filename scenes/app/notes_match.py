"""Which scene a note's heading names, and which language a note is written in.

Pure functions over text: the word table is ``kit.i18n.note_topics``; nothing here renders.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable

from explain.scenes.kit.i18n.note_topics import NOTE_TOPICS, NoteTopic

_SEPARATORS = re.compile(r"[\s\-_·]+")
_TIMES = re.compile(r"(\d) ?[x×*] ?(\d)")  # 1*1, 1×1, 1 x 1 -> 1x1
# A space only separates two Latin words: beside a CJK character it is dropped, so that
# "1x1 卷积" and "1x1卷积", "用 PyTorch 实现" and "用PyTorch实现" are one spelling.
_SPACE_BY_WIDE = re.compile(r" (?=[^\x00-\x7f])|(?<=[^\x00-\x7f]) ")
_MARKUP = re.compile(r"[*`~]|!?\[([^\]]*)\]\([^)]*\)")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_LATIN = re.compile(r"[A-Za-z]")


def normalise(text: str) -> str:
    """One spelling for a heading or a word: half-width, lower case, single spaces."""
    text = unicodedata.normalize("NFKC", text).lower()
    text = _TIMES.sub(r"\1x\2", _SEPARATORS.sub(" ", text))  # before * is taken as markup
    text = _MARKUP.sub(lambda m: m.group(1) or "", text).strip()
    return _SPACE_BY_WIDE.sub("", text)


def _weight(text: str) -> int:
    """How much a matched word says: a CJK character counts as two Latin letters."""
    return sum(2 if _CJK.match(char) else 1 for char in text if char != " ")


@functools.cache
def _pattern(word: str) -> re.Pattern[str]:
    word = normalise(word)
    body = re.escape(word).replace(r"\ ", " ?")
    start = r"(?<![a-z0-9])" if word[0].isascii() and word[0].isalnum() else ""
    end = r"s?(?![a-z0-9])" if word[-1].isascii() and word[-1].isalnum() else ""
    return re.compile(start + body + end)


def topic_score(heading: str, topic: NoteTopic) -> int:
    """The weight of the longest of the topic's words in the (normalised) heading; 0: none."""
    found = [_weight(normalise(w)) for w in topic.words if _pattern(w).search(heading)]
    return max(found, default=0)


def match_heading(heading: str, topics: Iterable[NoteTopic] = NOTE_TOPICS) -> str | None:
    """The scene whose topic the heading names most specifically, or None.

    A specific topic beats a broad one; then the longer word wins; then the table's order.
    """
    text = normalise(heading)
    best: tuple[bool, int, int] | None = None
    scene = None
    for order, topic in enumerate(topics):
        score = topic_score(text, topic)
        rank = (not topic.broad, score, -order)
        if score and (best is None or rank > best):
            best, scene = rank, topic.scene
    return scene


def description(scene: str, english: str, lang: str) -> str:
    """The scene's one-line description in ``lang`` (English: the registry's)."""
    if lang == "zh":
        for topic in NOTE_TOPICS:
            if topic.scene == scene:
                return topic.description_zh
    return english


def detect_lang(headings: Iterable[str], prose: Iterable[str]) -> str:
    """'zh' when the note is Chinese: a heading holds a CJK character, or at least a tenth
    of the prose's letters are CJK; else 'en'."""
    if any(_CJK.search(h) for h in headings):
        return "zh"
    text = "".join(prose)
    cjk = len(_CJK.findall(text))
    latin = len(_LATIN.findall(text))
    return "zh" if cjk and cjk * 10 >= cjk + latin else "en"
