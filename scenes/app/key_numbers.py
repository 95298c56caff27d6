"""The few numbers a notes page lists under a chapter, read from the chapter's trace.

One small reader per kind of scene (``READERS``: scene name -> reader); each returns
(caption key, values) pairs and never computes more than picking, counting or a shape.
A scene not in the table has no key numbers on the page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from explain.mlcore.backprop import BackpropExtra
from explain.mlcore.cnn import InceptionExtra
from explain.mlcore.logistic import LogisticStep
from explain.mlcore.optim import LinearLossExtra
from explain.mlcore.rnn import EmbeddingExtra, RnnUnrollExtra
from explain.mlcore.saddle import SaddleExtra
from explain.mlcore.trace import Trace
from explain.scenes.kit.i18n import tr
from explain.scenes.kit.widgets.number_format import format_number

KeyNumber = tuple[str, dict[str, Any], str]  # caption key, its values, the number as text
Reader = Callable[[Trace], list[KeyNumber]]


def shape_text(values: Any) -> str:
    return "×".join(str(n) for n in np.shape(values))


def numbers_text(values: Any) -> str:
    return ", ".join(format_number(float(v)) for v in np.ravel(values))


def output_size(trace: Trace) -> list[KeyNumber]:
    return [("lecture.key.output_size", {}, shape_text(trace.tensors["output"]))]


def linear_minimum(trace: Trace) -> list[KeyNumber]:
    best = trace.extra_as(LinearLossExtra)["minimum"]
    return [
        ("lecture.key.minimum", {}, format_number(best["w"])),
        ("lecture.key.loss", {}, format_number(best["mse"])),
    ]


def final_w_and_loss(trace: Trace) -> list[KeyNumber]:
    return [
        ("lecture.key.final_w", {}, format_number(trace.tensors["w"][-1])),
        ("lecture.key.final_loss", {}, format_number(trace.tensors["loss"][-1])),
    ]


def saddle_eigenvalues(trace: Trace) -> list[KeyNumber]:
    return [
        (
            "lecture.key.eigenvalues",
            {},
            numbers_text(trace.extra_as(SaddleExtra)["saddle"]["eigenvalues"]),
        )
    ]


def leaf_gradients(trace: Trace) -> list[KeyNumber]:
    names, grads = trace.extra_as(BackpropExtra)["variables"], trace.tensors["leaf_grads"]
    return [("lecture.key.gradient", {"name": n}, format_number(g)) for n, g in zip(names, grads)]


def logistic_result(trace: Trace) -> list[KeyNumber]:
    last = trace.steps_as(LogisticStep)[-1]
    samples = len(trace.tensors["y"])
    return [
        ("lecture.key.final_loss", {}, format_number(last["loss"])),
        ("lecture.key.accuracy", {}, f"{last['correct']}/{samples}"),
    ]


def softmax_loss(trace: Trace) -> list[KeyNumber]:
    return [("lecture.key.loss", {}, numbers_text(trace.tensors["loss"]))]


def cnn_scores(trace: Trace) -> list[KeyNumber]:
    return [("lecture.key.output_size", {}, shape_text(trace.tensors["scores"]))]


def inception_costs(trace: Trace) -> list[KeyNumber]:
    costs = trace.extra_as(InceptionExtra)["costs"]
    value = f"{costs['direct']:,} / {costs['bottleneck']:,}"
    return [("lecture.key.multiplications", {}, value)]


def residual_norms(trace: Trace) -> list[KeyNumber]:
    plain, residual = trace.tensors["plain_grad_norms"], trace.tensors["residual_grad_norms"]
    return [("lecture.key.grad_norm", {}, numbers_text([plain[0], residual[0]]))]


def rnn_training(trace: Trace) -> list[KeyNumber]:
    last = trace.extra_as(RnnUnrollExtra)["epochs"][-1]
    return [
        ("lecture.key.final_loss", {}, format_number(last["loss"])),
        ("lecture.key.prediction", {}, f"'{last['prediction']}'"),
    ]


def rnn_layers(trace: Trace) -> list[KeyNumber]:
    return [("lecture.key.hidden_size", {}, shape_text(trace.tensors["h_n"]))]


def embedding_prediction(trace: Trace) -> list[KeyNumber]:
    return [
        ("lecture.key.prediction", {}, f"'{trace.extra_as(EmbeddingExtra)['final_prediction']}'")
    ]


CONVOLUTIONS = ("conv", "conv-single", "conv-padding", "conv-stride", "conv-dilation")
READERS: dict[str, Reader] = {
    **{name: output_size for name in CONVOLUTIONS},
    "conv-multichannel": output_size,
    "conv-transposed": output_size,
    "maxpool": output_size,
    "avgpool": output_size,
    "linear-loss": linear_minimum,
    "gradient-descent": final_w_and_loss,
    "sgd": final_w_and_loss,
    "saddle-point": saddle_eigenvalues,
    "saddle-3d": saddle_eigenvalues,
    "backprop": leaf_gradients,
    "backprop-shared": leaf_gradients,
    "logistic": logistic_result,
    "softmax": softmax_loss,
    "cnn-shapes": cnn_scores,
    "inception": inception_costs,
    "residual": residual_norms,
    "rnn-unroll": rnn_training,
    "rnn-layers": rnn_layers,
    "embedding": embedding_prediction,
}


def key_numbers(trace: Trace, lang: str) -> list[tuple[str, str]]:
    """(label, number) rows for ``trace``'s scene in ``lang``; none for an unknown kind."""
    reader = READERS.get(trace.scene)
    if reader is None:
        return []
    return [(tr(key, lang, **values), text) for key, values, text in reader(trace)]
