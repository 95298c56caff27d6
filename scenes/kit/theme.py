"""One theme for every scene: colours that mean the same thing everywhere, and fonts.

Meaning of the colours, kept across scenes so that a student learns them once:
input tensors are blue, weights (kernels) orange, outputs green, padding grey, and
the current window or step yellow.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    name: str
    background: str
    text: str  # numbers and labels
    muted: str  # secondary labels, shapes, formulas
    grid_stroke: str  # cell borders
    input_fill: str  # input tensor cells
    weight_fill: str  # kernel / weight cells
    output_fill: str  # output cells once computed
    # The same three meanings for what is drawn as a line, a dot or text rather than a
    # filled cell, at least 4.5:1 against the background (tests/test_theme.py): used as
    # text, the fills were 1.8:1 against the light page and 3.4:1 against the dark one.
    input_ink: str
    weight_ink: str
    output_ink: str
    padding_fill: str  # zero padding cells
    highlight: str  # the current window, the current step
    accent: str  # emphasis in formulas (the value just computed)
    negative: str  # for signed quantities (gradients below zero, losses)
    fill_opacity: float = 0.55
    font: str = "DejaVu Sans"
    # Pango falls back to this family for CJK glyphs; the install step provides it.
    cjk_font: str = "WenQuanYi Micro Hei"

    def ink(self, fill: str) -> str:
        """The line-and-text colour of one of the fills (other colours stay as they are)."""
        inks = {
            self.input_fill: self.input_ink,
            self.weight_fill: self.weight_ink,
            self.output_fill: self.output_ink,
        }
        return inks.get(fill, fill)


DARK = Theme(
    name="dark",
    background="#111418",
    text="#ECEFF4",
    muted="#A3ABB8",
    grid_stroke="#5B6473",
    input_fill="#2B6CB0",
    weight_fill="#C46A12",
    output_fill="#2F855A",
    input_ink="#4A8FD6",
    weight_ink="#D97B2B",
    output_ink="#3FA36D",
    padding_fill="#3A3F48",
    highlight="#F6C945",
    accent="#F6C945",
    negative="#E5646B",
)

LIGHT = Theme(
    name="light",
    background="#FFFFFF",
    text="#1B1F24",
    muted="#4A5260",
    grid_stroke="#8A93A3",
    input_fill="#90C2F0",
    weight_fill="#F5B66E",
    output_fill="#8FD3A4",
    input_ink="#1D5FA8",
    weight_ink="#B34D00",
    output_ink="#1F7A3D",
    padding_fill="#E3E5E8",
    highlight="#B07800",
    accent="#806A00",
    negative="#C53030",
)

THEMES: dict[str, Theme] = {t.name: t for t in (DARK, LIGHT)}
