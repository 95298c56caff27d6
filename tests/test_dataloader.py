"""The dataloader tracer against torch's own DataLoader, and its scene."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch.utils.data import DataLoader, TensorDataset

from explain.mlcore.dataloader import (
    DataLoaderParams,
    dataloader_trace,
    verify_dataloader_trace,
)
from explain.mlcore.dataloader_params import MAX_SAMPLES
from explain.mlcore.params import ParamError
from tests.conftest import assert_inside_frame, build_trace, construct_scene


def loader_batches(samples: int, size: int, shuffle: bool, drop: bool, epochs: int, seed: int):
    """What the issue's contract names: one DataLoader, one generator, epoch after epoch."""
    loader = DataLoader(
        TensorDataset(torch.arange(samples)),
        size,
        shuffle,
        drop_last=drop,
        generator=torch.Generator().manual_seed(seed),
    )
    return [[batch.tolist() for (batch,) in loader] for _ in range(epochs)]


@settings(max_examples=60, deadline=None, derandomize=True)
@given(
    samples=st.integers(1, MAX_SAMPLES),
    size=st.integers(1, MAX_SAMPLES),
    shuffle=st.booleans(),
    drop=st.booleans(),
    epochs=st.integers(1, 4),
    seed=st.integers(0, 2**31 - 1),
)
def test_batches_are_exactly_what_the_dataloader_yields(
    samples: int, size: int, shuffle: bool, drop: bool, epochs: int, seed: int
) -> None:
    size = min(size, samples)
    trace = dataloader_trace(DataLoaderParams(samples, size, shuffle, drop, epochs, seed))
    assert trace.extra["batches"] == loader_batches(samples, size, shuffle, drop, epochs, seed)
    verify_dataloader_trace(trace)


def test_short_last_batch_and_drop_last() -> None:
    kept = build_trace("dataloader", samples="10", batch_size="4", epochs="1")
    assert [len(b) for b in kept.extra["batches"][0]] == [4, 4, 2]
    assert kept.extra["dropped"] == [[]]
    dropped = build_trace("dataloader", samples="10", batch_size="4", epochs="1", drop_last="true")
    assert [len(b) for b in dropped.extra["batches"][0]] == [4, 4]
    assert dropped.extra["batches"][0] == kept.extra["batches"][0][:2]  # same shuffle
    assert dropped.extra["dropped"] == [kept.extra["batches"][0][2]]


def test_each_epoch_shuffles_anew_and_no_shuffle_keeps_the_order() -> None:
    trace = build_trace("dataloader", samples="12", epochs="3")
    orders = [[i for b in epoch for i in b] for epoch in trace.extra["batches"]]
    assert all(sorted(order) == list(range(12)) for order in orders)
    assert len({tuple(order) for order in orders}) == 3
    plain = build_trace("dataloader", samples="7", batch_size="3", shuffle="false", epochs="2")
    assert plain.extra["batches"] == [[[0, 1, 2], [3, 4, 5], [6]]] * 2


def test_verifier_catches_a_wrong_batch() -> None:
    trace = build_trace("dataloader")
    first = trace.extra["batches"][1][0]
    first[0], first[1] = first[1], first[0]
    with pytest.raises(AssertionError, match="DataLoader"):
        verify_dataloader_trace(trace)


def test_batch_larger_than_the_dataset_is_a_named_error() -> None:
    with pytest.raises(ParamError) as err:
        build_trace("dataloader", samples="5", batch_size="6")
    assert err.value.name == "batch_size"


@pytest.mark.parametrize(
    "overrides",
    [
        {"samples": "24", "batch_size": "1", "epochs": "1"},
        {"samples": "24", "batch_size": "5", "drop_last": "true"},
        {"samples": "1", "batch_size": "1"},
    ],
)
def test_scene_deals_the_traced_batches_inside_the_frame(
    overrides: dict[str, str], tmp_path: Path
) -> None:
    trace = build_trace("dataloader", **overrides)
    scene = construct_scene(trace, tmp_path)
    assert_inside_frame(scene)
    assert scene.shown == trace.extra["batches"]
