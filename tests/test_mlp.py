"""The MNIST MLP on real digits: the accuracy floor, the replay on awkward parameters, the
data it reads (scikit-learn's digits as shipped, brought to MNIST's layout)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explain.mlcore.digits import sklearn_digits, upsample_digits
from explain.mlcore.mlp import SHOWN, MlpParams, mlp_trace, verify_mlp_trace
from explain.mlcore.params import ParamError, check_params
from explain.mlcore.trace import Trace
from tests.conftest import build_trace
from tests.test_idx import write_mnist


@pytest.fixture(scope="module")
def default_trace() -> Trace:
    return build_trace("mlp")


@pytest.fixture(scope="module")
def small_trace() -> Trace:
    """A quick run (one small hidden layer, two epochs) for the verifier's tests."""
    return build_trace("mlp", sizes="784,32,10", epochs="2")


def test_default_run_reaches_the_accuracy_floor(default_trace: Trace) -> None:
    accuracy = default_trace.tensors["accuracy"]
    assert len(accuracy) == default_trace.params["epochs"] == len(default_trace.tensors["loss"])
    assert all(0.0 <= a <= 1.0 for a in accuracy)
    assert accuracy[-1] >= 0.9
    assert default_trace.tensors["loss"][-1] < default_trace.tensors["loss"][0]


def test_shown_tensors_have_the_contract_shapes(default_trace: Trace) -> None:
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in default_trace.tensors.items()}
    assert t["images"].shape == (SHOWN, 28, 28) and t["labels"].shape == (SHOWN,)
    assert t["logits"].shape == t["probs"].shape == (SHOWN, 10)
    assert float(t["images"].min()) >= 0.0 and float(t["images"].max()) <= 1.0
    assert torch.allclose(t["probs"].sum(dim=1), torch.ones(SHOWN, dtype=torch.float64))
    assert torch.equal(t["predicted"].long(), t["probs"].argmax(dim=1))
    assert t["flat"].shape == (784,)


@pytest.mark.parametrize(
    ("key", "change"),
    [("logits", 0.01), ("probs", 0.01), ("loss", 0.001), ("accuracy", 1 / 360), ("flat", 0.1)],
)
def test_verifier_rejects_tampering(small_trace: Trace, key: str, change: float) -> None:
    doc = small_trace.to_dict()
    values = doc["tensors"][key]
    row = values[0] if isinstance(values[0], list) else values
    row[0] += change
    with pytest.raises(AssertionError):
        verify_mlp_trace(Trace.from_dict(doc))


def test_verifier_rejects_a_wrong_prediction(small_trace: Trace) -> None:
    doc = small_trace.to_dict()
    doc["tensors"]["predicted"][0] = (doc["tensors"]["predicted"][0] + 1) % 10
    with pytest.raises(AssertionError):
        verify_mlp_trace(Trace.from_dict(doc))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    hidden=st.lists(st.integers(1, 40), min_size=0, max_size=3),
    epochs=st.integers(1, 2),
    lr=st.sampled_from([0.0001, 0.013, 0.2]),
    momentum=st.sampled_from([0.0, 0.5, 0.97]),
    batch_size=st.sampled_from([16, 17, 333, 1024]),
    seed=st.integers(0, 2**31 - 1),
)
def test_random_runs_replay_with_plain_torch(
    hidden: list[int], epochs: int, lr: float, momentum: float, batch_size: int, seed: int
) -> None:
    params = MlpParams(
        sizes=(784, *hidden, 10),
        epochs=epochs,
        lr=lr,
        momentum=momentum,
        batch_size=batch_size,
        seed=seed,
    )
    check_params(params)
    try:
        trace = mlp_trace(params)
    except ParamError as err:  # a diverging run is refused, naming lr
        assert err.name == "lr"
        return
    verify_mlp_trace(trace)
    trace.assert_finite()
    assert mlp_trace(params).to_json() == trace.to_json()


@pytest.mark.parametrize(("key", "value"), [("seed", 1), ("lr", 0.051), ("batch_size", 65)])
def test_verifier_replays_the_training_itself(small_trace: Trace, key: str, value: float) -> None:
    """A trace whose numbers came from another run than its parameters say is refused."""
    doc = small_trace.to_dict()
    doc["params"][key] = value
    with pytest.raises(AssertionError):
        verify_mlp_trace(Trace.from_dict(doc))


@pytest.mark.parametrize(
    ("sizes", "words"),
    [("10,784", "start with 784"), ("784,20", "end with 10"), ("784,1024,1024,10", "weights")],
)
def test_bad_sizes_name_sizes(sizes: str, words: str) -> None:
    with pytest.raises(ParamError) as err:
        build_trace("mlp", sizes=sizes)
    assert err.value.name == "sizes" and words in str(err.value)


def test_reader_matches_scikit_learns_own_loader() -> None:
    from sklearn.datasets import load_digits as sklearn_load

    ours = sklearn_digits()
    theirs = sklearn_load()
    small = torch.tensor(theirs.images, dtype=torch.float32)  # (1797, 8, 8)
    everything = torch.cat([ours.train_images, ours.test_images])
    assert sorted(everything.sum(dim=(1, 2)).tolist()) == pytest.approx(
        sorted(upsample_digits(small).sum(dim=(1, 2)).tolist())
    )
    assert sorted(torch.cat([ours.train_labels, ours.test_labels]).tolist()) == sorted(
        theirs.target.tolist()
    )
    assert ours.info["train"] + ours.info["test"] == 1797


def test_upsampled_digits_look_like_mnist() -> None:
    small = torch.zeros(1, 8, 8)
    small[0, 2:6, 3:5] = 16.0
    big = upsample_digits(small)[0]  # (28, 28)
    assert big.shape == (28, 28)
    assert float(big.min()) >= 0.0 and float(big.max()) <= 1.0
    assert big[:4].sum() == 0 and big[-4:].sum() == 0 and big[:, :4].sum() == 0
    assert float(big.max()) == pytest.approx(1.0)


def test_split_is_fixed_and_disjoint() -> None:
    a, b = sklearn_digits(), sklearn_digits()
    assert torch.equal(a.test_images, b.test_images) and torch.equal(a.train_labels, b.train_labels)
    assert len(a.train_images) == 1437 and len(a.test_images) == 360


def test_mnist_folder_run_is_verified_and_says_it_is_mnist(tmp_path: Path) -> None:
    folder = write_mnist(tmp_path / "mnist", n_train=40, n_test=6, gz=True)
    params = dataclasses.replace(MlpParams(), sizes=(784, 16, 10), epochs=2, data=str(folder))
    trace = mlp_trace(params)
    verify_mlp_trace(trace)
    assert trace.extra["data"]["source"] == "mnist"
    assert trace.extra["data"]["train"] == 40 and trace.extra["data"]["test"] == 6
    assert len(trace.tensors["images"]) == 4


def test_too_much_training_is_refused_before_it_starts() -> None:
    """20 epochs of batches of 16 would take about 20 s: refused in one line naming epochs."""
    with pytest.raises(ParamError) as err:
        MlpParams(epochs=20, batch_size=16).validate()
    assert err.value.name == "epochs" and "batch_size" in str(err.value)
    MlpParams(epochs=20).validate()  # 20 epochs of the default batches are fine
    MlpParams(data="/some/mnist").validate()  # and the defaults on MNIST's 5000 images
