"""The saddle-point scene: a heat map of f with contours, and the paths of three optimisers.

The surface values (a grid), its contour lines and bands, the paths, the outcome of each
run and the Hessian's eigenvalues at the saddle all come from the trace
(``mlcore.saddle``); colouring the bands is drawing, done here.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Circle,
    Create,
    Dot,
    Group,
    Line,
    Text,
    VGroup,
    VMobject,
    linear,
)
from manim.utils.color import ManimColor

from explain.mlcore.saddle import Outcome, SaddleExtra
from explain.scenes.kit.base import TraceScene
from explain.scenes.kit.motion import fade_in, move_to
from explain.scenes.kit.widgets.numbers import format_number

MAP_SIZE = 5.0  # side of the square heat map, scene units
MAP_BUFF = 0.45  # between the title and the map
LEGEND_GAP = 0.8  # between the map and the legend column
LEGEND_WIDTH = 6.4
LEGEND_FONT_SIZE = 20
SMALL_FONT_SIZE = 18
HEAT_GAMMA = 0.6  # < 1 brightens small |f| so the shape near the saddle shows
HEAT_STRENGTH = 0.75
STEPS_PER_CHUNK = 5
CHUNK_SECONDS = 0.55
OPTIMISERS = ("gd", "sgd", "momentum")
# Caption for each kind of point the trace names (mlcore.saddle.KINDS).
HESSIAN_KEYS = {
    "saddle": "saddle.hessian.opposite",
    "minimum": "saddle.hessian.minimum",
    "maximum": "saddle.hessian.maximum",
    "degenerate-saddle": "saddle.hessian.degenerate",
    "undecided": "saddle.hessian.undecided",
}


def _rgb(color: str) -> np.ndarray:
    return np.asarray(ManimColor(color).to_rgb(), dtype=float)


class SaddleScene(TraceScene):
    """Plain gradient descent stalls at the saddle; SGD's noise and momentum escape."""

    def construct(self) -> None:
        self.captions: list[str] = []
        extra = self.trace.extra_as(SaddleExtra)
        self.extent = float(extra["extent"])
        self.colours = {
            "gd": self.theme.highlight,
            "sgd": self.theme.weight_ink,
            "momentum": self.theme.output_ink,
        }
        custom = extra["saddle"]["at"] == "gd_end"
        title_key = "saddle.title.custom" if custom else "saddle.title"
        title = self.title(self.tr(title_key, formula=extra["formula"]))
        self._introduce_map(title, custom)
        self._run_optimisers()
        self._explain_outcome(custom)
        self.say(escape_caption(self), hold=1.2)
        self.say(self.tr("saddle.outro"), hold=1.0)

    # --- the steps ----------------------------------------------------------------------
    def _introduce_map(self, title: Text, custom: bool) -> None:
        """Heat map, contours, saddle and legend names; the start point named."""
        extra, prm = self.trace.extra_as(SaddleExtra), self.trace.params
        self.map_center = np.zeros(3)  # the map is built at the origin, then moved as one
        heat = self._heat_map()
        contours = self._contours()
        frame = self._frame()
        saddle_dot = Circle(radius=0.09, stroke_color=self.theme.text, stroke_width=3)
        saddle_dot.move_to(self._point(*extra["saddle"]["point"]))
        # A custom surface's point is where gd ends, which may lie beyond the plot.
        saddle_marks = [] if extra["outcome"]["gd"]["escaped"] else [saddle_dot]
        axis_labels = VGroup(
            self.label(self.tr("saddle.axis.x")).next_to(frame, DOWN, buff=0.1),
            self.label(self.tr("saddle.axis.y")).next_to(frame, LEFT, buff=0.1),
        )
        on_map = Group(heat, contours, frame, *saddle_marks, axis_labels)
        legend = self._legend()
        Group(on_map, legend).arrange(RIGHT, buff=LEGEND_GAP).next_to(title, DOWN, buff=MAP_BUFF)
        self.map_center = heat.get_center()
        self.play(fade_in(title), fade_in(heat), fade_in(frame), fade_in(axis_labels), run_time=0.7)
        self.play(Create(contours), *[fade_in(m) for m in saddle_marks], run_time=0.7)
        self.say(self.tr("saddle.intro.custom" if custom else "saddle.intro"), hold=0.8)
        start = extra["paths"]["gd"][0]
        self.say(
            self.tr(
                "saddle.start",
                x=format_number(start[0]),
                y=format_number(start[1]),
                lr=format_number(prm["lr"], 3),
            )
        )
        self.play(fade_in(self.legend_names), run_time=0.4)

    def _run_optimisers(self) -> None:
        """The three paths drawn together, STEPS_PER_CHUNK updates per play."""
        paths = self.trace.extra_as(SaddleExtra)["paths"]
        start = paths["gd"][0]
        self.dots = {
            name: Dot(self._point(start[0], start[1]), radius=0.08, color=self.colours[name])
            for name in OPTIMISERS
        }
        self.add(*self.dots.values())
        longest = max(len(p) for p in paths.values()) - 1
        for a in range(0, longest, STEPS_PER_CHUNK):
            b = a + STEPS_PER_CHUNK
            anims: list[Any] = []
            for name in OPTIMISERS:
                path = paths[name]
                if a >= len(path) - 1:
                    continue
                seg = self._polyline(path[a : min(b, len(path) - 1) + 1], self.colours[name])
                anims.append(Create(seg))
                anims.append(move_to(self.dots[name], seg.get_end()))
            self.play(*anims, run_time=CHUNK_SECONDS, rate_func=linear)
        self.play(fade_in(self.legend_outcomes), run_time=0.4)

    def _explain_outcome(self, custom: bool) -> None:
        """Whether gd stalled, and what the Hessian's eigenvalues say about the point."""
        extra = self.trace.extra_as(SaddleExtra)
        gd = extra["outcome"]["gd"]
        if gd["escaped"]:
            self.say(self.tr("saddle.gd_escaped", steps=gd["updates"]), hold=1.0)
        else:
            self.say(
                self.tr(
                    "saddle.gd_stall",
                    steps=gd["updates"],
                    grad=format_number(extra["gd_final_grad_norm"], 4),
                ),
                hold=1.0,
            )
        if custom:
            self.say(self.tr("saddle.hessian.where", x=self.point_x, y=self.point_y), hold=1.0)
        self.play(fade_in(self.hessian_text), run_time=0.4)
        eig = extra["saddle"]["eigenvalues"]
        key = HESSIAN_KEYS[extra["saddle"]["kind"]]
        self.say(self.tr(key, e1=format_number(eig[0]), e2=format_number(eig[1])), hold=1.2)

    def say(self, content: str, run_time: float = 0.5, hold: float = 0.0) -> None:
        self.captions.append(content)  # kept so a dry-run test can read what was said
        super().say(content, run_time, hold)

    # --- the map ------------------------------------------------------------------------
    def _point(self, x: float, y: float) -> np.ndarray:
        half = MAP_SIZE / 2
        return self.map_center + np.array([x / self.extent * half, y / self.extent * half, 0.0])

    def _heat_map(self) -> VGroup:
        """The trace's filled bands between contour levels: blue above the saddle's value,
        red below, darker nearer to it (Manim's ImageMobject fails with Pillow 13)."""
        bg = _rgb(self.theme.background)
        bands = VGroup()
        for band in self.trace.extra_as(SaddleExtra)["contours"]["bands"]:
            mid = (band["low"] + band["high"]) / 2
            base = _rgb(self.theme.input_fill if mid >= 0 else self.theme.negative)
            rgb = bg + (base - bg) * (abs(mid) ** HEAT_GAMMA * HEAT_STRENGTH)
            for polygon in band["polygons"]:
                mob = VMobject(stroke_width=0, fill_color=ManimColor(rgb), fill_opacity=1.0)
                for ring_xy in polygon:
                    ring = [self._point(px, py) for px, py in ring_xy]
                    mob.start_new_path(ring[0])
                    mob.add_points_as_corners(ring[1:])
                bands.add(mob)
        return bands

    def _contours(self) -> VGroup:
        """The trace's contour lines; the saddle's own level drawn stronger."""
        lines = VGroup()
        for level in self.trace.extra_as(SaddleExtra)["contours"]["levels"]:
            frac = level["fraction"]
            width = 2.5 if frac == 0 else 1.2
            colour = self.theme.muted if frac else self.theme.text
            for seg in level["lines"]:
                mob = VMobject(stroke_color=colour, stroke_width=width, stroke_opacity=0.8)
                mob.set_points_as_corners([self._point(px, py) for px, py in seg])
                lines.add(mob)
        return lines

    def _frame(self) -> VMobject:
        e = self.extent
        corners = [(-e, -e), (e, -e), (e, e), (-e, e), (-e, -e)]
        frame = VMobject(stroke_color=self.theme.grid_stroke, stroke_width=2)
        frame.set_points_as_corners([self._point(x, y) for x, y in corners])
        ticks = VGroup()
        # The end labels line up with the frame's edges instead of centring on its corners:
        # centred, the x axis's -e and the y axis's -e met at the bottom-left corner.
        for value, x_edge, y_edge in ((-e, LEFT, DOWN), (0.0, ORIGIN, ORIGIN), (e, RIGHT, UP)):
            ticks.add(self.texts.number(value, SMALL_FONT_SIZE, self.theme.muted))
            ticks[-1].next_to(self._point(value, -e), DOWN, buff=0.08, aligned_edge=x_edge)
            ticks.add(self.texts.number(value, SMALL_FONT_SIZE, self.theme.muted))
            ticks[-1].next_to(self._point(-e, value), LEFT, buff=0.08, aligned_edge=y_edge)
        self.tick_labels = ticks
        return VGroup(frame, ticks)

    def _polyline(self, points: list[list[float]], colour: str) -> VMobject:
        """A path segment; a last point outside the plot is cut at the frame's edge."""
        xy = [(p[0], p[1]) for p in points]
        if len(xy) >= 2:
            xy[-1] = _clip(xy[-2], xy[-1], self.extent)
        line = VMobject(stroke_color=colour, stroke_width=4)
        line.set_points_as_corners([self._point(x, y) for x, y in xy])
        return line

    # --- the legend ---------------------------------------------------------------------
    def _legend(self) -> VGroup:
        prm, outcome = self.trace.params, self.trace.extra_as(SaddleExtra)["outcome"]
        names = {
            "gd": self.tr("saddle.opt.gd"),
            "sgd": self.tr("saddle.opt.sgd", noise=format_number(prm["noise"])),
            "momentum": self.tr("saddle.opt.momentum", momentum=format_number(prm["momentum"])),
        }
        rows, outcomes = VGroup(), VGroup()
        self.outcome_texts: dict[str, Text] = {}
        for name in OPTIMISERS:
            swatch = Line(
                LEFT * 0.25, RIGHT * 0.25, stroke_color=self.colours[name], stroke_width=6
            )
            label = self.texts.text(names[name], LEGEND_FONT_SIZE, self.colours[name])
            head = VGroup(swatch, label).arrange(RIGHT, buff=0.15)
            result = self.texts.text(self._outcome(name, outcome[name]), SMALL_FONT_SIZE)
            result.next_to(head, DOWN, buff=0.08, aligned_edge=LEFT).shift(RIGHT * 0.65)
            self.outcome_texts[name] = result
            outcomes.add(result)
            rows.add(VGroup(head, result))
        rows.arrange(DOWN, aligned_edge=LEFT, buff=0.3)
        saddle = self.trace.extra_as(SaddleExtra)["saddle"]
        eig = saddle["eigenvalues"]
        self.point_x = format_number(saddle["point"][0], 4)
        self.point_y = format_number(saddle["point"][1], 4)
        self.hessian_text = self.texts.text(
            self.tr(
                "saddle.hessian.label",
                x=self.point_x,
                y=self.point_y,
                e1=format_number(eig[0]),
                e2=format_number(eig[1]),
            ),
            LEGEND_FONT_SIZE,
            self.theme.text,
        )
        self.hessian_text.next_to(rows, DOWN, buff=0.5, aligned_edge=LEFT)
        self.legend_names = VGroup(*[cast(VGroup, row)[0] for row in rows])
        self.legend_outcomes = outcomes
        legend = VGroup(rows, self.hessian_text)
        if legend.width > LEGEND_WIDTH:
            legend.scale_to_fit_width(LEGEND_WIDTH)
        return legend

    def _outcome(self, name: str, result: Outcome) -> str:
        return outcome_caption(self, name, result)


