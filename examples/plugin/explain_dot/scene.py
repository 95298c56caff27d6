"""The dot product drawn from its trace with explain's kit: two rows of cells, the
products filling a third, their sum."""

from __future__ import annotations

from manim import DOWN, RIGHT, VGroup, config

from explain.scenes.kit.base import TraceScene
from explain.scenes.kit.motion import fade_in
from explain.scenes.kit.widgets.numbers import format_number
from explain.scenes.kit.widgets.tensor_grid import TensorGrid

MAX_CELL = 1.0
SIDE_ROOM = 3.0  # scene units left for the row labels and margins


class DotScene(TraceScene):
    """w, x and their products as rows of cells; the sum is the last step's total."""

    # The scene's own captions, in both languages (English stands in for a missing one).
    own_captions = {
        "en": {
            "title": "Dot product",
            "intro": "Two vectors of length {n}: multiply cell by cell, then add.",
            "step": "w{i} · x{i} = {product}",
            "outro": "w · x = {total}, checked against torch.dot.",
        },
        "zh": {
            "title": "点积",
            "intro": "两个长度为 {n} 的向量：逐个相乘，再相加。",
            "step": "w{i} · x{i} = {product}",
            "outro": "w · x = {total}，已与 torch.dot 核对。",
        },
    }

    def construct(self) -> None:
        trace, theme = self.trace, self.theme
        w, x = trace.tensors["w"], trace.tensors["x"]
        n = len(w)
        cell = min(MAX_CELL, (config.frame_width - SIDE_ROOM) / n)
        rows = {
            "w": TensorGrid(1, n, cell, theme, self.texts, theme.weight_fill, [w]),
            "x": TensorGrid(1, n, cell, theme, self.texts, theme.input_fill, [x]),
            "w·x": TensorGrid(1, n, cell, theme, self.texts, theme.output_fill, widest="−27"),
        }
        lines = [VGroup(self.label(k), grid).arrange(RIGHT, buff=0.3) for k, grid in rows.items()]
        labelled = VGroup(*lines).arrange(DOWN, buff=0.35, aligned_edge=RIGHT)
        title = self.title(self.tr("title"))
        self.play(fade_in(title), fade_in(labelled), run_time=0.6)
        self.say(self.tr("intro", n=n), hold=0.5)
        for step in trace.steps:
            i = step["index"]
            number = rows["w·x"].fill_in(0, i, step["product"])
            self.play(fade_in(number), run_time=0.3)
            product = format_number(step["product"])
            self.say(self.tr("step", i=i + 1, product=product), run_time=0.3)
        self.say(self.tr("outro", total=format_number(trace.tensors["output"])), hold=1.0)
