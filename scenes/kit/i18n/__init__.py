"""Every caption, label and subtitle, from one translation table per language.

Scenes ask for a key (``tr("conv.title", "zh")``); templates are ours, and the values
put into them are numbers and names that the scene formats, never user text used as
a template.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from explain.scenes.kit.i18n import en, zh

LANGS: tuple[str, ...] = ("en", "zh")
TABLES: dict[str, dict[str, str]] = {"en": en.STRINGS, "zh": zh.STRINGS}


def tr(key: str, lang: str = "en", **values: Any) -> str:
    """The text for ``key`` in ``lang`` with ``values`` filled in."""
    template = TABLES[lang][key]
    return template.format(**values) if values else template


def tr_own(
    tables: Mapping[str, Mapping[str, str]], key: str, lang: str = "en", **values: Any
) -> str:
    """A plugin scene's own caption: ``tables[lang][key]``, English when that language
    lacks it (the documented fallback)."""
    template = tables.get(lang, {}).get(key) or tables["en"][key]
    return template.format(**values) if values else template
