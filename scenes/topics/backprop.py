"""The backprop scene: a computation graph, its forward values and its gradients, from a trace.

Nodes sit where the trace's layered layout puts them (columns left to right, the output
rightmost). Every number drawn is a value, local derivative, product, sum or update
recorded in the trace; the scene only places and formats them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import (
    DOWN,
    UP,
    Arrow,
    Create,
    Line,
    RoundedRectangle,
    Text,
    VGroup,
    VMobject,
    config,
)

from explain.mlcore.backprop import (
    BackpropExtra,
    BackwardStep,
    ForwardStep,
    GraphNode,
    SeedStep,
    SumStep,
    UpdateStep,
    backprop_steps,
    phase_steps,
)
from explain.scenes.kit.base import TraceScene
from explain.scenes.kit.layout import GRAPH_BANDS
from explain.scenes.kit.motion import fade_in, fade_out
from explain.scenes.kit.widgets.numbers import MINUS, format_number

# Room kept free for the title (top) and for two formula lines and the caption (bottom).
TOP_RESERVED, BOTTOM_RESERVED, SIDE_MARGIN = GRAPH_BANDS  # title, caption, sides
# A node at scale 1 (scene units); the graph is scaled to fit, at most MAX_SCALE.
BOX_W = 1.45
BOX_H = 1.0
GAP_X = 0.6
GAP_Y = 0.24
MAX_SCALE = 1.3
LABEL_SIZE = 23.0
VALUE_SIZE = 21.0
GRAD_SIZE = 18.0
LINE_SIZE = 22.0
TEXT_ROW = 0.3  # label, value and gradient rows, as fractions of the box height from centre
TEXT_WIDTH = 0.9  # text wider than this fraction of the box shrinks
ATTACH_SPREAD = 0.45  # incoming edges spread over this fraction of the box height
EDGE_WIDTH = 2.5
LIT_WIDTH = 6.0
FORWARD_SECONDS = 3.0  # the operations' values share about this much time
BACKWARD_SECONDS = 5.0  # the backward steps share about this much time

_SYMBOLS = {"add": "+", "sub": MINUS, "mul": "×", "div": "÷"}


@dataclass
class NodeView:
    box: RoundedRectangle
    label: Text
    value: Text | None = None
    grad: Text | None = None


class BackpropScene(TraceScene):
    """Forward values node by node, backward gradients edge by edge, then one update step."""

    def construct(self) -> None:
        self.lines_shown: list[tuple[str, str]] = []  # formula lines, for tests
        self.captions: list[str] = []
        self._lines: VGroup = VGroup()
        self._lit: list[VMobject] = []
        self._place()

        title = self.title(
            self.tr("backprop.title", expr=self.trace.extra_as(BackpropExtra)["expr_text"])
        )
        views = [VGroup(v.box, v.label) for v in self.views]
        self.play(fade_in(title), *[fade_in(v) for v in views], run_time=0.6)
        self.play(*[Create(e) for e in self.edge_mobs], run_time=0.5)
        self._say(self.tr("backprop.intro"), hold=1.2)
        self._forward()
        self._backward()
        self._update()
        self._accumulate()

    # --- layout -----------------------------------------------------------------------
    def _place(self) -> None:
        """Boxes at the trace's (column, row) positions, scaled to fit; edges between them."""
        graph = self.trace.extra_as(BackpropExtra)["graph"]
        self.nodes: list[GraphNode] = graph["nodes"]
        self.edges: list[list[Any]] = graph["edges"]
        self.updated: set[str] = set(self.trace.extra_as(BackpropExtra)["updated"])
        layout = self.trace.extra_as(BackpropExtra)["layout"]
        pos = layout["pos"]
        rows = [r for _, r in pos] + [r for pts in layout["bends"] for _, r in pts]
        span = max(rows) - min(rows)
        cols = layout["columns"]
        avail_w = config.frame_width - 2 * SIDE_MARGIN
        avail_h = config.frame_height - TOP_RESERVED - BOTTOM_RESERVED
        scale = min(
            MAX_SCALE,
            avail_w / (cols * BOX_W + (cols - 1) * GAP_X),
            avail_h / (BOX_H + span * (BOX_H + GAP_Y)),
        )
        self.box_w, self.box_h = BOX_W * scale, BOX_H * scale
        self.scale_ = scale
        pitch_x, pitch_y = (BOX_W + GAP_X) * scale, (BOX_H + GAP_Y) * scale
        width = (cols - 1) * pitch_x + self.box_w
        height = span * pitch_y + self.box_h
        centre_y = (BOTTOM_RESERVED - TOP_RESERVED) / 2
        left = -width / 2 + self.box_w / 2
        top = centre_y + height / 2 - self.box_h / 2

        def point(col: float, row: float) -> np.ndarray:
            return np.array([left + col * pitch_x, top - (row - min(rows)) * pitch_y, 0.0])

        self.centres = [point(c, r) for c, r in pos]
        self.views = [self._node_view(n, centre) for n, centre in zip(self.nodes, self.centres)]
        self.edge_mobs = [self._edge(e, bends, point) for e, bends in enumerate(layout["bends"])]

    def _colour(self, node: GraphNode) -> str:
        theme = self.theme
        if node["id"] == len(self.nodes) - 1:
            return theme.output_fill
        if node["op"] == "var":
            return theme.weight_fill if node["label"] in self.updated else theme.input_fill
        if node["op"] == "const":
            return theme.padding_fill
        return theme.grid_stroke

    def _node_view(self, node: GraphNode, centre: np.ndarray) -> NodeView:
        colour = self._colour(node)
        box = RoundedRectangle(
            width=self.box_w,
            height=self.box_h,
            corner_radius=0.12 * self.scale_,
            stroke_color=self.theme.ink(colour),
            stroke_width=3.0,
            fill_color=colour,
            fill_opacity=0.35 if node["op"] in ("var", "const") else 0.12,
        ).move_to(centre)
        label = self._fit(node["label"], LABEL_SIZE, self.theme.text)
        # A constant's label is its value: centred, it needs no value or gradient line.
        row = 0.0 if node["op"] == "const" else TEXT_ROW * self.box_h
        label.move_to(centre + UP * row)
        return NodeView(box, label)

    def _fit(self, content: str, size: float, colour: str) -> Text:
        mob = self.texts.text(content, size * self.scale_, colour)
        if mob.width > TEXT_WIDTH * self.box_w:
            mob.scale_to_fit_width(TEXT_WIDTH * self.box_w)
        return mob

    def _edge(self, e: int, bends: list[list[float]], point: Any) -> VGroup:
        src, dst, _ = self.edges[e]
        start = self.centres[src] + np.array([self.box_w / 2, 0.0, 0.0])
        corners = [start]
        for col, row in bends:  # cross a column horizontally, in its free slot
            half = np.array([self.box_w / 2, 0.0, 0.0])
            corners += [point(col, row) - half, point(col, row) + half]
        end = self._attach(e)
        segments: list[VMobject] = [Line(a, b) for a, b in zip(corners[:-1], corners[1:])]
        tip = 0.14 * self.scale_
        segments.append(
            Arrow(corners[-1], end, buff=0.0, tip_length=tip, max_tip_length_to_length_ratio=0.5)
        )
        group = VGroup(*segments)
        group.set_stroke(self.theme.muted, width=EDGE_WIDTH)
        group.set_color(self.theme.muted)
        return group

    def _attach(self, e: int) -> np.ndarray:
        """Where edge ``e`` enters its consumer: incoming edges spread top to bottom in the
        order of where they come from, so that they do not cross at the node."""
        dst = self.edges[e][1]
        incoming = [i for i, edge in enumerate(self.edges) if edge[1] == dst]
        layout = self.trace.extra_as(BackpropExtra)["layout"]

        def came_from(i: int) -> float:
            bends = layout["bends"][i]
            return float(bends[-1][1] if bends else layout["pos"][self.edges[i][0]][1])

        ordered = sorted(incoming, key=lambda i: (came_from(i), i))
        k = len(ordered)
        offset = 0.0 if k == 1 else (ordered.index(e) / (k - 1) - 0.5) * ATTACH_SPREAD
        left = self.centres[dst] - np.array([self.box_w / 2, 0.0, 0.0])
        return left + DOWN * offset * self.box_h

    # --- text in the formula area and captions -------------------------------------------
    def _say(self, text: str, hold: float = 0.0) -> None:
        self.captions.append(text)
        self.say(text, hold=hold)

    def _line_anims(self, first: str, second: str) -> list[Any]:
        """Replace the two formula lines above the caption.

        They change at once, without a fade: fading copies every glyph, and these lines
        change on every step.
        """
        self.lines_shown.append((first, second))
        width = config.frame_width - 2 * SIDE_MARGIN
        new = VGroup(
            self.texts.fitted(first, width, LINE_SIZE, self.theme.muted),
            self.texts.fitted(second, width, LINE_SIZE, self.theme.text),
        ).arrange(DOWN, buff=0.12)
        self.caption.place_above(new, 0.2)
        self.remove(self._lines)
        self.add(new)
        self._lines = new
        return []

    def _value_text(self, nid: int, value: float, colour: str | None = None) -> Text:
        view = self.views[nid]
        mob = self._fit(_num(value), VALUE_SIZE, colour or self.theme.text)
        mob.move_to(self.centres[nid])
        view.value = mob
        return mob

    def _grad_text(self, nid: int, shown: str, value: float) -> Text:
        view = self.views[nid]
        colour = self.theme.negative if value < 0 else self.theme.text
        mob = self._fit(f"{self.tr('backprop.grad')} {shown}", GRAD_SIZE, colour)
        mob.move_to(self.centres[nid] + DOWN * TEXT_ROW * self.box_h)
        view.grad = mob
        return mob

    def _swap_grad(self, nid: int, shown: str, value: float) -> list[Any]:
        old = self.views[nid].grad
        new = self._grad_text(nid, shown, value)
        if old is not None:
            self.remove(old)
        return [fade_in(new)]

    def _light(self, mobs: Sequence[VMobject]) -> list[Any]:
        """Highlight ``mobs`` and return the previous highlight to normal.

        Recoloured at once rather than animated: an animated recolour copies every edge,
        which costs more than the rest of the scene, and the next play shows the change.
        """
        for mob in self._lit:
            if mob not in mobs:
                mob.set_stroke(self.theme.muted, width=EDGE_WIDTH)
                mob.set_fill(self.theme.muted)
        for mob in mobs:
            mob.set_stroke(self.theme.highlight, width=LIT_WIDTH)
            mob.set_fill(self.theme.highlight)
        self._lit = list(mobs)
        return []

    # --- forward ------------------------------------------------------------------------
    def _forward(self) -> None:
        steps = phase_steps(self.trace, "forward", ForwardStep)
        # A constant's label is its value already: only variables get a value line.
        leaves = [s for s in steps if self.nodes[s["node"]]["op"] == "var"]
        ops = [s for s in steps if self.nodes[s["node"]]["op"] not in ("var", "const")]
        self._say(self.tr("backprop.forward"))
        self.play(*[fade_in(self._value_text(s["node"], s["value"])) for s in leaves], run_time=0.6)
        run_time = float(np.clip(FORWARD_SECONDS / max(1, len(ops)), 0.35, 0.9))
        for step in ops:
            nid = step["node"]
            node = self.nodes[nid]
            incoming = [self.edge_mobs[e] for e, edge in enumerate(self.edges) if edge[1] == nid]
            anims = self._light(incoming)
            anims += self._line_anims(node["text"], self._calc(nid, step["value"]))
            anims.append(fade_in(self._value_text(nid, step["value"])))
            self.play(*anims, run_time=run_time)
        self._light([])
        root = self.nodes[-1]
        self._say(self.tr("backprop.forward_done", value=_num(root["value"])), hold=0.6)

    def _calc(self, nid: int, value: float) -> str:
        """'2 + 0.5 = 2.5' from the arguments' recorded values."""
        node = self.nodes[nid]
        args = [_paren(_num(self.nodes[e[0]]["value"])) for e in self.edges if e[1] == nid]
        result = _num(value)
        op = node["op"]
        if op in _SYMBOLS:
            return f"{args[0]} {_SYMBOLS[op]} {args[1]} = {result}"
        if op == "pow":
            return f"{args[0]}^{args[1]} = {result}"
        if op == "neg":
            return f"{MINUS}{args[0]} = {result}"
        return f"{op}({_num(self.nodes[_args(self.edges, nid)[0]]['value'])}) = {result}"

    # --- backward -----------------------------------------------------------------------
    def _backward(self) -> None:
        root = len(self.nodes) - 1
        seed = phase_steps(self.trace, "seed", SeedStep)[0]
        self._say(self.tr("backprop.seed"))
        self.views[root].box.set_stroke(self.theme.highlight)
        self.play(*self._swap_grad(root, _num(seed["grad"]), seed["grad"]), run_time=0.6)
        self._say(self.tr("backprop.backward"))
        steps = [s for s in backprop_steps(self.trace) if s["phase"] in ("backward", "sum")]
        run_time = float(np.clip(BACKWARD_SECONDS / max(1, len(steps)), 0.4, 1.0))
        partial: dict[int, list[float]] = {}
        for step in steps:
            if step["phase"] == "backward":
                self._edge_step(step, partial, run_time)
            elif step["phase"] == "sum":
                self._sum_step(step, run_time)
        self._light([])
        self.views[root].box.set_stroke(self._colour(self.nodes[root]))

    def _edge_step(self, step: BackwardStep, partial: dict[int, list[float]], rt: float) -> None:
        src, dst, k = step["from"], step["to"], self._slot(step["edge"])
        local_text = _num(step["local"])
        rule = self.tr(f"backprop.rule.{self.nodes[dst]['op']}.{k}")
        first = self.tr(
            "backprop.local",
            to=self.nodes[dst]["text"],
            frm=_wrap(self.nodes[src]["text"]),
            local=local_text,
            rule=rule,
        )
        second = self.tr(
            "backprop.chain",
            up=_num(step["upstream"]),
            local=_paren(local_text),
            down=_num(step["product"]),
        )
        terms = partial.setdefault(src, [])
        terms.append(step["product"])
        shown = _sum_text(terms)
        anims = self._light([self.edge_mobs[step["edge"]]])
        anims += self._line_anims(first, second)
        anims += self._swap_grad(src, shown, step["grad_so_far"])
        self.play(*anims, run_time=rt)
        self.wait(rt * 0.3)

    def _sum_step(self, step: SumStep, rt: float) -> None:
        nid = step["node"]
        terms = _sum_text(step["terms"])
        total = _num(step["grad"])
        into = [self.edge_mobs[e] for e, edge in enumerate(self.edges) if edge[0] == nid]
        anims = self._light(into)
        anims += self._line_anims(
            self.tr("backprop.sum", name=self.nodes[nid]["text"], n=len(step["terms"])),
            f"{terms} = {total}",
        )
        anims += self._swap_grad(nid, total, step["grad"])
        self.play(*anims, run_time=max(rt, 0.7))
        self.wait(0.6)

    def _slot(self, e: int) -> int:
        """Argument position of edge ``e`` at its consumer."""
        dst = self.edges[e][1]
        return [i for i, edge in enumerate(self.edges) if edge[1] == dst].index(e)

    # --- update -------------------------------------------------------------------------
    def _update(self) -> None:
        steps = phase_steps(self.trace, "update", UpdateStep)
        if not steps:
            self._say(self.tr("backprop.no_params", params=self.trace.params["params"]), hold=1.0)
            return
        lr = _num(steps[0]["lr"], decimals=4)
        self._say(self.tr("backprop.update", lr=lr))
        self.update_texts: dict[str, Text] = {}
        for step in steps:
            nid = step["node"]
            old = self.views[nid].value
            new = self._value_text(nid, step["new_value"], self.theme.accent)
            self.update_texts[step["name"]] = new
            line = self.tr(
                "backprop.update_line",
                name=step["name"],
                value=_num(step["value"]),
                lr=lr,
                grad=_paren(_num(step["grad"])),
                new=_num(step["new_value"]),
            )
            anims = self._line_anims(self.tr("backprop.update_rule"), line)
            anims += [fade_in(new)] + ([fade_out(old)] if old is not None else [])
            self.views[nid].box.set_stroke(self.theme.highlight)
            self.play(*anims, run_time=0.7)
            self.wait(0.5)
        after = self.trace.extra_as(BackpropExtra)["after_update"]
        if after["value"] is None:
            self._say(self.tr("backprop.after_undefined"), hold=1.0)
        else:
            self._say(
                self.tr(
                    "backprop.after",
                    before=_num(after["before"]),
                    after=_num(after["value"]),
                ),
                hold=1.4,
            )

    def _accumulate(self) -> None:
        """A second backward() without zeroing: the recorded .grad doubles."""
        acc = self.trace.extra_as(BackpropExtra)["accumulate"]
        line = self.tr(
            "backprop.accumulate_line",
            name=acc["name"],
            once=_num(acc["once"]),
            twice=_num(acc["twice"]),
        )
        self._line_anims(self.tr("backprop.accumulate"), line)
        self.wait(0.5)
        self._say(self.tr("backprop.zero_grad"), hold=2.0)


def _args(edges: list[list[Any]], nid: int) -> list[int]:
    return [e[0] for e in edges if e[1] == nid]


def _sum_text(terms: list[float]) -> str:
    """'−0.39 + 0.11': the first term bare, later negative ones in parentheses."""
    shown = [_num(t) for t in terms]
    return " + ".join([shown[0]] + [_paren(t) for t in shown[1:]])


def _num(value: float, decimals: int = 3) -> str:
    """A trace number with up to ``decimals`` decimals and no trailing zeros: 2.5, 0.053."""
    text = format_number(value, decimals)
    return text.rstrip("0").rstrip(".") if "." in text else text


def _paren(number: str) -> str:
    """Negative numbers in parentheses so that '3 × (−1)' reads as a product."""
    return f"({number})" if number.startswith(MINUS) else number


def _wrap(text: str) -> str:
    """A compound sub-expression in parentheses after ∂."""
    return text if text.replace(".", "").isalnum() else f"({text})"
