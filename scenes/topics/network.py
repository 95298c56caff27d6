"""`network`: any small sequential model's shape flow, layer by layer, from its trace.

Each layer is a column: its text, its feature maps as heat maps (the first channels only,
the cap said in the column), or its vector as a strip (a short last vector as numbers),
then its output shape, parameter count and multiplications. Every value is read from the
trace; the scene only lays the columns out (one row, or two for deep models).
"""

from __future__ import annotations

import re

import numpy as np
from manim import (
    DOWN,
    LEFT,
    RIGHT,
    UP,
    Animation,
    Group,
    ImageMobject,
    Mobject,
    Rectangle,
    Text,
    VGroup,
    VMobject,
    config,
)

from explain.mlcore.network import NetworkExtra, NetworkLayer
from explain.scenes.kit.base import TraceScene, shape_text, shrink_to_fit
from explain.scenes.kit.motion import fade_in
from explain.scenes.kit.widgets.heatmap import HeatMap
from explain.scenes.kit.widgets.numbers import format_number

SIDE_MARGIN = 0.4
TOP_RESERVED = 1.15  # the title and the cap note
BOTTOM_RESERVED = 1.0  # the caption
COLUMN_GAP = 0.3
ROW_GAP = 0.35
ONE_ROW_MAX = 9  # columns (input included) that still read in one row at 480p
MAP_AREA = {1: 3.2, 2: 1.6}  # height of a column's maps, by number of rows
MAX_TILE = 1.6
TILE_GAP = 0.05
STRIP_WIDTH = 0.2
LABEL_FONT = 17
SHAPE_FONT = 19
VALUE_FONT = 22
MAX_LISTED = 10  # a last vector this short is listed as numbers, not drawn as a strip
STAGE_HOLD = 1.3
LONG_LABEL = 12  # characters of a layer's text shown on one line
KEYWORD_BREAK = re.compile(r"(?<=,)\s*(?=[a-z]+=)")  # before stride=..., padding=...


