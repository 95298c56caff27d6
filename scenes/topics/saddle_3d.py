"""The saddle-point trace in 3-D: the surface f(x, y) from the trace's grid, the paths on it.

Same trace as the contour-map scene (``mlcore.saddle``); the surface's corners are
samples of the trace's grid and every path point is a recorded [x, y, f]. Few faces,
a slowly circling camera; the title, legend and captions stay fixed in the frame.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from manim import (
    DEGREES,
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Create,
    Dot,
    Line,
    Surface,
    ThreeDScene,
    VGroup,
    VMobject,
    config,
    linear,
)
from manim.utils.color import ManimColor

from explain.mlcore.saddle import Outcome, SaddleExtra
from explain.scenes.kit.base import TraceScene
from explain.scenes.kit.layout import EDGE_BUFF
from explain.scenes.kit.motion import fade_in
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.topics.saddle import (
    HESSIAN_KEYS,
    OPTIMISERS,
    _rgb,
    escape_caption,
    outcome_caption,
)

SIDE = 5.0  # side of the surface's square in scene units
Z_HALF = 1.3  # the largest |f - saddle height| on the grid is drawn this high
GRID_STEP = 4  # use every 4th sample of the trace's 41×41 grid: 10×10 faces
PATH_LIFT = 0.04  # paths float just above the surface
PHI, THETA = 62 * DEGREES, -60 * DEGREES
ROTATION_RATE = 0.16  # radians per second: slow enough to follow the paths
LEGEND_FONT_SIZE = 20
LEGEND_BUFF = 0.25  # between the title and the legend
LEGEND_GAP = 0.6  # between the legend's columns
Z_SHIFT = -0.6  # the surface sits this far down so the legend above stays clear
SMALL_FONT_SIZE = 17
STEPS_PER_CHUNK = 8
CHUNK_SECONDS = 0.6
FACE_OPACITY = 0.85


class Saddle3DScene(TraceScene, ThreeDScene):
    """gd, SGD and momentum on the surface itself, seen from a slowly circling camera."""

    def construct(self) -> None:
        self.captions: list[str] = []
        trace, theme = self.trace, self.theme
        extra = trace.extra_as(SaddleExtra)
        self.saddle = extra["saddle"]
        self.colours = {
            "gd": theme.highlight,
            "sgd": theme.weight_ink,
            "momentum": theme.output_ink,
        }
        self.extent = float(extra["extent"])
        # The largest |f − f(saddle)| on the grid is drawn Z_HALF high.
        self.z_scale = Z_HALF / extra["contours"]["scale"]
        self.set_camera_orientation(phi=PHI, theta=THETA)
        custom = self.saddle["at"] == "gd_end"
        self.point_x = format_number(self.saddle["point"][0], 4)
        self.point_y = format_number(self.saddle["point"][1], 4)
        title_key = "saddle.title.custom" if custom else "saddle.title"
        title = self.title(self.tr(title_key, formula=extra["formula"]))
        legend = self._legend().next_to(title, DOWN, buff=LEGEND_BUFF)
        self.add_fixed_in_frame_mobjects(title, legend)
        self.remove(legend)
        surface = self._surface()
        self.add(surface)
        self.play(fade_in(title), run_time=0.4)
        self.say(self.tr("saddle.3d.intro"), hold=0.6)
        start = extra["paths"]["gd"][0]
        self.say(
            self.tr(
                "saddle.start",
                x=format_number(start[0]),
                y=format_number(start[1]),
                lr=format_number(trace.params["lr"], 3),
            )
        )
        self.play(fade_in(self.legend_names), run_time=0.3)
        self.dots = {
            name: Dot(self._point(start), radius=0.08, color=self.colours[name])
            for name in OPTIMISERS
        }
        self.add(*self.dots.values())
        self.begin_ambient_camera_rotation(rate=ROTATION_RATE)
        self._walk_paths()
        # Captions are read with the camera still: a still frame is rendered only once.
        self.stop_ambient_camera_rotation()
        self.play(fade_in(self.legend_outcomes), run_time=0.3)
        gd = extra["outcome"]["gd"]
        if gd["escaped"]:
            self.say(self.tr("saddle.gd_escaped", steps=gd["updates"]), hold=0.8)
        else:
            grad = format_number(extra["gd_final_grad_norm"], 4)
            self.say(self.tr("saddle.gd_stall", steps=gd["updates"], grad=grad), hold=0.8)
        if custom:
            self.say(self.tr("saddle.hessian.where", x=self.point_x, y=self.point_y), hold=0.8)
        eig = self.saddle["eigenvalues"]
        key = HESSIAN_KEYS[self.saddle["kind"]]
        self.say(self.tr(key, e1=format_number(eig[0]), e2=format_number(eig[1])), hold=1.0)
        self.say(escape_caption(self), hold=1.0)

    def say(self, content: str, run_time: float = 0.5, hold: float = 0.0) -> None:
        """A caption that stays put while the camera moves."""
        self.captions.append(content)
        self.caption.replace(content)
        if self.caption.current is not None:
            self.add_fixed_in_frame_mobjects(self.caption.current)
        self.wait(run_time + hold)

    # --- the surface and the paths ------------------------------------------------------
    def _point(self, p: list[float]) -> np.ndarray:
        """Scene point of a recorded [x, y, f], drawn relative to the saddle's height."""
        half = SIDE / 2 / self.extent
        z = (p[2] - self.saddle["value"]) * self.z_scale
        return np.array([p[0] * half, p[1] * half, z + PATH_LIFT + Z_SHIFT])

    def _surface(self) -> Surface:
        grid = self.trace.extra_as(SaddleExtra)["grid"]
        axis, f = grid["axis"], grid["f"]  # (G,), (G, G) with rows following y
        last = len(axis) - 1
        half = SIDE / 2 / self.extent
        level = self.saddle["value"]

        def corner(u: float, v: float) -> np.ndarray:
            # u, v land exactly on sample indices (resolution divides the index range).
            i, j = round(u), round(v)
            z = (f[j][i] - level) * self.z_scale + Z_SHIFT
            return np.array([axis[i] * half, axis[j] * half, z])

        faces = last // GRID_STEP
        surface = Surface(
            corner,
            u_range=(0, last),
            v_range=(0, last),
            resolution=(faces, faces),
            checkerboard_colors=False,
            stroke_color=self.theme.grid_stroke,
            stroke_width=0.6,
            fill_opacity=FACE_OPACITY,
        )
        bg = _rgb(self.theme.background)
        above, below = _rgb(self.theme.input_fill), _rgb(self.theme.negative)
        for face in surface:
            # Colour by the face's mean height: blue above the saddle, red below.
            height = (float(np.mean([p[2] for p in face.get_anchors()])) - Z_SHIFT) / Z_HALF
            base = above if height >= 0 else below
            rgb = bg + (base - bg) * (0.35 + 0.65 * min(abs(height), 1.0))
            face.set_fill(ManimColor(rgb), opacity=FACE_OPACITY)
        return surface

    def _inside(self, p: list[float]) -> bool:
        return abs(p[0]) <= self.extent and abs(p[1]) <= self.extent

    def _walk_paths(self) -> None:
        """Paths grow in chunks; points beyond the plotted square are not drawn."""
        paths = {
            n: [p for p in self.trace.extra_as(SaddleExtra)["paths"][n] if self._inside(p)]
            for n in OPTIMISERS
        }
        longest = max(len(p) for p in paths.values()) - 1
        for a in range(0, longest, STEPS_PER_CHUNK):
            anims: list[Any] = []
            for name in OPTIMISERS:
                path = paths[name]
                if a >= len(path) - 1:
                    continue
                piece = path[a : min(a + STEPS_PER_CHUNK, len(path) - 1) + 1]
                line = VMobject(stroke_color=self.colours[name], stroke_width=4)
                line.set_points_as_corners([self._point(p) for p in piece])
                anims.append(Create(line))
                anims.append(self.dots[name].animate.move_to(line.get_end()))
            self.play(*anims, run_time=CHUNK_SECONDS, rate_func=linear)

    # --- the legend (fixed in the frame) --------------------------------------------------
    def _legend(self) -> VGroup:
        """One column per optimiser across the top: its name, later its outcome."""
        prm, outcome = self.trace.params, self.trace.extra_as(SaddleExtra)["outcome"]
        names = {
            "gd": self.tr("saddle.opt.gd"),
            "sgd": self.tr("saddle.opt.sgd", noise=format_number(prm["noise"])),
            "momentum": self.tr("saddle.opt.momentum", momentum=format_number(prm["momentum"])),
        }
        columns, heads, results = VGroup(), VGroup(), VGroup()
        self.outcome_texts = {}
        for name in OPTIMISERS:
            swatch = Line(LEFT * 0.2, RIGHT * 0.2, stroke_color=self.colours[name], stroke_width=6)
            label = self.texts.text(names[name], LEGEND_FONT_SIZE, self.colours[name])
            head = VGroup(swatch, label).arrange(RIGHT, buff=0.12)
            result = self.texts.text(self._outcome(name, outcome[name]), SMALL_FONT_SIZE)
            result.next_to(head, DOWN, buff=0.08, aligned_edge=LEFT)
            self.outcome_texts[name] = result
            heads.add(head)
            results.add(result)
            columns.add(VGroup(head, result))
        columns.arrange(RIGHT, buff=LEGEND_GAP, aligned_edge=UP)
        if columns.width > config.frame_width - 2 * EDGE_BUFF:
            columns.scale_to_fit_width(config.frame_width - 2 * EDGE_BUFF)
        self.legend_names = heads
        self.legend_outcomes = results
        return columns

    def _outcome(self, name: str, result: Outcome) -> str:
        return outcome_caption(self, name, result)
