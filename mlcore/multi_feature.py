"""A network over several input features, trained with BCE: the course's multi-feature chapter.

A batch X of N samples × F features goes through Linear(F, h1) → act → ... → Linear(hk, 1)
→ sigmoid, each layer a matrix product (N×in)·(in×out) + bias. The tracer keeps its weights
as plain tensors, trains them full-batch with autograd and hand-written SGD updates on the
BCE of the logits; ``verify_multi_feature_trace`` replays the run with ``nn.Linear``,
``nn.BCELoss`` and ``torch.optim.SGD``, each stretch of CHECKPOINT_EVERY epochs from the
weights the tracer recorded at its start (``layer{i}.weight_history``; the first are the
initial weights).

Layers are numbered from 1, as the course's ``self.linear1``: ``layer1.weight`` is
Linear(8, 6)'s weight (6×8).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypedDict, cast

import torch
import torch.nn.functional as F

from explain.mlcore.multi_feature_params import (
    ACTIVATIONS,
    MultiFeatureParams,
)
from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.tabular import TabularData, load_data
from explain.mlcore.threads import one_thread
from explain.mlcore.trace import Trace, extra_dict, to_nested

SHOWN_ROWS = 4  # samples of the batch drawn as the matrix X
LOSS_TOL = 1e-6  # relative: rounding grows over the epochs between two checkpoints
# Beyond this |logit| the sigmoid rounds to exactly 0 or 1: nn.BCELoss on that probability
# clips its log and loses the gradient, so the course's code would train differently.
MAX_LOGIT = 30.0
CHECKPOINT_EVERY = 20  # epochs between the recorded weights the verifier restarts from
Layers = list[tuple[torch.Tensor, torch.Tensor]]  # (weight out×in, bias out) per layer
# torch's function of each activation name a user may choose (torch.sigmoid, ...).
ACTIVATION_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    name: getattr(torch, name) for name in ACTIVATIONS
}


class MultiFeatureData(TypedDict):
    """Where the samples came from; the loader's own notes (names, standardisation)
    follow as further keys."""

    source: str
    samples: int


class MultiFeatureExtra(TypedDict):
    data: MultiFeatureData
    checkpoints: list[int]  # the epochs whose weights the trace keeps


def _initial_layers(params: MultiFeatureParams) -> Layers:
    """Weights (out×in) and biases drawn like nn.Linear's: uniform in ±1/√in."""
    gen = torch.Generator().manual_seed(params.seed)
    layers = []
    for fan_in, fan_out in zip(params.sizes[:-1], params.sizes[1:]):
        bound = 1 / math.sqrt(fan_in)
        w = (torch.rand(fan_out, fan_in, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        b = (torch.rand(fan_out, generator=gen, dtype=torch.float64) * 2 - 1) * bound
        layers.append((w, b))
    return layers


def _forward(x: torch.Tensor, layers: Layers, act: str) -> list[torch.Tensor]:
    """Pre-activations of every layer: z_i = a_{i−1}·W_iᵀ + b_i, (N×in)·(in×out) → N×out."""
    zs, a = [], x
    for i, (w, b) in enumerate(layers):
        z = a @ w.T + b  # (N, out)
        zs.append(z)
        a = torch.sigmoid(z) if i == len(layers) - 1 else ACTIVATION_FUNCTIONS[act](z)
    return zs


def _check_data(data: TabularData, sizes: tuple[int, ...]) -> None:
    if data.feature_count != sizes[0]:
        raise ParamError(
            "sizes",
            f"the first size must be the data's number of features, {data.feature_count}"
            f" (got {sizes[0]})",
        )


def checkpoint_epochs(epochs: int) -> list[int]:
    """Epochs whose weights (before that epoch's update) the trace keeps, then the end."""
    return [*range(0, epochs, CHECKPOINT_EVERY), epochs]


def _saturated(epoch: int) -> ParamError:
    if epoch == 0:
        return ParamError(
            "data",
            f"the output sigmoid saturates (|logit| > {MAX_LOGIT:g}) before any training;"
            " scale the features to about -1..1",
        )
    return ParamError(
        "lr",
        f"the output sigmoid saturates at epoch {epoch} (|logit| > {MAX_LOGIT:g});"
        " use a smaller lr or fewer epochs",
    )


def _train(
    x: torch.Tensor, y: torch.Tensor, params: MultiFeatureParams
) -> tuple[list[Layers], list[float], list[float]]:
    """Full-batch training; returns the weights at each checkpoint, losses and accuracies."""
    layers = [(w.requires_grad_(), b.requires_grad_()) for w, b in _initial_layers(params)]
    keep = set(checkpoint_epochs(params.epochs))
    history: list[Layers] = []
    losses, accuracy = [], []
    for epoch in range(params.epochs + 1):
        if epoch in keep:
            history.append([(w.detach().clone(), b.detach().clone()) for w, b in layers])
        if epoch == params.epochs:
            break
        logit = _forward(x, layers, params.activation)[-1][:, 0]  # (N,)
        if not logit.detach().abs().max().item() <= MAX_LOGIT:  # also catches nan
            raise _saturated(epoch)
        loss = F.binary_cross_entropy_with_logits(logit, y)
        losses.append(loss.item())
        accuracy.append(((logit > 0) == (y > 0.5)).double().mean().item())  # p > 0.5
        loss.backward()
        with torch.no_grad():
            for w, b in layers:
                assert w.grad is not None and b.grad is not None
                w -= params.lr * w.grad
                b -= params.lr * b.grad
                w.grad, b.grad = None, None
    if not all(math.isfinite(v) for v in losses) or not all(
        bool(torch.isfinite(w).all()) for w, _ in history[-1]
    ):
        raise ParamError("lr", "training diverges (the loss is not finite); use a smaller lr")
    return history, losses, accuracy


def multi_feature_trace(params: MultiFeatureParams) -> Trace:
    data = load_data(params.data)
    _check_data(data, params.sizes)
    x = torch.tensor(data.features, dtype=torch.float64)  # (N, F)
    y = torch.tensor(data.labels, dtype=torch.float64)  # (N,)
    with one_thread():
        history, losses, accuracy = _train(x, y, params)
    trained = history[-1]
    shown = x[:SHOWN_ROWS]  # (S, F)
    zs = _forward(shown, trained, params.activation)
    tensors = {"x": to_nested(shown), "y": to_nested(y[:SHOWN_ROWS])}
    for i, ((w, b), z) in enumerate(zip(trained, zs), start=1):
        last = i == len(trained)
        out = torch.sigmoid(z) if last else ACTIVATION_FUNCTIONS[params.activation](z)  # (S, out)
        tensors[f"layer{i}.weight"] = to_nested(w)  # (out, in) after training
        tensors[f"layer{i}.bias"] = to_nested(b)  # (out,)
        tensors[f"layer{i}.output"] = to_nested(out)  # the shown batch after the activation
        # (C, out, in) and (C, out) at checkpoint_epochs: the verifier replays each stretch.
        tensors[f"layer{i}.weight_history"] = to_nested(torch.stack([h[i - 1][0] for h in history]))
        tensors[f"layer{i}.bias_history"] = to_nested(torch.stack([h[i - 1][1] for h in history]))
    tensors["loss"] = losses  # (E,) BCE over all samples before each update
    tensors["accuracy"] = accuracy  # (E,) fraction with p > 0.5 on the right side
    tensors["data.x"] = to_nested(x)  # (N, F) every sample, for the verifier's replay
    tensors["data.y"] = to_nested(y)  # (N,)
    return Trace(
        scene="multi-feature",
        params=params_to_dict(params),
        tensors=tensors,
        extra=extra_dict(
            MultiFeatureExtra(
                # The loader's notes vary with the source, so they are not typed here.
                data=cast(
                    MultiFeatureData,
                    {"source": data.source, "samples": len(data.labels), **data.about},
                ),
                checkpoints=checkpoint_epochs(params.epochs),
            )
        ),
    )


def _replay_model(trace: Trace, c: int) -> tuple[torch.nn.Sequential, list[torch.nn.Linear]]:
    """nn.Linear layers holding checkpoint c's recorded weights, with their activations."""
    p, t = trace.params, trace.tensors
    acts = {"sigmoid": torch.nn.Sigmoid, "relu": torch.nn.ReLU, "tanh": torch.nn.Tanh}
    linears: list[torch.nn.Linear] = []
    modules: list[torch.nn.Module] = []
    sizes = p["sizes"]
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        linear = torch.nn.Linear(fan_in, fan_out).double()
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(t[f"layer{i}.weight_history"][c], dtype=torch.float64))
            linear.bias.copy_(torch.tensor(t[f"layer{i}.bias_history"][c], dtype=torch.float64))
        last = i == len(sizes) - 1
        linears.append(linear)
        modules += [linear, torch.nn.Sigmoid() if last else acts[p["activation"]]()]
    return torch.nn.Sequential(*modules), linears


def _close(got: object, want: torch.Tensor, what: str, tol: float = 1e-6) -> None:
    have = torch.tensor(got, dtype=torch.float64)
    if have.shape != want.shape or not torch.allclose(have, want, rtol=tol, atol=tol):
        raise AssertionError(f"{what} disagrees with torch")


def verify_multi_feature_trace(trace: Trace) -> None:
    """Replay the training with nn.Linear, nn.BCELoss and optim.SGD, each stretch between
    checkpoints from its recorded weights (with lr up to 10 a whole-run replay would
    compare rounding that grows about 1.5 times an epoch), then the shown forward pass."""
    with one_thread():
        _replay(trace)


def _replay(trace: Trace) -> None:
    p, t = trace.params, trace.tensors
    x = torch.tensor(t["data.x"], dtype=torch.float64)  # (N, F)
    y = torch.tensor(t["data.y"], dtype=torch.float64)[:, None]  # (N, 1)
    marks = checkpoint_epochs(p["epochs"])
    checkpoints = trace.extra_as(MultiFeatureExtra)["checkpoints"]
    if checkpoints != marks or len(t["loss"]) != p["epochs"]:
        raise AssertionError("the trace does not hold the checkpoints and losses of its epochs")
    for c, (start, stop) in enumerate(zip(marks[:-1], marks[1:])):
        model, linears = _replay_model(trace, c)
        optimizer = torch.optim.SGD(model.parameters(), lr=p["lr"])
        for epoch in range(start, stop):
            y_pred = model(x)  # (N, 1)
            loss = torch.nn.BCELoss()(y_pred, y)
            _check_epoch(trace, epoch, y_pred, y, loss.item())
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        for i, linear in enumerate(linears, start=1):
            _close(t[f"layer{i}.weight_history"][c + 1], linear.weight, f"layer{i} at {stop}")
            _close(t[f"layer{i}.bias_history"][c + 1], linear.bias, f"layer{i} bias at {stop}")
    model, linears = _replay_model(trace, len(marks) - 1)
    with torch.no_grad():
        a = x[:SHOWN_ROWS]
        _close(t["x"], a, "x (the shown batch)", 0.0)
        for i, linear in enumerate(linears, start=1):
            _close(t[f"layer{i}.weight"], linear.weight, f"layer{i}.weight", 0.0)
            _close(t[f"layer{i}.bias"], linear.bias, f"layer{i}.bias", 0.0)
            a = model[2 * i - 1](linear(a))  # (S, out) after the activation
            _close(t[f"layer{i}.output"], a, f"layer{i}.output", 1e-9)


def _check_epoch(
    trace: Trace, epoch: int, y_pred: torch.Tensor, y: torch.Tensor, loss: float
) -> None:
    # BCELoss reads log(p) and log(1 − p), which lose digits as p nears 0 or 1.
    margin = torch.minimum(y_pred, 1 - y_pred).min().clamp_min(1e-300).item()
    tol = LOSS_TOL + 4 * torch.finfo(torch.float64).eps / margin
    if abs(loss - trace.tensors["loss"][epoch]) > tol * max(1.0, loss):
        raise AssertionError(f"loss at epoch {epoch} disagrees with nn.BCELoss")
    acc = ((y_pred > 0.5) == (y > 0.5)).double().mean().item()
    if abs(acc - trace.tensors["accuracy"][epoch]) > 1.5 / len(y):  # p of exactly 0.5 may tip
        raise AssertionError(f"accuracy at epoch {epoch} disagrees with torch")
