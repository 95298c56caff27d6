"""`network`: the layer language, shapes and counts against nn.Sequential, errors, the scene."""

from __future__ import annotations

import copy
import math
import re
from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image
from torch import nn
from typer.testing import CliRunner

from explain.mlcore.netspec import (
    MAX_CHANNELS,
    MAX_LAYERS,
    MAX_MULTS,
    parse_layers,
)
from explain.mlcore.network import NetworkParams, network_trace, verify_network_trace
from explain.mlcore.params import ParamError, parse_params
from explain.scenes.cli import app
from tests.conftest import assert_inside_frame, build_trace, construct_scene

DEEP = (
    "conv(8,3,padding=1) relu conv(8,3,stride=2) tanh avgpool(2) sigmoid conv(6,2) relu"
    " flatten linear(12) relu linear(4)"
)


def test_the_course_network_has_the_course_shapes_and_counts() -> None:
    trace = network_trace(NetworkParams())
    shapes = [e["shape"] for e in trace.extra["layers"]]
    assert shapes == [
        [10, 24, 24],
        [10, 12, 12],
        [10, 12, 12],
        [20, 8, 8],
        [20, 4, 4],
        [20, 4, 4],
        [320],
        [10],
    ]
    assert [e["params"] for e in trace.extra["layers"]] == [260, 0, 0, 5020, 0, 0, 0, 3210]
    assert trace.extra["layers"][0]["mults"] == 10 * 24 * 24 * 25
    assert trace.extra["totals"] == {"params": 8490, "mults": 144000 + 320000 + 3200}
    assert trace.extra["input_shape"] == [1, 28, 28]
    assert len(trace.tensors["layer1"]) == 8  # channels capped for the frame