class NetworkScene(TraceScene):
    """Input → each layer's output, fading in left to right, each explained by a caption."""

    def construct(self) -> None:
        trace = self.trace
        extra = trace.extra_as(NetworkExtra)
        layers = extra["layers"]
        rows = 1 if len(layers) + 1 <= ONE_ROW_MAX else 2
        self.area = MAP_AREA[rows]
        title = self.title(self.tr("net.title"))
        columns = [self._input_column()]
        columns += [
            self._layer_column(layer, k == len(layers) - 1) for k, layer in enumerate(layers)
        ]
        self._arrange(columns, rows)
        note = self._cap_note(layers)
        if note is not None:
            note.next_to(title, DOWN, buff=0.08)

        intro = [fade_in(title), *appear(columns[0])] + ([fade_in(note)] if note else [])
        self.play(*intro, run_time=0.8)
        source = "net.intro.image" if trace.params.get("image") else "net.intro.digit"
        self.say(self.tr(source, shape=shape_text(extra["input_shape"]), n=len(layers)), hold=1.5)
        for column, layer in zip(columns[1:], layers):
            self.play(*appear(column), run_time=0.5)
            self.say(self._caption(layer), hold=STAGE_HOLD)
        totals = extra["totals"]
        self.say(
            self.tr("net.outro", params=f"{totals['params']:,}", mults=f"{totals['mults']:,}"),
            hold=2.0,
        )

    # --- layout -------------------------------------------------------------------------
    def _arrange(self, columns: list[Group], rows: int) -> Group:
        per_row = -(-len(columns) // rows)
        lines = [
            Group(*columns[i : i + per_row]).arrange(RIGHT, buff=COLUMN_GAP)
            for i in range(0, len(columns), per_row)
        ]
        for line in lines:  # the pictures' tops in one line, whatever the labels above them
            level = max(column[1].get_top()[1] for column in line)
            for column in line:
                column.shift((level - column[1].get_top()[1]) * UP)
        body = Group(*lines).arrange(DOWN, buff=ROW_GAP, aligned_edge=LEFT)
        top = config.frame_height / 2 - TOP_RESERVED
        bottom = -config.frame_height / 2 + BOTTOM_RESERVED
        shrink_to_fit(body, config.frame_width - 2 * SIDE_MARGIN, top - bottom)
        body.move_to((0.0, (top + bottom) / 2, 0.0))
        return body

    def _labelled(self, top_text: str, picture: Mobject, below: list[str]) -> Group:
        # A long layer, conv(16,3,stride=1,padding=1), on lines of its own keywords: in one
        # line it would widen its column and shrink the whole flow.
        pieces = KEYWORD_BREAK.split(top_text) if len(top_text) > LONG_LABEL else [top_text]
        top = VGroup(*[self.texts.text(p, LABEL_FONT, self.theme.muted) for p in pieces])
        top.arrange(DOWN, buff=0.05)
        lines = [self.texts.text(below[0], SHAPE_FONT, self.theme.accent)]
        lines += [self.texts.text(t, LABEL_FONT, self.theme.muted) for t in below[1:]]
        under = VGroup(*lines).arrange(DOWN, buff=0.06)
        top.next_to(picture, UP, buff=0.1)
        under.next_to(picture, DOWN, buff=0.1)
        return Group(top, picture, under)

    def _maps(self, maps: np.ndarray) -> Group:
        """(C, H, W) feature maps as framed heat maps in a grid two tiles wide (one for one),
        on one colour scale for the layer: a 1×1 map alone would always be the scale's end."""
        across = min(len(maps), 2)
        down = -(-len(maps) // across)
        h, w = maps.shape[1], maps.shape[2]
        tile = min((self.area - TILE_GAP * (down - 1)) / down, MAX_TILE * h / max(h, w))
        bounds = (float(maps.min()), float(maps.max()))  # colour only, never shown
        tiles = Group(*[self._framed(HeatMap(m, tile, bounds=bounds)) for m in maps])
        return tiles.arrange_in_grid(rows=down, cols=across, buff=TILE_GAP)

    def _framed(self, picture: Mobject) -> Group:
        """A thin border: values near zero are white in the diverging map, like a light page."""
        border = Rectangle(
            width=picture.width,
            height=picture.height,
            stroke_width=1,
            stroke_color=self.theme.grid_stroke,
        )
        return Group(picture, border.move_to(picture))

    def _vector(self, values: np.ndarray, listed: bool) -> Mobject:
        """A short last vector as its numbers in a box; any other as a one-value-a-row strip."""
        if not listed:
            strip = HeatMap(values.reshape(-1, 1), self.area)  # (N, 1)
            return self._framed(strip.stretch_to_fit_width(STRIP_WIDTH))
        lines = VGroup(
            *[
                self.texts.text(f"{i}: {format_number(float(v))}", VALUE_FONT, self.theme.text)
                for i, v in enumerate(values)
            ]
        ).arrange(DOWN, aligned_edge=LEFT, buff=0.08)
        lines.scale_to_fit_height(min(lines.height, self.area - 0.1))
        frame = Rectangle(
            width=lines.width + 0.16,
            height=self.area,
            stroke_color=self.theme.output_ink,
            fill_color=self.theme.output_fill,
            fill_opacity=0.25,
        )
        return VGroup(frame, lines.move_to(frame))

    def _input_column(self) -> Group:
        shape = self.trace.extra_as(NetworkExtra)["input_shape"]
        maps = self._maps(self.trace.array("input"))
        return self._labelled(self.tr("net.input"), maps, [shape_text(shape)])

    def _layer_column(self, layer: NetworkLayer, last: bool) -> Group:
        values = self.trace.array(layer["tensor"])
        shape = layer["shape"]
        if len(shape) == 3:
            picture: Mobject = self._maps(values)
        else:
            picture = self._vector(values, last and shape[0] <= MAX_LISTED)
        below = [shape_text(shape)]
        if len(shape) == 3 and layer["drawn_channels"] < shape[0]:
            below.append(self.tr("net.shown", shown=layer["drawn_channels"], total=shape[0]))
        if layer["params"]:
            below.append(self.tr("net.params", n=f"{layer['params']:,}"))
        if layer["mults"]:
            below.append(self.tr("net.mults", n=f"{layer['mults']:,}"))
        return self._labelled(layer["text"], picture, below)

    def _cap_note(self, layers: list[NetworkLayer]) -> Text | None:
        capped = any(len(e["shape"]) == 3 and e["drawn_channels"] < e["shape"][0] for e in layers)
        if not capped:
            return None
        return self.label(
            self.tr("net.cap", cap=self.trace.extra_as(NetworkExtra)["channel_cap"]), LABEL_FONT
        )

    # --- captions -----------------------------------------------------------------------
    def _caption(self, layer: NetworkLayer) -> str:
        op, shape = layer["op"], layer["shape"]
        common = {"text": layer["text"], "shape": shape_text(shape)}
        if op in ("conv", "maxpool", "avgpool"):
            size = {
                "k": layer["kernel"],
                "s": layer["stride"],
                "p": layer["padding"],
                "i": layer["in_shape"][1],
                "o": shape[1],
            }
            if op == "conv":
                return self.tr(
                    "net.conv",
                    **common,
                    **size,
                    c=shape[0],
                    cin=layer["in_shape"][0],
                )
            return self.tr(f"net.{op}", **common, **size)
        if op == "flatten":
            return self.tr("net.flatten", **common, before=shape_text(layer["in_shape"]))
        if op == "linear":
            return self.tr(
                "net.linear",
                **common,
                n=layer["in_features"],
                m=shape[0],
                params=f"{layer['params']:,}",
            )
        return self.tr(f"net.{op}", **common)


def appear(column: Mobject) -> list[Animation]:
    """Fade a column in: its shapes and text without copies, its heat maps with Manim's fade
    (images have no arrays to tween; copying only them is cheap, copying text is not)."""
    images: list[Mobject] = []
    shapes: list[Mobject] = []

    def split(mob: Mobject) -> None:
        if isinstance(mob, ImageMobject):
            images.append(mob)
        elif isinstance(mob, VMobject):
            shapes.append(mob)
        else:
            for sub in mob.submobjects:
                split(sub)

    split(column)
    return [fade_in(*group) for group in (shapes, images) if group]
