"""The one rule for writing a number as text, without Manim (the notes page uses it too)."""

from __future__ import annotations

import math

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