# --- random valid models against nn.Sequential -----------------------------------------------
@st.composite
def valid_models(draw: st.DrawFn) -> tuple[str, str]:
    """A random model that PyTorch accepts, within the limits, as (layers, input) text."""
    c = draw(st.integers(1, 3))
    h, w = draw(st.integers(3, 24)), draw(st.integers(3, 24))
    shape, layers = [c, h, w], []
    for _ in range(draw(st.integers(1, MAX_LAYERS - 4))):  # room for flatten linear relu linear
        choice = draw(st.sampled_from(["conv", "pool", "act"]))
        if choice == "conv":
            pad = draw(st.integers(0, 2))
            k = draw(st.integers(1, min(shape[1] + 2 * pad, shape[2] + 2 * pad, 11)))
            s = draw(st.integers(1, 3))
            out = draw(st.integers(1, 8))
            extra = (f",stride={s}" if s > 1 else "") + (f",padding={pad}" if pad else "")
            layers.append(f"conv({out},{k}{extra})")  # compact: 200 characters at most
            shape = [out, (shape[1] + 2 * pad - k) // s + 1, (shape[2] + 2 * pad - k) // s + 1]
        elif choice == "pool":
            k = draw(st.integers(1, min(shape[1], shape[2])))
            layers.append(f"{draw(st.sampled_from(['maxpool', 'avgpool']))}({k})")
            shape = [shape[0], shape[1] // k, shape[2] // k]
        else:
            layers.append(draw(st.sampled_from(["relu", "sigmoid", "tanh", "softmax"])))
    if math.prod(shape) <= 4096 and draw(st.booleans()):
        layers += ["flatten", f"linear({draw(st.integers(1, 20))})"]
        layers += draw(st.sampled_from([[], ["softmax"], ["relu", "linear(3)"]]))
    return " ".join(layers), draw(st.sampled_from(["x", "X", " x "])).join(map(str, (c, h, w)))


def _reference(layers: list[str], x: torch.Tensor, seed: int) -> list[nn.Module]:
    """nn modules built the plain way, in the order PyTorch users write them, on real shapes."""
    modules: list[nn.Module] = []
    h = x[None]
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        for spec in parse_layers(" ".join(layers)):
            if spec.op == "conv":
                m: nn.Module = nn.Conv2d(
                    h.shape[1], spec.out, spec.kernel, spec.stride, spec.padding
                )
            elif spec.op == "linear":
                m = nn.Linear(h.shape[1], spec.out)
            else:
                m = {
                    "maxpool": nn.MaxPool2d(spec.kernel or 1),
                    "avgpool": nn.AvgPool2d(spec.kernel or 1),
                    "relu": nn.ReLU(),
                    "sigmoid": nn.Sigmoid(),
                    "tanh": nn.Tanh(),
                    "flatten": nn.Flatten(),
                    "softmax": nn.Softmax(dim=1),
                }[spec.op]
            m = m.double()
            with torch.no_grad():
                h = m(h)
            modules.append(m)
    return modules


@settings(max_examples=25, deadline=None)
@given(valid_models(), st.integers(0, 2**31 - 1))
def test_random_models_match_nn_sequential(model: tuple[str, str], seed: int) -> None:
    layers, shape = model
    params = parse_params(NetworkParams, {"layers": layers, "input": shape, "seed": str(seed)})
    trace = network_trace(params)
    verify_network_trace(trace)
    x = torch.tensor(trace.tensors["input"], dtype=torch.float64)
    net = nn.Sequential(*_reference(layers.split(" "), x, seed))
    h = x[None]
    with torch.no_grad():
        for module, entry in zip(net, trace.extra["layers"], strict=True):
            h = module(h)
            assert entry["shape"] == list(h.shape[1:])
            assert entry["params"] == sum(p.numel() for p in module.parameters())
            got = torch.tensor(trace.tensors[entry["tensor"]], dtype=torch.float64)
            assert torch.allclose(got, h[0][: len(got)], atol=1e-9)


# --- invalid specs: one line naming the layer, never a traceback ----------------------------
@pytest.mark.parametrize(
    ("layers", "words"),
    [
        ("conv(10,5) pool(2)", ["layer 2 'pool(2)'", "unknown layer", "maxpool"]),
        ("conv(0,5)", ["layer 1 'conv(0,5)'", "OUT", "zero or negative"]),
        ("conv(10,-3)", ["layer 1", "K", "zero or negative"]),
        ("conv(10,30)", ["layer 1", "at most 11"]),
        ("conv(4,11) conv(4,11) conv(4,11)", ["layer 3 'conv(4,11)'", "larger than its input 8×8"]),
        ("conv(4,5) linear(10)", ["layer 2 'linear(10)'", "add flatten"]),
        ("flatten conv(2,3)", ["layer 2", "before flatten"]),
        ("conv(10,5 relu", ["layer 1", "unbalanced parentheses"]),
        ("relu) relu", ["layer 1", "unbalanced parentheses"]),
        ("conv(10,5) )", ["layer 2", "unbalanced parentheses"]),
        ("conv(10,5)relu", ["layer 1", "separate layers with spaces"]),
        ("conv(10)", ["layer 1", "missing K", "conv(OUT, K"]),
        ("conv(10,5,2)", ["layer 1", "too many arguments"]),
        ("conv(10,5,dilation=2)", ["layer 1", "no argument 'dilation'"]),
        ("relu(3)", ["layer 1", "takes no arguments"]),
        ("linear(1.5)", ["layer 1", "whole number"]),
        ("conv(10,__import__('os'))", ["layer 1", "whole number"]),
        ("conv(10,5) relu(", ["layer 2 'relu('", "unbalanced parentheses"]),
        (" ".join(["relu"] * 13), [f"at most {MAX_LAYERS} layers (got 13)"]),
        (f"conv({MAX_CHANNELS + 1},3)", [f"at most {MAX_CHANNELS}"]),
        ("conv(64,3) conv(64,3)", [f"at most {MAX_MULTS:,}"]),
        ("   ", ["at least one layer"]),
    ],
)
def test_bad_specs_name_the_layer_and_what_is_allowed(layers: str, words: list[str]) -> None:
    with pytest.raises(ParamError) as err:
        parse_params(NetworkParams, {"layers": layers})
    message = str(err.value)
    assert message.startswith("layers: ") and "\n" not in message
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("shape", ["1x28", "0x5x5", "4x8x8", "1x65x8", "1*28*28", "a"])
def test_bad_input_shapes_say_what_is_allowed(shape: str) -> None:
    with pytest.raises(ParamError, match=r"^input: must be CxHxW with C from 1 to 3"):
        parse_params(NetworkParams, {"input": shape})


WHOLE_MODEL = (
    r"at least one layer|at most \d+ layers|character .* is not allowed|too long|multiplications"
)
FRAGMENTS = ["conv", "maxpool", "linear", "relu", "flatten", "(", ")", ",", "=", " ", "5", "0"]
FRAGMENTS += ["-1", "stride", "x", "pool", "99", "1.5", "\t", "softmax(", "import"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=30) | st.text(max_size=60))
def test_random_text_is_a_model_or_one_line(pieces: list[str] | str) -> None:
    text = pieces if isinstance(pieces, str) else "".join(pieces)
    try:
        params = parse_params(NetworkParams, {"layers": text})
    except ParamError as err:
        message = str(err)
        assert message.startswith("layers: ") and "\n" not in message and len(message) < 300
        # Names the layer, or says which limit of the whole model was passed.
        assert re.search(WHOLE_MODEL + r"|layer \d+ ['\"]", message), message
        return
    trace = network_trace(params)  # what parses also builds and verifies
    verify_network_trace(trace)


def test_the_verifier_catches_a_wrong_shape_count_or_value() -> None:
    trace = network_trace(NetworkParams(layers="conv(3,3) relu flatten linear(4)", input="1x6x6"))
    for change in ("shape", "params", "mults", "value"):
        bad = copy.deepcopy(trace)
        entry = bad.extra["layers"][0]
        if change == "shape":
            entry["shape"] = [3, 5, 4]
        elif change == "value":
            bad.tensors["layer1"][0][0][0] += 1e-6
        else:
            entry[change] += 1
        with pytest.raises(AssertionError):
            verify_network_trace(bad)


# --- the command line -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("sets", "start"),
    [
        (["layers=conv(10,5) pool(2)"], "error: layers: layer 2 'pool(2)'"),
        (["input=1x28"], "error: input: "),
        (["image=/nonexistent/picture.png"], "error: image: no such file"),
    ],
)
def test_cli_bad_network_is_exit_2_one_line_no_file(
    sets: list[str], start: str, tmp_path: Path
) -> None:
    out = tmp_path / "net.png"
    args = ["render", "network", "--format", "png", "--out", str(out)]
    for item in sets:
        args += ["--set", item]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(start), result.stderr
    assert list(tmp_path.iterdir()) == []


