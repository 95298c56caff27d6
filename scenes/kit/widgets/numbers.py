"""Numbers as text: one formatting rule, and glyphs made once and copied.

Manim's Integer/DecimalNumber call LaTeX; Pango Text does not. Building a Text runs
Pango and parses an SVG, while copying one is several times cheaper, so a scene keeps
one :class:`TextFactory` and asks it for every number and label.
"""

from __future__ import annotations

from manim import Text

from explain.scenes.kit.theme import Theme

# Re-exported: the scenes take both from here; number_format has them without Manim.
from explain.scenes.kit.widgets.number_format import MINUS as MINUS
from explain.scenes.kit.widgets.number_format import format_number as format_number
from explain.scenes.kit.widgets.text_cache import TextDiskCache

# Manim's Text of font_size F has digits about F / 96 scene units tall.
FONT_SIZE_PER_UNIT = 96.0


def drop_svg_sources(text: Text) -> Text:
    """Forget the parsed SVG a Text was built from; its points are all that is drawn.

    Every glyph keeps its svgelements path, which Mobject.copy() deep-copies: measured,
    that made copying a short number 27 times slower, and copies are what FadeIn,
    Transform and ``.animate`` make. The paths are only read while the glyph is built.
    """
    for mob in text.get_family():
        if hasattr(mob, "path_obj"):
            setattr(mob, "path_obj", None)  # noqa: B010 (not a declared attribute)
    text.id_to_vgroup_dict = {}
    return text


class TextFactory:
    """Makes Text mobjects in the theme's font, building each distinct one only once."""

    def __init__(self, theme: Theme, disk: TextDiskCache | None = None) -> None:
        self.theme = theme
        self._cache: dict[tuple[str, float, str, str, str], Text] = {}
        self._disk = disk if disk is not None else TextDiskCache()

    def text(
        self,
        content: str,
        font_size: float,
        color: str | None = None,
        weight: str = "NORMAL",
        font: str | None = None,
    ) -> Text:
        size = round(font_size, 2)  # sizes that differ by less draw the same glyphs
        key = (content, size, color or self.theme.text, weight, font or "")
        template = self._cache.get(key)
        if template is None:
            family = font or self.theme.font
            disk_key = (content, size, key[2], weight, family)
            template = self._disk.get(disk_key)
            if template is None:
                template = drop_svg_sources(
                    Text(content, font=family, font_size=size, color=key[2], weight=weight)
                )
                self._disk.put(disk_key, template)
            self._cache[key] = template
        return template.copy()

    def number(self, value: float, font_size: float, color: str | None = None) -> Text:
        return self.text(format_number(value), font_size, color)

    def fitted(
        self, content: str, max_width: float, font_size: float, color: str | None = None
    ) -> Text:
        """Text at ``font_size``, scaled down only if wider than ``max_width``."""
        mob = self.text(content, font_size, color)
        if mob.width > max_width:
            mob.scale_to_fit_width(max_width)
        return mob
