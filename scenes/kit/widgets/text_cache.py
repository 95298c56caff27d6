"""Built Text mobjects kept on disk between renders.

Pango and the SVG parser take about 35 to 80 ms per distinct string; loading the built
glyphs back takes about a millisecond (bench/RESULTS.md). A teacher re-renders the same
scene many times (another theme, language, quality or format), so every caption, label
and number after the first render comes from here.

Entries are plain JSON (text_form.py: no pickle, nothing that can run code), sealed with
a checksum and kept in a folder only the user may write (scenes/output/cache_store.py,
``text`` under ``cache_root()``). Anything damaged, foreign or odd is a miss and the
Text is built again. Delete the folder to start afresh.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import manim
from manim import Text

from explain.scenes.kit.widgets.text_form import FormError, text_from_json, text_to_json
from explain.scenes.output.cache_store import CacheFolder

# Bump when the way explain builds Text, or the stored form, changes.
CACHE_FORMAT = 2
# A long caption is a few hundred kilobytes of glyph points; far more is not one of ours.
MAX_TEXT_BYTES = 8_000_000


def fingerprint() -> str:
    """What made an entry besides its arguments: the form and Manim's version."""
    return f"text form {CACHE_FORMAT}, manim {manim.__version__}"


class TextDiskCache:
    """Text mobjects by the arguments they were built from; failures only mean a miss."""

    def __init__(self, folder: Path | None = None) -> None:
        self.store = CacheFolder(folder) if folder else CacheFolder.named("text")
        self.folder = self.store.folder

    @staticmethod
    def entry_name(key: tuple[Any, ...]) -> str:
        ident = repr((fingerprint(), key)).encode()
        return f"{hashlib.sha256(ident).hexdigest()}.json"

    def get(self, key: tuple[Any, ...]) -> Text | None:
        body = self.store.load(self.entry_name(key), fingerprint(), MAX_TEXT_BYTES)
        if body is None:
            return None
        try:
            return text_from_json(body)
        except FormError:
            return None

    def put(self, key: tuple[Any, ...], text: Text) -> None:
        try:
            body = text_to_json(text)
        except (FormError, ValueError):  # an unexpected part, a NaN: not kept, only slower
            return
        if len(body) <= MAX_TEXT_BYTES:
            self.store.store(self.entry_name(key), fingerprint(), body)
