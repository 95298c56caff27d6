"""cnn-shapes with a trained network: real test digits it never trained on, right nearly always."""

from __future__ import annotations

import pytest
import torch

from explain.mlcore.cnn import CnnShapesParams, MnistNet, cnn_shapes_trace, verify_cnn_shapes_trace
from explain.mlcore.cnn_training import trained_weights
from explain.mlcore.digits import load_digits, normalize
from explain.mlcore.trace import Trace


def test_right_on_at_least_nine_of_the_first_ten_test_digits() -> None:
    right = 0
    for index in range(10):
        trace = cnn_shapes_trace(CnnShapesParams(index=index))
        verify_cnn_shapes_trace(trace)
        assert trace.extra["predicted"] == int(torch.tensor(trace.tensors["scores"]).argmax())
        right += trace.extra["label"] == trace.extra["predicted"]
    assert right >= 9


def test_input_is_the_normalised_test_digit_with_its_label() -> None:
    data = load_digits()
    trace = cnn_shapes_trace(CnnShapesParams(index=42))
    shown = torch.tensor(trace.tensors["input"], dtype=torch.float64)[0]
    assert torch.allclose(shown, normalize(data.test_images[42].double()))
    assert trace.extra["label"] == int(data.test_labels[42])
    assert trace.extra["training"]["test_accuracy"] >= 0.9


def test_the_network_never_saw_the_test_digits() -> None:
    data = load_digits()
    train = {tuple(img.flatten().tolist()) for img in data.train_images}
    overlap = sum(tuple(img.flatten().tolist()) in train for img in data.test_images[:10])
    assert overlap == 0


def test_training_is_seeded() -> None:
    a, _ = trained_weights(MnistNet, 0)
    again, _ = trained_weights(MnistNet, 0)
    b, info = trained_weights(MnistNet, 1)
    assert torch.equal(a["fc.weight"], again["fc.weight"])
    assert not torch.equal(a["fc.weight"], b["fc.weight"])
    assert info["seed"] == 1


@pytest.mark.parametrize(
    "tamper",
    ["label", "predicted", "accuracy", "index"],
)
def test_verifier_rejects_tampering(tamper: str) -> None:
    doc = cnn_shapes_trace(CnnShapesParams(index=1)).to_dict()
    if tamper == "label":
        doc["label"] = (doc["label"] + 1) % 10
    elif tamper == "predicted":
        doc["predicted"] = (doc["predicted"] + 1) % 10
    elif tamper == "accuracy":
        doc["training"]["test_accuracy"] -= 1 / 360
    else:
        doc["params"]["index"] = 2
    with pytest.raises(AssertionError):
        verify_cnn_shapes_trace(Trace.from_dict(doc))


def test_drawn_digit_is_still_an_option() -> None:
    trace = cnn_shapes_trace(CnnShapesParams(input="drawn", digit=7))
    verify_cnn_shapes_trace(trace)
    assert trace.extra["label"] == 7 and trace.params["input"] == "drawn"