def outcome_caption(scene: TraceScene, name: str, result: Outcome) -> str:
    """One optimiser's outcome: the step it left the plot at, or where it ended."""
    if result["escaped"]:
        return scene.tr("saddle.outcome.escaped", steps=result["updates"])
    end = scene.trace.extra_as(SaddleExtra)["paths"][name][-1]
    return scene.tr(
        "saddle.outcome.inside",
        steps=result["updates"],
        x=format_number(end[0], 3),
        y=format_number(end[1], 3),
        f=format_number(end[2], 3),
    )


def escape_caption(scene: TraceScene) -> str:
    """What happened to SGD and momentum, in words that hold for this trace's outcome."""
    outcome = scene.trace.extra_as(SaddleExtra)["outcome"]
    sgd, mom = outcome["sgd"], outcome["momentum"]
    if sgd["escaped"] and mom["escaped"]:
        return scene.tr("saddle.escape", sgd=sgd["updates"], momentum=mom["updates"])
    if not (sgd["escaped"] or mom["escaped"]):
        return scene.tr("saddle.escape.none", steps=scene.trace.params["steps"])
    out, stay = ("sgd", "momentum") if sgd["escaped"] else ("momentum", "sgd")
    return scene.tr(
        "saddle.escape.one",
        name=scene.tr(f"saddle.name.{out}"),
        other=scene.tr(f"saddle.name.{stay}"),
        steps=outcome[out]["updates"],
    )


def _clip(p: tuple[float, float], q: tuple[float, float], extent: float) -> tuple[float, float]:
    """q, or the point where the segment p→q crosses the square |x|, |y| <= extent."""
    t = 1.0
    for a, b in ((p[0], q[0]), (p[1], q[1])):
        if abs(b) > extent and b != a:
            bound = extent if b > 0 else -extent
            t = min(t, (bound - a) / (b - a))
    return (p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1]))
