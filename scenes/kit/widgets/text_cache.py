"""Built Text mobjects kept on disk between renders.

Pango and the SVG parser take about 35 to 80 ms per distinct string; loading the built
glyphs back takes under a millisecond. A teacher re-renders the same scene many times
(another theme, language, quality or format), so every caption, label and number after
the first render comes from here.

The files are pickles that explain itself wrote into the user's own cache folder
(``text`` under ``scenes.output.paths.cache_root()``, created private to the user);
nothing a user types is unpickled. Delete the folder to start afresh.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

import manim
from manim import Text

from explain.scenes.output.paths import cache_root

# Bump when the way explain builds Text changes, so that old entries are not reused.
CACHE_FORMAT = 1


def cache_dir() -> Path:
    return cache_root() / "text"


class TextDiskCache:
    """Text mobjects by the arguments they were built from; failures only mean a miss."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or cache_dir()

    def _path(self, key: tuple[Any, ...]) -> Path:
        ident = repr((CACHE_FORMAT, manim.__version__, key)).encode()
        return self.folder / f"{hashlib.sha256(ident).hexdigest()}.pickle"

    def get(self, key: tuple[Any, ...]) -> Text | None:
        try:
            with open(self._path(key), "rb") as fh:
                text = pickle.load(fh)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
            return None
        return text if isinstance(text, Text) else None

    def put(self, key: tuple[Any, ...], text: Text) -> None:
        try:
            self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".partial")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(text, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._path(key))
        except OSError:
            return  # a read-only or full disk only costs speed
