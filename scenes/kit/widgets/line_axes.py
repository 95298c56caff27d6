"""Axes for line plots without LaTeX: Manim's Axes with tick labels and titles as Pango Text.

Manim's ``include_numbers`` builds DecimalNumber (LaTeX); here every tick label comes
from the TextFactory, and a curve is a polyline through data points taken from a trace.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from manim import DOWN, LEFT, UP, Axes, Dot, VGroup, VMobject

from explain.scenes.kit.theme import Theme
from explain.scenes.kit.widgets.numbers import TextFactory, format_number

TICK_FONT_SIZE = 16
AXIS_LABEL_FONT_SIZE = 18
TICK_BUFF = 0.1


def nice_step(span: float, max_ticks: int = 5) -> float:
    """A 1-2-5 tick spacing giving at most ``max_ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / max_ticks
    base = 10 ** math.floor(math.log10(raw))
    for mult in (1, 2, 5, 10):
        if mult * base >= raw:
            return float(mult * base)
    return float(10 * base)


def nice_range(low: float, high: float, max_ticks: int = 5) -> tuple[float, float, float]:
    """(low, high, step) widened outwards to whole steps, for an axis covering low..high."""
    if high <= low:
        high = low + 1.0
    step = nice_step(high - low, max_ticks)
    return math.floor(low / step) * step, math.ceil(high / step) * step, step


class PlotAxes(VGroup):
    """Axes of a given size with Text tick labels; ``self.axes`` maps data to the frame."""

    def __init__(
        self,
        x_range: tuple[float, float, float],
        y_range: tuple[float, float, float],
        width: float,
        height: float,
        theme: Theme,
        texts: TextFactory,
        x_label: str = "",
        y_label: str = "",
        tick_decimals: int = 2,
    ) -> None:
        super().__init__()
        self.theme, self.texts = theme, texts
        self.axes = Axes(
            x_range=list(x_range),
            y_range=list(y_range),
            x_length=width,
            y_length=height,
            tips=False,
            axis_config={"color": theme.grid_stroke, "stroke_width": 2, "include_ticks": True},
        )
        self.add(self.axes)
        self.tick_labels = VGroup()
        for value in _ticks(x_range):
            mob = texts.text(_tick(value, tick_decimals), TICK_FONT_SIZE, theme.muted)
            mob.next_to(self.axes.c2p(value, y_range[0]), DOWN, buff=TICK_BUFF)
            self.tick_labels.add(mob)
        for value in _ticks(y_range):
            mob = texts.text(_tick(value, tick_decimals), TICK_FONT_SIZE, theme.muted)
            mob.next_to(self.axes.c2p(x_range[0], value), LEFT, buff=TICK_BUFF)
            self.tick_labels.add(mob)
        self.add(self.tick_labels)
        # An empty title has no points to place: it stays an empty group.
        self.x_label: VMobject = VGroup()
        self.y_label: VMobject = VGroup()
        if x_label:
            self.x_label = texts.text(x_label, AXIS_LABEL_FONT_SIZE, theme.muted)
            self.x_label.next_to(self.tick_labels, DOWN, buff=0.05)
            self.x_label.set_x(self.axes.get_center()[0])
            self.add(self.x_label)
        if y_label:
            self.y_label = texts.text(y_label, AXIS_LABEL_FONT_SIZE, theme.muted)
            self.y_label.next_to(self.axes, UP, buff=0.1)
            self.y_label.align_to(self.axes, LEFT)
            self.add(self.y_label)

    @classmethod
    def loss_per_epoch(
        cls,
        losses: Sequence[float],
        size: tuple[float, float],
        theme: Theme,
        texts: TextFactory,
        labels: tuple[str, str],
        tick_decimals: int = 2,
    ) -> PlotAxes:
        """Axes for a training run's loss: epochs 0 to n−1 across, 0 to the largest loss up."""
        return cls(
            nice_range(0, max(len(losses) - 1, 1), 5),
            nice_range(0, max(losses), 4),
            *size,
            theme,
            texts,
            x_label=labels[0],
            y_label=labels[1],
            tick_decimals=tick_decimals,
        )

    def point(self, x: float, y: float) -> np.ndarray:
        return np.asarray(self.axes.c2p(x, y))

    def polyline(
        self,
        xs: Sequence[float],
        ys: Sequence[float],
        color: str,
        stroke_width: float = 3.0,
    ) -> VMobject:
        """Straight segments through the data points (x_i, y_i), as read from a trace."""
        line = VMobject(stroke_color=color, stroke_width=stroke_width)
        pts = [self.point(x, y) for x, y in zip(xs, ys)]
        if len(pts) == 1:
            pts = [pts[0], pts[0]]
        line.set_points_as_corners(pts)
        return line

    def dot(self, x: float, y: float, color: str, radius: float = 0.07) -> Dot:
        return Dot(self.point(x, y), radius=radius, color=color)


def _ticks(rng: tuple[float, float, float]) -> list[float]:
    low, high, step = rng
    count = int(round((high - low) / step))
    return [round(low + i * step, 10) for i in range(count + 1)]


def _tick(value: float, decimals: int) -> str:
    """0.5 rather than 0.50: tick values are round numbers."""
    text = format_number(round(value, decimals), decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text
