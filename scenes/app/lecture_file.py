"""A lecture file (TOML): a title, optional settings and chapters, each one scene.

```toml
title = "Week 3: convolution"
lang = "zh"                   # optional: en, zh (also --lang)
[[chapter]]
title = "Stride"
scene = "conv-stride"
set = { stride = 2 }          # optional, the same keys as --set
```

Read with the standard library's ``tomllib`` and checked whole before anything renders:
every problem is a :class:`LectureError`, one line naming the chapter (number and title)
and what is allowed. Nothing in the file is evaluated; titles are only ever shown.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explain.mlcore.params import ParamError
from explain.scenes.registry import UnknownSceneError, get

TOP_KEYS = ("title", "lang", "theme", "quality", "chapter")
CHAPTER_KEYS = ("title", "scene", "set")
MAX_TITLE_CHARS = 80  # a title card's one or two lines, and a readable heading
MAX_CHAPTERS = 40
MAX_FILE_BYTES = 256 * 1024


class LectureError(ValueError):
    """A lecture file that cannot be rendered; ``str(err)`` is one line."""


@dataclass(frozen=True)
class Chapter:
    number: int  # from 1, in the file's order
    title: str
    scene: str
    assignments: tuple[tuple[str, str], ...]  # ("key", "value text") as --set takes them

    def set_args(self) -> tuple[str, ...]:
        """The chapter's parameters as `explain render` options."""
        return tuple(arg for key, value in self.assignments for arg in ("--set", f"{key}={value}"))


@dataclass(frozen=True)
class Lecture:
    title: str
    chapters: tuple[Chapter, ...]
    lang: str | None = None  # None: the command line's or English
    theme: str | None = None
    quality: str | None = None


def read_lecture(path: Path) -> Lecture:
    """Read and check a lecture file; LectureError naming the file or chapter otherwise."""
    name = path.name[:60]
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise LectureError(f"{name}: larger than {MAX_FILE_BYTES // 1024} KB")
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as err:
        reason = "not UTF-8 text" if isinstance(err, UnicodeDecodeError) else "cannot be read"
        raise LectureError(f"{name}: {reason}") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise LectureError(f"{name}: not valid TOML: {str(err).splitlines()[0][:120]}") from None
    return parse_lecture(doc, name)


def parse_lecture(doc: dict[str, Any], name: str = "lecture") -> Lecture:
    """A lecture from a parsed TOML document, every chapter's parameters checked."""
    _no_unknown_keys(doc, TOP_KEYS, name)
    title = _title(doc.get("title"), f"{name}: title")
    settings = {key: _setting(doc, key, name) for key in ("lang", "theme", "quality")}
    raw = doc.get("chapter")
    if not isinstance(raw, list) or not raw:
        raise LectureError(f"{name}: needs at least one [[chapter]] with a title and a scene")
    if len(raw) > MAX_CHAPTERS:
        raise LectureError(f"{name}: at most {MAX_CHAPTERS} chapters (got {len(raw)})")
    chapters = tuple(_chapter(number, item) for number, item in enumerate(raw, start=1))
    return Lecture(title, chapters, **settings)


def _chapter(number: int, item: Any) -> Chapter:
    where = f"chapter {number}"
    if not isinstance(item, dict):
        raise LectureError(f"{where}: must be a table ([[chapter]]) with a title and a scene")
    if isinstance(item.get("title"), str):
        where = f"chapter {number} ({item['title'][:40]!r})"
    _no_unknown_keys(item, CHAPTER_KEYS, where)
    title = _title(item.get("title"), f"{where}: title")
    scene = item.get("scene")
    if not isinstance(scene, str):
        raise LectureError(f"{where}: scene must be a scene name (`explain list` shows them)")
    raw_set = item.get("set", {})
    if not isinstance(raw_set, dict):
        raise LectureError(f"{where}: set must be a table, e.g. set = {{ stride = 2 }}")
    assignments = tuple(
        (str(key), _value_text(value, f"{where}: set.{key}"[:120]))
        for key, value in raw_set.items()
    )
    try:
        check_params(scene, dict(assignments))
    except (UnknownSceneError, ParamError) as err:
        raise LectureError(f"{where}: {err}") from None
    return Chapter(number, title, scene, assignments)


def check_params(scene: str, assignments: dict[str, str]) -> None:
    """ParamError or UnknownSceneError unless the scene takes these ``key=value`` texts.

    A trace in the cache for exactly this text was built from parameters that passed these
    checks, by the same mlcore and registry (its key says so), so it answers without
    importing the parameter classes' modules and with them torch (about a second)."""
    from explain.scenes.app.trace_cache import TraceCache, trace_key

    entry = get(scene)
    if TraceCache().get(trace_key(scene, assignments), scene) is None:
        entry.make_params(assignments)


def _no_unknown_keys(table: dict[str, Any], known: tuple[str, ...], where: str) -> None:
    unknown = [key for key in table if key not in known]
    if unknown:
        raise LectureError(
            f"{where}: unknown key {unknown[0][:40]!r} (allowed: {', '.join(known)})"
        )


def _title(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LectureError(f"{where}: must be a non-empty string")
    if len(value) > MAX_TITLE_CHARS or any(ord(c) < 32 for c in value):
        raise LectureError(f"{where}: one line of at most {MAX_TITLE_CHARS} characters")
    return value.strip()


def _setting(doc: dict[str, Any], key: str, where: str) -> str | None:
    from explain.scenes.app.choices import QUALITIES
    from explain.scenes.kit.i18n import LANGS
    from explain.scenes.kit.theme import THEMES

    allowed = {"lang": LANGS, "theme": tuple(THEMES), "quality": tuple(QUALITIES)}[key]
    value = doc.get(key)
    if value is None:
        return None
    if value not in allowed:
        raise LectureError(f"{where}: {key} must be one of {', '.join(allowed)}")
    return str(value)


def _value_text(value: Any, where: str) -> str:
    """A TOML value as the text `--set` takes: true/false, numbers, text, comma lists."""
    if isinstance(value, list):
        if not value or any(isinstance(v, list | dict) for v in value):
            raise LectureError(f"{where}: a list must hold numbers, true/false or text")
        return ",".join(_value_text(v, where) for v in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise LectureError(f"{where}: must be a number, true/false, text or a list of those")
