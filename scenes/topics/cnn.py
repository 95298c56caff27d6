"""CNN architecture scenes: the MNIST network's shapes, Inception's 1×1 savings, residual blocks.

Every shape, count and gradient norm on screen is read from the trace; the scenes only
lay things out (tile sizes, bar widths proportional to channel counts, plot positions).
"""

from __future__ import annotations

from typing import cast

import numpy as np
from manim import (
    DOWN,
    LEFT,
    ORIGIN,
    RIGHT,
    UP,
    Arrow,
    Circle,
    Create,
    CurvedArrow,
    Dot,
    Group,
    Line,
    Mobject,
    Rectangle,
    RoundedRectangle,
    Text,
    VGroup,
    VMobject,
    config,
)

from explain.mlcore.cnn import CnnLayer, CnnShapesExtra, InceptionExtra, ResidualExtra
from explain.scenes.kit.base import TraceScene, shape_text, shrink_to_fit
from explain.scenes.kit.layout import CHAIN_BANDS
from explain.scenes.kit.motion import fade_in, fade_out
from explain.scenes.kit.widgets.heatmap import HeatMap
from explain.scenes.kit.widgets.numbers import MINUS, format_number

TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = CHAIN_BANDS  # title, caption, sides
SMALL_FONT = 18
BOX_FONT = 20
BOX_PAD = 0.16
ARROW_BUFF = 0.08
STAGE_HOLD = 1.4
TIP_LENGTH = 0.14


def grouped(n: int) -> str:
    """120422400 -> '120,422,400' (formatting only)."""
    return f"{n:,}"


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def scientific(value: float) -> str:
    """1.2e-16 -> '1.2·10⁻¹⁶'; plain decimals between 0.01 and 1000 (formatting only)."""
    if 0.01 <= abs(value) < 1000:
        return format_number(value)
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa}·10{str(int(exponent)).translate(_SUPERSCRIPT)}".replace("-", MINUS)


class BoxFactory:
    """Rounded boxes with a centred label: tensors (by meaning colour) and operations."""

    def __init__(self, scene: TraceScene) -> None:
        self.scene = scene

    def box(self, content: str, color: str, font_size: float = BOX_FONT) -> VGroup:
        text = self.scene.texts.text(content, font_size, self.scene.theme.text)
        frame = RoundedRectangle(
            corner_radius=0.08,
            width=text.width + 2 * BOX_PAD,
            height=text.height + 2 * BOX_PAD,
            stroke_color=self.scene.theme.ink(color),
            fill_color=color,
            fill_opacity=0.35,
        )
        return VGroup(frame, text.move_to(frame))


def _arrow(start: Mobject, end: Mobject, color: str) -> Arrow:
    """An arrow between two boxes with a tip of the same size however long it is."""
    a, b = start.get_right(), end.get_left()
    length = max(float(np.linalg.norm(b - a)) - 2 * ARROW_BUFF, 1e-3)
    return Arrow(
        a,
        b,
        buff=ARROW_BUFF,
        stroke_width=3,
        max_tip_length_to_length_ratio=min(0.5, TIP_LENGTH / length),
        color=color,
    )


def chain(items: list[VGroup], gap: float, color: str) -> tuple[VGroup, VGroup]:
    """Boxes in a row and the arrows between them."""
    row = VGroup(*items).arrange(RIGHT, buff=gap)
    arrows = VGroup(*[_arrow(a, b, color) for a, b in zip(items[:-1], items[1:])])
    return row, arrows


# --- cnn-shapes ---------------------------------------------------------------------------

COLUMN_GAP = 0.32
FEATURE_AREA = 4.0  # height of a column of feature maps
GRID_COLS = {1: 1, 10: 2, 20: 4}  # tiles across, by channel count
SCORE_FONT = 25  # the ten scores: still about 12 px digits after the row is fitted at 480p
SCORE_GAP = 0.1


