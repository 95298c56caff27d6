"""The theme's colours can be read against their background and told apart."""

from __future__ import annotations

import pytest

from explain.scenes.kit.theme import THEMES, Theme


def _luminance(colour: str) -> float:
    """WCAG relative luminance of "#RRGGBB"."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _distance(a: str, b: str) -> float:
    return sum((int(a[i : i + 2], 16) - int(b[i : i + 2], 16)) ** 2 for i in (1, 3, 5)) ** 0.5


@pytest.mark.parametrize("theme", THEMES.values(), ids=THEMES.keys())
def test_text_colours_read_against_the_background(theme: Theme) -> None:
    """WCAG's 4.5:1 for what is written as text, 3:1 for the highlight (outlines, and
    a few large labels)."""
    for name in ("text", "muted", "input_ink", "weight_ink", "output_ink", "accent", "negative"):
        assert _contrast(getattr(theme, name), theme.background) >= 4.5, name
    assert _contrast(theme.highlight, theme.background) >= 3.0


@pytest.mark.parametrize("theme", THEMES.values(), ids=THEMES.keys())
def test_each_fill_has_its_ink_and_curves_differ_from_the_smoothed_one(theme: Theme) -> None:
    assert theme.ink(theme.input_fill) == theme.input_ink
    assert theme.ink(theme.weight_fill) == theme.weight_ink
    assert theme.ink(theme.output_fill) == theme.output_ink
    assert theme.ink(theme.negative) == theme.negative
    # sgd draws each run in its ink with the smoothed cost over it in the accent colour.
    for ink in (theme.input_ink, theme.weight_ink, theme.output_ink):
        assert _distance(ink, theme.accent) > 50, ink
