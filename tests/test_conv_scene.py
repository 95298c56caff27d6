"""The conv scene shows the trace's numbers: dry-run constructs, no frames rendered."""

from __future__ import annotations

from pathlib import Path

import pytest

from explain.scenes.kit.widgets.numbers import format_number
from tests.conftest import build_trace, construct_scene


@pytest.mark.parametrize(
    "name", ["conv-stride", "conv-padding", "conv-dilation", "conv-multichannel"]
)
def test_output_grid_shows_the_trace_output(name: str, tmp_path: Path) -> None:
    trace = build_trace(name)
    scene = construct_scene(trace, tmp_path)
    output = trace.array("output")  # (O, Ho, Wo)
    for o, grid in enumerate(scene.outputs):
        expected = {
            (i, j): format_number(output[o, i, j])
            for i in range(output.shape[1])
            for j in range(output.shape[2])
        }
        assert grid.shown_values() == expected


def test_input_grid_shows_padded_input_and_kernel_shows_last_weights(tmp_path: Path) -> None:
    trace = build_trace("conv-multichannel")
    scene = construct_scene(trace, tmp_path)
    padded = trace.array("padded")  # (C, Hp, Wp)
    weight = trace.array("weight")  # (O, C, k, k)
    for ch, grid in enumerate(scene.inputs):
        assert grid.shown_values() == {
            (r, c): format_number(padded[ch, r, c])
            for r in range(padded.shape[1])
            for c in range(padded.shape[2])
        }
    last = weight.shape[0] - 1  # the scene ends showing the last kernel set
    for ch, grid in enumerate(scene.kernels):
        assert grid.shown_values() == {
            (r, c): format_number(weight[last, ch, r, c])
            for r in range(weight.shape[2])
            for c in range(weight.shape[3])
        }


def test_format_number() -> None:
    assert format_number(3.0) == "3"
    assert format_number(-2.0) == "\u22122"
    assert format_number(0.456) == "0.46"
    assert format_number(-0.001) == "0.00"
    with pytest.raises(ValueError):
        format_number(float("nan"))
