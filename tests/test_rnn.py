"""RNN traces against nn.RNNCell / nn.RNN / nn.Embedding, bad input, and what the scenes show."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from explain.mlcore.params import ParamError, check_params
from explain.mlcore.rnn import (
    EmbeddingParams,
    LayersParams,
    RnnParams,
    embedding_trace,
    rnn_layers_trace,
    rnn_unroll_trace,
    verify_embedding_trace,
    verify_rnn_layers_trace,
    verify_rnn_unroll_trace,
)
from explain.scenes.kit.widgets.numbers import format_number
from tests.conftest import build_trace, construct_scene

D = torch.float64
TIGHT = 1e-12


def _t(values: object) -> torch.Tensor:
    return torch.tensor(values, dtype=D)


def test_vocabulary_is_the_courses_and_inputs_are_one_hot() -> None:
    trace = build_trace("rnn-unroll")
    assert trace.extra["vocab"] == ["e", "h", "l", "o"]
    x = _t(trace.tensors["inputs"])  # (T, V)
    assert torch.equal(x, torch.eye(4, dtype=D)[[1, 0, 2, 2, 3]])  # h e l l o
    assert trace.extra["labels"] == [3, 1, 2, 3, 2]  # o h l o l


def _unroll_params() -> st.SearchStrategy[RnnParams]:
    letters = st.sampled_from("abcde")
    return st.integers(1, 6).flatmap(
        lambda n: st.builds(
            RnnParams,
            input=st.text(letters, min_size=n, max_size=n),
            target=st.text(letters, min_size=n, max_size=n),
            hidden_size=st.integers(1, 8),
            epochs=st.integers(1, 3),
            lr=st.sampled_from([0.01, 0.1, 0.5]),
            seed=st.integers(0, 1000),
        )
    )


@settings(max_examples=15, deadline=None)
@given(_unroll_params())
def test_unrolled_hidden_states_equal_rnncell_and_rnn(params: RnnParams) -> None:
    check_params(params)
    trace = rnn_unroll_trace(params)
    tens = {k: _t(v) for k, v in trace.tensors.items()}
    x = tens["inputs"]  # (T, V)
    v, h = x.shape[1], params.hidden_size
    cell = nn.RNNCell(v, h).to(D)
    rnn = nn.RNN(v, h).to(D)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(tens[name])
            getattr(rnn, f"{name}_l0").copy_(tens[name])
        state = torch.zeros(1, h, dtype=D)
        for t in range(x.shape[0]):
            state = cell(x[t : t + 1], state)  # (1, H)
            assert torch.allclose(state[0], tens["hidden"][t], atol=TIGHT, rtol=0)
            step = trace.steps[t]
            assert torch.allclose(_t(step["h"]), state[0], atol=TIGHT, rtol=0)
            h_prev = tens["h0"] if t == 0 else tens["hidden"][t - 1]
            assert torch.equal(_t(step["h_prev"]), h_prev)
        out, h_n = rnn(x[:, None])  # (T, 1, H), (1, 1, H)
    assert torch.allclose(out[:, 0], tens["hidden"], atol=TIGHT, rtol=0)
    assert torch.allclose(h_n[0, 0], tens["hidden"][-1], atol=TIGHT, rtol=0)
    # Scores: h_t itself when H == V (the course), else a Linear readout.
    assert ("weight_out" in tens) == (h != v)
    losses = F.cross_entropy(tens["scores"], torch.tensor(trace.extra["labels"]), reduction="none")
    assert torch.allclose(losses, tens["step_loss"], atol=TIGHT, rtol=0)
    assert trace.extra["epochs"][0]["loss"] == pytest.approx(float(losses.sum()), abs=1e-9)
    verify_rnn_unroll_trace(trace)


def test_default_training_reaches_the_target() -> None:
    trace = build_trace("rnn-unroll")
    epochs = trace.extra["epochs"]
    assert len(epochs) <= 40
    assert epochs[0]["prediction"] != "ohlol"  # it has something to learn
    assert epochs[-1]["prediction"] == "ohlol"
    assert epochs[-1]["loss"] < epochs[0]["loss"]
    emb = build_trace("embedding")
    assert emb.extra["final_prediction"] == "ohlol"


def test_verifier_catches_a_tampered_hidden_state() -> None:
    trace = build_trace("rnn-unroll")
    trace.tensors["hidden"][2][1] += 1e-6
    with pytest.raises(AssertionError):
        verify_rnn_unroll_trace(trace)
    trace = build_trace("rnn-unroll")
    trace.extra["epochs"][5]["prediction"] = "ohlol"
    with pytest.raises(AssertionError):
        verify_rnn_unroll_trace(trace)


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_layers_grid_equals_stacked_rnncells_and_nn_rnn(layers: int) -> None:
    trace = rnn_layers_trace(LayersParams(num_layers=layers, hidden_size=4, seed=layers))
    tens = {k: _t(v) for k, v in trace.tensors.items()}
    x, states = tens["inputs"], tens["states"]  # (T, V), (L, T, H)
    below = x
    for layer in range(layers):
        cell = nn.RNNCell(below.shape[1], 4).to(D)
        with torch.no_grad():
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(cell, name).copy_(tens[f"{name}_l{layer}"])
            h = torch.zeros(1, 4, dtype=D)
            row = []
            for t in range(x.shape[0]):
                h = cell(below[t : t + 1], h)
                row.append(h[0])
        below = torch.stack(row)  # (T, H)
        assert torch.allclose(below, states[layer], atol=TIGHT, rtol=0)
    t_len = len(trace.params["input"])
    assert trace.extra["shapes"] == {
        "input": [t_len, 1, x.shape[1]],
        "output": [t_len, 1, 4],
        "hidden": [layers, 1, 4],
    }
    assert list(tens["output"].shape) == [t_len, 1, 4]
    assert list(tens["h_n"].shape) == [layers, 1, 4]
    verify_rnn_layers_trace(trace)


@settings(max_examples=10, deadline=None)
@given(st.integers(1, 8), st.integers(0, 10_000), st.sampled_from(["hello", "abcabc", "z"]))
def test_embedding_lookup_equals_one_hot_times_weight(size: int, seed: int, text: str) -> None:
    params = EmbeddingParams(
        input=text, target=text[::-1], embedding_size=size, seed=seed, epochs=2
    )
    check_params(params)
    trace = embedding_trace(params)
    x, w = _t(trace.tensors["inputs"]), _t(trace.tensors["weight"])  # (T, V), (V, E)
    lookup = _t(trace.tensors["lookup"])  # (T, E)
    emb = nn.Embedding.from_pretrained(w)
    assert torch.equal(emb(torch.tensor(trace.extra["indices"])), lookup)
    assert torch.allclose(x @ w, lookup, atol=TIGHT, rtol=0)
    for step in trace.steps:
        assert step["row"] == trace.tensors["weight"][step["index"]]
    verify_embedding_trace(trace)


@pytest.mark.parametrize(
    ("overrides", "name"),
    [
        ({"target": "ohlo"}, "target"),
        ({"input": ""}, "input"),
        ({"target": ""}, "target"),
        ({"input": "Hello"}, "input"),
        ({"input": "he llo", "target": "ohlol!"}, "input"),
        ({"target": "ohl0l"}, "target"),
        ({"input": "abcdefg", "target": "abcdefg"}, "target"),  # 7 characters > vocabulary
        ({"input": "abcdefghi", "target": "abcdefghi"}, "input"),  # too long
        ({"num_layers": "0"}, "num_layers"),
        ({"num_layers": "2"}, "num_layers"),  # one RNNCell only
        ({"hidden_size": "1000"}, "hidden_size"),
        ({"epochs": "100000"}, "epochs"),
        ({"lr": "0"}, "lr"),
        ({"lr": "nan"}, "lr"),
    ],
)
def test_bad_unroll_input_names_the_parameter(overrides: dict[str, str], name: str) -> None:
    with pytest.raises(ParamError) as err:
        build_trace("rnn-unroll", **overrides)
    assert err.value.name == name
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("scene", "overrides", "name"),
    [
        ("rnn-layers", {"num_layers": "0"}, "num_layers"),
        ("rnn-layers", {"num_layers": "4"}, "num_layers"),
        ("rnn-layers", {"input": "hello!"}, "input"),
        ("rnn-layers", {"hidden_size": "64"}, "hidden_size"),
        ("embedding", {"embedding_size": "0"}, "embedding_size"),
        ("embedding", {"target": "oh"}, "target"),
        ("embedding", {"num_layers": "9"}, "num_layers"),
    ],
)
def test_bad_input_of_other_scenes(scene: str, overrides: dict[str, str], name: str) -> None:
    with pytest.raises(ParamError) as err:
        build_trace(scene, **overrides)
    assert err.value.name == name


def test_same_params_same_bytes_for_a_non_default_run() -> None:
    params = dataclasses.replace(RnnParams(), hidden_size=6, seed=11, epochs=5)
    assert rnn_unroll_trace(params).to_json() == rnn_unroll_trace(params).to_json()


# --- what the scenes show -------------------------------------------------------------
def _col_texts(grid: object) -> list[str]:
    numbers = grid.numbers  # type: ignore[attr-defined]
    return [numbers[(r, 0)].text for r in range(len(numbers))]


def test_unroll_scene_shows_the_trace_numbers(tmp_path: Path) -> None:
    trace = build_trace("rnn-unroll")
    scene = construct_scene(trace, tmp_path)
    last = trace.steps[-1]
    assert _col_texts(scene.x_grid) == [format_number(v) for v in last["x"]]
    assert _col_texts(scene.h_prev_grid) == [format_number(v) for v in last["h_prev"]]
    assert _col_texts(scene.h_grid) == [format_number(v) for v in last["h"]]
    w_hh = scene.weight_grids["weight_hh"].shown_values()
    for (r, c), text in w_hh.items():
        assert text == format_number(trace.tensors["weight_hh"][r][c])
    # Numbers on screen read without the minus sign being the only difference to ASCII.
    assert [e["prediction"] for e in trace.extra["epochs"]] == scene.epoch_predictions
    shown_losses = [t.text for t in scene.epoch_losses]
    assert shown_losses == [format_number(e["loss"]) for e in trace.extra["epochs"]]
    assert "".join(c.text for c in scene.predicted_chars) == "ohlol"
    total = format_number(trace.extra["total_loss"])
    assert scene.loss_line.text.replace(" ", "").endswith(total)


def test_layers_scene_shows_every_state_and_the_shapes(tmp_path: Path) -> None:
    trace = build_trace("rnn-layers")
    scene = construct_scene(trace, tmp_path)
    states = trace.tensors["states"]  # (L, T, H)
    for layer, grids in enumerate(scene.state_grids):
        for t, grid in enumerate(grids):
            shown = [grid.numbers[(0, c)].text for c in range(len(states[layer][t]))]
            assert shown == [format_number(v) for v in states[layer][t]]
    assert scene.output_label.text.endswith("5×1×3")
    assert scene.hidden_label.text.endswith("3×1×3")


def test_embedding_scene_shows_lookup_rows_and_scores(tmp_path: Path) -> None:
    trace = build_trace("embedding")
    scene = construct_scene(trace, tmp_path, lang="zh")
    lookup = trace.tensors["lookup"]
    assert scene.lookup_grid.shown_values() == {
        (t, c): format_number(v) for t, row in enumerate(lookup) for c, v in enumerate(row)
    }
    assert scene.weight_grid.shown_values() == {
        (r, c): format_number(v)
        for r, row in enumerate(trace.tensors["weight"])
        for c, v in enumerate(row)
    }
    assert scene.scores_grid.shown_values()[(0, 0)] == format_number(trace.tensors["scores"][0][0])
    before = "".join(c.text for c in scene.before_prediction)
    assert before == trace.extra["epochs"][0]["prediction"]