class CnnShapesScene(TraceScene):
    """Input digit → feature maps as heat maps, stage by stage, each with its shape."""

    def construct(self) -> None:
        trace = self.trace
        extra = trace.extra_as(CnnShapesExtra)
        layers = extra["layers"]
        title = self.title(self.tr("cnn.title"))
        self.shape_labels: list[Text] = []
        columns: list[Mobject] = []
        image = trace.array("input")[0]  # (28, 28)
        # The normalised input drawn as ink on paper (its own range), like the raw digit.
        input_shape = extra["input_shape"]
        columns.append(self._column(self.tr("cnn.input"), [image], input_shape, signed=False))
        for layer in layers:
            name = layer["name"]
            values = trace.array(name)
            if values.ndim == 3:  # (C, H, W) feature maps
                columns.append(
                    self._column(self.tr(f"cnn.stage.{name}"), list(values), layer["shape"])
                )
            elif name == "flatten":  # (320,) a thin strip
                columns.append(self._strip(values, layer["shape"]))
            else:  # (10,) scores
                columns.append(self._scores(values, layer["shape"]))
        body = Group(*columns).arrange(RIGHT, buff=COLUMN_GAP, aligned_edge=UP)
        shrink_to_fit(body, config.frame_width - 2 * SIDE_MARGIN)
        body.move_to((0.0, (BOTTOM_RESERVED - TOP_RESERVED) / 2 - 0.2, 0.0))

        self.play(fade_in(title), fade_in(columns[0]), run_time=0.8)
        self.say(
            self.tr(
                "cnn.intro.image"
                if trace.params.get("image")
                else f"cnn.intro.{trace.params['input']}",
                label=extra["label"],
                shape=shape_text(extra["input_shape"]),
            ),
            hold=1.0,
        )
        training, data = extra["training"], extra["data"]
        self.say(
            self.tr(
                "cnn.trained",
                epochs=training["epochs"],
                train=data["train"],
                test=data["test"],
                acc=f"{100 * training['test_accuracy']:.1f}%",
            ),
            hold=1.0,
        )
        sizes_in = [extra["input_shape"][-1]] + [
            layer["shape"][-1] for layer in layers if len(layer["shape"]) == 3
        ]
        for k, layer in enumerate(layers):
            self.play(fade_in(columns[k + 1], shift=0.2 * RIGHT), run_time=0.6)
            self.say(self._stage_caption(layer, sizes_in), hold=STAGE_HOLD)
        self.say(self.tr("cnn.outro"), hold=2.0)

    def _stage_caption(self, layer: CnnLayer, sizes_in: list[int]) -> str:
        name, shape = layer["name"], layer["shape"]
        if layer["op"] == "conv":
            return self.tr(
                "cnn.conv",
                name=name,
                c=shape[0],
                i=layer["in"],
                o=shape[-1],
                shape=shape_text(shape),
            )
        if layer["op"] == "pool":
            return self.tr(
                "cnn.pool", name=name, i=layer["in"], o=shape[-1], shape=shape_text(shape)
            )
        extra = self.trace.extra_as(CnnShapesExtra)
        previous = extra["layers"][3]["shape"]  # pool2's (C, H, W)
        if layer["op"] == "flatten":
            return self.tr("cnn.flatten", shape=shape_text(previous), n=shape[0])
        return self.tr(
            "cnn.scores.picture" if extra["label"] is None else "cnn.scores.trained",
            n=layer["in_features"],
            m=shape[0],
            pred=extra["predicted"],
            label=extra["label"],
        )

    def _label_pair(self, op: str, shape: list[int]) -> tuple[Text, Text]:
        top = self.texts.text(op, SMALL_FONT, self.theme.muted)
        bottom = self.texts.text(shape_text(shape), SMALL_FONT + 2, self.theme.accent)
        self.shape_labels.append(bottom)
        return top, bottom

    def _column(
        self, op: str, maps: list[np.ndarray], shape: list[int], signed: bool | None = None
    ) -> Group:
        across = GRID_COLS.get(len(maps), 2)
        down = -(-len(maps) // across)
        gap = 0.06
        tile = min((FEATURE_AREA - gap * (down - 1)) / down, 1.7)
        tiles = Group(*[HeatMap(m, tile, signed) for m in maps])
        tiles.arrange_in_grid(rows=down, cols=across, buff=gap)
        top, bottom = self._label_pair(op, shape)
        top.next_to(tiles, UP, buff=0.12)
        bottom.next_to(tiles, DOWN, buff=0.12)
        return Group(top, tiles, bottom)

    def _strip(self, values: np.ndarray, shape: list[int]) -> Group:
        strip = HeatMap(values.reshape(-1, 1), FEATURE_AREA)  # (320, 1) one value per row
        strip.stretch_to_fit_width(0.22)
        top, bottom = self._label_pair(self.tr("cnn.stage.flatten"), shape)
        top.next_to(strip, UP, buff=0.12)
        bottom.next_to(strip, DOWN, buff=0.12)
        return Group(top, strip, bottom)

    def _scores(self, values: np.ndarray, shape: list[int]) -> Group:
        # The prediction (the largest score, recorded in the trace) in the highlight colour.
        predicted = self.trace.extra_as(CnnShapesExtra)["predicted"]
        self.score_texts = [
            self.texts.text(
                f"{d}: {format_number(float(v))}",
                SCORE_FONT,
                self.theme.highlight if d == predicted else self.theme.text,
            )
            for d, v in enumerate(values)
        ]
        lines = VGroup(*self.score_texts).arrange(DOWN, aligned_edge=LEFT, buff=SCORE_GAP)
        lines.scale_to_fit_height(min(lines.height, FEATURE_AREA))
        frame = Rectangle(
            width=lines.width + 0.2,
            height=FEATURE_AREA,
            stroke_color=self.theme.output_ink,
            fill_color=self.theme.output_fill,
            fill_opacity=0.25,
        )
        lines.move_to(frame)
        top, bottom = self._label_pair(self.tr("cnn.stage.scores"), shape)
        top.next_to(frame, UP, buff=0.12)
        bottom.next_to(frame, DOWN, buff=0.12)
        return Group(top, VGroup(frame, lines), bottom)


# --- inception ----------------------------------------------------------------------------

CHAIN_GAP = 0.45
ROW_GAP = 0.3
CONCAT_UNIT = 0.035  # scene units per channel in the concatenation bar
CONCAT_HEIGHT = 0.5


class InceptionScene(TraceScene):
    """The cost of a 5×5 convolution with and without a 1×1 reduction, then the module."""

    def construct(self) -> None:
        boxes = BoxFactory(self)
        title = self.title(self.tr("inc.title"))
        self.play(fade_in(title), run_time=0.5)
        self._compare_costs(*self._cost_blocks(boxes))
        self._module(boxes)

    def _cost_blocks(self, boxes: BoxFactory) -> tuple[VGroup, VGroup, VGroup]:
        """The direct 5×5 chain and the 1×1-then-5×5 chain, each with its count of
        multiplications; returns both blocks and the group holding them."""
        theme, costs = self.theme, self.trace.extra_as(InceptionExtra)["costs"]
        c, h, w = costs["input_shape"]
        out_c, red = costs["direct_shape"][0], costs["reduce_shape"][0]

        def conv_box(k: int, cin: int, cout: int) -> VGroup:
            return boxes.box(self.tr("inc.op.conv", k=k, c=f"{cin}→{cout}"), theme.weight_fill)

        def shape_box(shape: list[int], fill: str) -> VGroup:
            return boxes.box(shape_text(shape), fill)

        row_a, arrows_a = chain(
            [
                shape_box(costs["input_shape"], theme.input_fill),
                conv_box(5, c, out_c),
                shape_box(costs["direct_shape"], theme.output_fill),
            ],
            CHAIN_GAP,
            theme.muted,
        )
        row_b, arrows_b = chain(
            [
                shape_box(costs["input_shape"], theme.input_fill),
                conv_box(1, c, red),
                shape_box(costs["reduce_shape"], theme.input_fill),
                conv_box(5, red, out_c),
                shape_box(costs["after_shape"], theme.output_fill),
            ],
            CHAIN_GAP,
            theme.muted,
        )
        direct = self.tr(
            "inc.direct.formula", h=h, w=w, o=out_c, c=c, count=grouped(costs["direct"])
        )
        bottleneck = self.tr(
            "inc.bottleneck.formula",
            reduce=grouped(costs["reduce"]),
            after=grouped(costs["after"]),
            count=grouped(costs["bottleneck"]),
        )
        self.count_texts = [
            self.texts.text(text, BOX_FONT, theme.accent) for text in (direct, bottleneck)
        ]
        mults = [self.label(self.tr("inc.mults")) for _ in range(2)]
        block_a = VGroup(VGroup(row_a, arrows_a), self.count_texts[0], mults[0])
        block_b = VGroup(VGroup(row_b, arrows_b), self.count_texts[1], mults[1])
        for block in (block_a, block_b):
            block[1].next_to(block[0], DOWN, buff=0.25)
            block[2].next_to(block[1], RIGHT, buff=0.15)
        part1 = VGroup(block_a, block_b).arrange(DOWN, buff=0.8, aligned_edge=LEFT)
        part1.move_to((0.0, (BOTTOM_RESERVED - TOP_RESERVED) / 2, 0.0))
        return block_a, block_b, part1

    def _compare_costs(self, block_a: VGroup, block_b: VGroup, part1: VGroup) -> None:
        costs = self.trace.extra_as(InceptionExtra)["costs"]
        c, h, w = costs["input_shape"]
        out_c, red = costs["direct_shape"][0], costs["reduce_shape"][0]
        self.play(fade_in(block_a[0]), run_time=0.6)
        self.say(self.tr("inc.intro", c=c, o=out_c, h=h, w=w))
        self.play(fade_in(block_a[1]), fade_in(block_a[2]), run_time=0.5)
        self.wait(1.5)
        self.play(fade_in(block_b[0]), run_time=0.6)
        self.play(fade_in(block_b[1]), fade_in(block_b[2]), run_time=0.5)
        self.say(self.tr("inc.bottleneck", r=red, ratio=format_number(costs["ratio"], 1)), hold=2.5)
        self.play(fade_out(part1), run_time=0.5)

    def _module(self, boxes: BoxFactory) -> None:
        trace, theme = self.trace, self.theme
        costs = trace.extra_as(InceptionExtra)["costs"]
        in_box = boxes.box(shape_text(costs["input_shape"]), theme.input_fill)
        rows = VGroup()
        self.branch_shape_texts: list[Text] = []
        op_rows: list[VGroup] = []
        for branch in trace.extra_as(InceptionExtra)["branches"]:
            items = [
                boxes.box(
                    self.tr(f"inc.op.{layer['op']}", k=layer["kernel"], c=layer["shape"][0]),
                    theme.weight_fill,
                    SMALL_FONT,
                )
                for layer in branch["layers"]
            ]
            out_box = boxes.box(shape_text(branch["measured"][-1]), theme.output_fill, SMALL_FONT)
            self.branch_shape_texts.append(cast(Text, out_box[1]))
            ops = VGroup(*items).arrange(RIGHT, buff=CHAIN_GAP)
            op_rows.append(ops)
            rows.add(VGroup(ops, out_box))
        ops_column = VGroup(*op_rows).arrange(DOWN, buff=ROW_GAP + 0.2, aligned_edge=LEFT)
        for row in rows:  # branch outputs in one column, right of the longest branch
            row[1].next_to(ops_column, RIGHT, buff=CHAIN_GAP)
            row[1].set_y(row[0].get_y())
        concat = self._concat_bar()
        body = VGroup(in_box, rows, concat).arrange(RIGHT, buff=0.7)
        shrink_to_fit(body, config.frame_width - 2 * SIDE_MARGIN)
        body.move_to((0.0, (BOTTOM_RESERVED - TOP_RESERVED) / 2, 0.0))
        links = VGroup()
        for row in rows:
            links.add(_arrow(in_box, row[0][0], theme.muted))
            links.add(*[_arrow(a, b, theme.muted) for a, b in zip(row[0][:-1], row[0][1:])])
            links.add(_arrow(row[0][-1], row[1], theme.muted))
            links.add(_arrow(row[1], concat, theme.muted))
        self.play(fade_in(in_box), run_time=0.4)
        h, w = costs["input_shape"][1:]
        self.say(self.tr("inc.module", h=h, w=w))
        self.play(fade_in(rows), fade_in(links), run_time=1.0)
        self.wait(1.2)
        self.play(fade_in(concat), run_time=0.7)
        channels = trace.tensors["branch_channels"]
        self.say(
            self.tr(
                "inc.concat",
                terms=" + ".join(str(n) for n in channels),
                total=trace.extra_as(InceptionExtra)["concat_shape"][0],
                shape=shape_text(trace.extra_as(InceptionExtra)["concat_shape"]),
            ),
            hold=2.0,
        )
        self.say(self.tr("inc.outro"), hold=1.5)

    def _concat_bar(self) -> VGroup:
        """One segment per branch, width proportional to its channels, with the total shape."""
        theme = self.theme
        segments = VGroup()
        for n in self.trace.tensors["branch_channels"]:
            seg = Rectangle(
                width=n * CONCAT_UNIT,
                height=CONCAT_HEIGHT,
                stroke_color=theme.grid_stroke,
                fill_color=theme.output_fill,
                fill_opacity=0.7,
            )
            seg.add(self.texts.text(str(n), SMALL_FONT, theme.text).move_to(seg))
            segments.add(seg)
        segments.arrange(RIGHT, buff=0)
        self.concat_text = self.texts.text(
            shape_text(self.trace.extra_as(InceptionExtra)["concat_shape"]), BOX_FONT, theme.accent
        )
        self.concat_text.next_to(segments, DOWN, buff=0.15)
        return VGroup(segments, self.concat_text)


# --- residual -----------------------------------------------------------------------------

PLOT_WIDTH = 9.5
PLOT_HEIGHT = 3.0
TICK_STEP = 5  # decades between y-axis labels


class ResidualScene(TraceScene):
    """The block with its real shapes, then gradient norms through plain and residual stacks."""

    def construct(self) -> None:
        trace, theme = self.trace, self.theme
        shapes = trace.extra_as(ResidualExtra)["shapes"]
        boxes = BoxFactory(self)
        title = self.title(self.tr("res.title"))
        self.play(fade_in(title), run_time=0.5)

        x_box = boxes.box(f"{self.tr('res.x')}  {shape_text(shapes['x'])}", theme.input_fill)
        conv1 = boxes.box(self.tr("res.conv"), theme.weight_fill)
        relu1 = boxes.box(self.tr("res.relu"), theme.muted)
        conv2 = boxes.box(self.tr("res.conv"), theme.weight_fill)
        fx = boxes.box(f"{self.tr('res.fx')}  {shape_text(shapes['F'])}", theme.output_fill)
        plus = VGroup(
            Circle(radius=0.22, color=theme.highlight),
            self.texts.text("+", BOX_FONT + 4, theme.highlight),
        )
        relu2 = boxes.box(self.tr("res.relu"), theme.muted)
        out = boxes.box(shape_text(shapes["out"]), theme.output_fill)
        row, arrows = chain([x_box, conv1, relu1, conv2, fx, plus, relu2, out], 0.35, theme.muted)
        group = shrink_to_fit(VGroup(row, arrows), config.frame_width - 2 * SIDE_MARGIN)
        group.move_to((0.0, 0.3, 0.0))
        skip = CurvedArrow(
            x_box.get_top() + 0.05 * UP,
            plus.get_top() + 0.05 * UP,
            angle=-1.2,
            color=theme.highlight,
        )
        skip_label = self.label(self.tr("res.skip_label"), color=theme.highlight)
        skip_label.next_to(skip, UP, buff=0.08)
        self.hx_text = self.texts.text(
            f"{self.tr('res.hx')}  {shape_text(shapes['H'])}", BOX_FONT, theme.accent
        )
        self.hx_text.next_to(plus, DOWN, buff=0.45)
        self.shape_texts = [x_box[1], fx[1], out[1], self.hx_text]

        self.play(fade_in(row[:5]), fade_in(arrows[:4]), run_time=0.8)
        self.say(self.tr("res.intro", shape=shape_text(shapes["F"])), hold=1.2)
        self.play(
            fade_in(skip), fade_in(skip_label), fade_in(row[5:]), fade_in(arrows[4:]), run_time=0.8
        )
        self.play(fade_in(self.hx_text), run_time=0.4)
        self.say(self.tr("res.skip", shape=shape_text(shapes["H"])), hold=1.8)
        self.play(
            *[fade_out(m) for m in (group, skip, skip_label, self.hx_text)],
            run_time=0.5,
        )
        self._gradients()

    def _gradients(self) -> None:
        """Log gradient norms layer by layer, plain against residual, on one plot."""
        axes, ticks, caption = self._grad_axes()
        curves, legend, ends = self._grad_curves()
        plot = VGroup(axes, ticks, caption, curves, ends, legend)
        plot.move_to((0.0, (BOTTOM_RESERVED - TOP_RESERVED) / 2, 0.0))
        self.play(fade_in(axes), fade_in(ticks), fade_in(caption), fade_in(ends), run_time=0.6)
        self.say(self.tr("res.grad.intro", depth=self.depth), hold=0.5)
        for drawn, legend_entry in zip(curves, legend):
            line = cast(VMobject, drawn[0])
            self.play(Create(line), fade_in(drawn[1]), fade_in(legend_entry[:3]), run_time=1.4)
        self.play(*[fade_in(t) for t in self.grad_texts], run_time=0.5)
        self.say(
            self.tr(
                "res.grad.result",
                plain=self.grad_texts[0].text,
                residual=self.grad_texts[1].text,
            ),
            hold=2.0,
        )
        self.say(self.tr("res.outro"), hold=1.5)

    def _point(self, layer: int, value: float) -> np.ndarray:
        """Plot position of a layer's log10 norm (before the plot is moved into place)."""
        low, high = self.low, self.high
        return self.origin + np.array(
            [PLOT_WIDTH * layer / self.depth, PLOT_HEIGHT * (value - low) / (high - low), 0.0]
        )

    def _grad_axes(self) -> tuple[VGroup, VGroup, Text]:
        """Axes, decade ticks with their grid lines, and the axis caption."""
        theme = self.theme
        logs = self.trace.extra_as(ResidualExtra)["log10_grad_norms"]
        plain, residual = logs["plain"], logs["residual"]
        self.depth = len(plain) - 1
        # Axis range in whole multiples of TICK_STEP decades around the data (layout only).
        low = TICK_STEP * int(np.floor(min(plain + residual) / TICK_STEP))
        high = TICK_STEP * int(np.ceil(max(plain + residual) / TICK_STEP))
        self.low, self.high = low, max(high, low + TICK_STEP)
        self.origin = np.array([-PLOT_WIDTH / 2 + 0.6, -PLOT_HEIGHT / 2 - 0.1, 0.0])
        point, depth = self._point, self.depth
        axes = VGroup(
            Line(point(0, low), point(depth, low), color=theme.grid_stroke),
            Line(point(0, low), point(0, self.high), color=theme.grid_stroke),
        )
        ticks = VGroup()
        for decade in range(low, self.high + 1, TICK_STEP):
            label = self.texts.text(
                f"10{str(decade).translate(_SUPERSCRIPT)}".replace("-", MINUS),
                SMALL_FONT,
                theme.muted,
            )
            ticks.add(label.next_to(point(0, decade), LEFT, buff=0.12))
            ticks.add(
                Line(
                    point(0, decade),
                    point(depth, decade),
                    color=theme.grid_stroke,
                    stroke_opacity=0.3,
                )
            )
        caption = self.label(self.tr("res.axis"))
        caption.next_to(axes, UP, buff=0.2)
        return axes, ticks, caption

    def _grad_curves(self) -> tuple[VGroup, VGroup, VGroup]:
        """One curve per stack, drawn from the output back to the input, a legend entry
        each with the norm at the input, and the plot's end labels."""
        trace, theme, depth = self.trace, self.theme, self.depth
        logs = trace.extra_as(ResidualExtra)["log10_grad_norms"]
        curves = VGroup()
        legend = VGroup()
        self.grad_texts: list[Text] = []
        norms = [trace.tensors["plain_grad_norms"][0], trace.tensors["residual_grad_norms"][0]]
        for values, norm, color, key in (
            (logs["plain"], norms[0], theme.negative, "res.plain"),
            (logs["residual"], norms[1], theme.output_ink, "res.residual"),
        ):
            # Points from the output (right) to the input (left): drawn as backprop runs.
            pts = [self._point(layer, values[layer]) for layer in range(depth, -1, -1)]
            curve = VMobject(color=color, stroke_width=4).set_points_as_corners(pts)
            dots = VGroup(*[Dot(p, radius=0.04, color=color) for p in pts])
            curves.add(VGroup(curve, dots))
            value = self.texts.text(scientific(norm), SMALL_FONT + 2, color)
            self.grad_texts.append(value)
            entry = VGroup(
                Line(ORIGIN, 0.4 * RIGHT, color=color, stroke_width=4),
                self.texts.text(self.tr(key), SMALL_FONT + 2, color),
                self.texts.text(self.tr("res.at_input"), SMALL_FONT, theme.muted),
                value,
            ).arrange(RIGHT, buff=0.15)
            legend.add(entry)
        legend.arrange(RIGHT, buff=0.8)
        ends = VGroup(
            self.texts.text(self.tr("res.end.input"), SMALL_FONT, theme.muted),
            self.texts.text(self.tr("res.end.output", depth=depth), SMALL_FONT, theme.muted),
        )
        ends[0].next_to(self._point(0, self.low), DOWN, buff=0.12)
        ends[1].next_to(self._point(depth, self.low), DOWN, buff=0.12)
        legend.next_to(ends, DOWN, buff=0.25)
        return curves, legend, ends