# --- the scene ------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_deep_model_stays_inside_the_frame(lang: str, tmp_path: Path) -> None:
    scene = construct_scene(
        build_trace("network", layers=DEEP, input="3x20x30"), tmp_path, lang=lang
    )
    assert_inside_frame(scene)


def test_a_picture_through_a_wide_model_stays_inside_the_frame(tmp_path: Path) -> None:
    picture = tmp_path / "wide.png"
    Image.new("RGB", (90, 30), (20, 200, 90)).save(picture)
    trace = build_trace(
        "network", image=str(picture), input="3x16x64", layers="conv(64,3) maxpool(2) relu"
    )
    assert_inside_frame(construct_scene(trace, tmp_path))


@pytest.mark.parametrize(
    ("layers", "shape"),
    [
        ("relu", "1x1x1"),  # one layer on one value
        ("flatten linear(4096) softmax", "3x8x8"),  # the longest vector, as a strip
        ("conv(64,1) maxpool(64)", "2x64x64"),  # 8 of 64 channels; a global pool to 1x1
        ("avgpool(2) sigmoid flatten linear(1)", "1x3x64"),  # a flat, wide input
    ],
)
def test_edge_models_construct_inside_the_frame(layers: str, shape: str, tmp_path: Path) -> None:
    trace = build_trace("network", layers=layers, input=shape)
    verify_network_trace(trace)
    assert_inside_frame(construct_scene(trace, tmp_path))
