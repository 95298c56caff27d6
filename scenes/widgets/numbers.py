"""Numbers as text: one formatting rule, and glyphs made once and copied.

Manim's Integer/DecimalNumber call LaTeX; Pango Text does not. Building a Text runs
Pango and parses an SVG, while copying one is several times cheaper, so a scene keeps
one :class:`TextFactory` and asks it for every number and label.
"""

from __future__ import annotations

import math

from manim import Text

from scenes.theme import Theme

# Manim's Text of font_size F has digits about F / 96 scene units tall.
FONT_SIZE_PER_UNIT = 96.0
MINUS = "\u2212"


def format_number(value: float, decimals: int = 2) -> str:
    """Integers without a decimal point; others rounded to ``decimals``; a true minus sign.

    Formatting only: the value itself always comes from a trace.
    """
    if not math.isfinite(value):
        raise ValueError("refusing to draw a non-finite number")
    if float(value).is_integer() and abs(value) < 1e15:
        text = str(int(value))
    else:
        text = f"{value:.{decimals}f}"
        if text.strip("-0.") == "":  # a tiny value rounded to zero: show 0, not -0.00
            text = f"{0:.{decimals}f}"
    return text.replace("-", MINUS)


class TextFactory:
    """Makes Text mobjects in the theme's font, building each distinct one only once."""

    def __init__(self, theme: Theme) -> None:
        self.theme = theme
        self._cache: dict[tuple[str, float, str, str], Text] = {}

    def text(
        self, content: str, font_size: float, color: str | None = None, weight: str = "NORMAL"
    ) -> Text:
        key = (content, round(font_size, 2), color or self.theme.text, weight)
        template = self._cache.get(key)
        if template is None:
            template = Text(
                content,
                font=self.theme.font,
                font_size=font_size,
                color=key[2],
                weight=weight,
            )
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
