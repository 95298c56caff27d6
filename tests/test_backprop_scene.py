"""The backprop scene constructs and every number it shows is the trace's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from explain.mlcore.trace import Trace
from explain.scenes.registry import get
from explain.scenes.topics.backprop import BOTTOM_RESERVED, TOP_RESERVED, _num
from tests.conftest import build_trace, construct_scene


def shown(text: str) -> str:
    return text.replace(" ", "")  # Manim's Text.text drops spaces


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        ("backprop", {}),
        ("backprop", {"expr": "w*w - x/w", "values": "w=2,x=3", "params": "w", "lr": "0.1"}),
    ],
)
def test_scene_shows_the_trace_numbers(
    name: str, overrides: dict[str, str], tmp_path: Path
) -> None:
    trace = build_trace(name, **overrides)
    scene: Any = construct_scene(trace, tmp_path)
    nodes = trace.extra["graph"]["nodes"]
    updated = {s["node"]: s for s in trace.steps if s["phase"] == "update"}
    for node, view in zip(nodes, scene.views):
        assert view.label.text == shown(node["label"])
        if node["op"] == "const":
            assert view.value is None and view.grad is None
            continue
        expected_value = (
            updated[node["id"]]["new_value"] if node["id"] in updated else node["value"]
        )
        assert view.value.text == shown(_num(expected_value))
        assert view.grad.text == shown(f"grad {_num(node['grad'])}")

    # Every backward step's chain rule line, with the trace's numbers, in order.
    chains = [b for _, b in scene.lines_shown if b.startswith("upstream")]
    backward = [s for s in trace.steps if s["phase"] == "backward"]
    assert len(chains) == len(backward)
    for line, step in zip(chains, backward):
        assert _num(step["upstream"]) in line and line.endswith(_num(step["product"]))
    # Two-path gradients appear as a visible sum of their terms.
    for step in (s for s in trace.steps if s["phase"] == "sum"):
        terms = " + ".join(
            t if i == 0 or not t.startswith("\u2212") else f"({t})"
            for i, t in enumerate(_num(x) for x in step["terms"])
        )
        assert scene.lines_shown[
            [b for _, b in scene.lines_shown].index(f"{terms} = {_num(step['grad'])}")
        ]
    # The update line and the node's new value.
    for step in updated.values():
        assert any(
            b.endswith(f"= {_num(step['new_value'])}") and b.startswith(step["name"])
            for _, b in scene.lines_shown
        )
        assert scene.update_texts[step["name"]].text == shown(_num(step["new_value"]))


def placed_scene(trace: Trace, tmp_path: Path) -> Any:
    """The scene with its graph placed (boxes and edges built), without playing anything."""
    from manim import tempconfig

    from explain.scenes.app.render import MANIM_SETTINGS

    settings = dict(MANIM_SETTINGS, dry_run=True, media_dir=str(tmp_path), quality="low_quality")
    with tempconfig(settings):
        scene = get(trace.scene).scene_class()(trace=trace)
        scene._place()
    return scene


@pytest.mark.parametrize(
    ("expr", "values"),
    [
        ("sigmoid(w*x + b)*tanh(w)", "x=2,w=1,b=0.5"),
        ("log(x*x + 1) + sin(x)*cos(y)", "x=0.7,y=-1.2"),
        ("sigmoid(w*x + b)*(1 - sigmoid(w*x + b))", "x=2,w=1,b=0.5"),
        ("sin(exp(sin(exp(sin(exp(w))))))", "w=1"),  # the widest allowed
        ("(w*x + b*y)*(w*x + b*y)", "x=1,w=1,b=1,y=1"),
    ],
)
def test_nodes_do_not_overlap_on_screen(expr: str, values: str, tmp_path: Path) -> None:
    scene = placed_scene(build_trace("backprop", expr=expr, values=values), tmp_path)
    boxes = [v.box for v in scene.views]
    for i, a in enumerate(boxes):
        assert a.get_left()[0] >= -7.12 and a.get_right()[0] <= 7.12
        # Clear of the title above and of the formula lines and caption below.
        assert a.get_top()[1] <= 4.0 - TOP_RESERVED + 1e-6
        assert a.get_bottom()[1] >= -4.0 + BOTTOM_RESERVED - 1e-6
        for b in boxes[i + 1 :]:
            apart_x = abs(a.get_center()[0] - b.get_center()[0]) >= a.width - 1e-6
            apart_y = abs(a.get_center()[1] - b.get_center()[1]) >= a.height - 1e-6
            assert apart_x or apart_y
        for text in (scene.views[i].label,):
            assert text.width <= a.width
