"""Logistic regression on one feature, trained by plain gradient descent and traced every epoch.

p = sigmoid(w·x + b); the loss is the mean binary cross-entropy. The tracer uses the
closed-form gradient (mean of (p − y)·x and of p − y) and a log-sigmoid form of the BCE;
``verify_logistic_trace`` replays the training with ``F.binary_cross_entropy``, autograd
and ``torch.optim.SGD``.
"""

from __future__ import annotations

from typing import NamedTuple, TypedDict

import torch
import torch.nn.functional as F

from explain.mlcore.logistic_params import LogisticParams
from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

SNAPSHOTS = 7  # epochs drawn as curves, spread over the training
CURVE_POINTS = 61  # samples of the sigmoid curve per snapshot
CURVE_MARGIN = 1.5  # x units shown left and right of the data
# Beyond this |w·x + b| the sigmoid rounds to exactly 0 or 1 and BCE's log is clipped by
# torch (at -100), so such a run has no honest per-sample loss to show.
MAX_LOGIT = 30.0


def _initial(seed: int) -> tuple[float, float]:
    """Weight and bias drawn like nn.Linear(1, 1): uniform in [-1, 1)."""
    gen = torch.Generator().manual_seed(seed)
    w, b = (torch.rand(2, generator=gen, dtype=torch.float64) * 2 - 1).tolist()
    return round(w, 2), round(b, 2)  # short numbers on screen at epoch 0


def _bce_per_sample(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """−[y·log p + (1−y)·log(1−p)] with p = sigmoid(z), via log-sigmoid (no log(0))."""
    return -(y * F.logsigmoid(z) + (1 - y) * F.logsigmoid(-z))


def snapshot_epochs(epochs: int, count: int = SNAPSHOTS) -> list[int]:
    """Epochs to draw: 0, then roughly geometric spacing (early epochs change the most)."""
    if epochs + 1 <= count:
        return list(range(epochs + 1))
    picks = {0, epochs}
    for i in range(1, count - 1):
        picks.add(round(epochs ** (i / (count - 1))))
    return sorted(picks)


class LogisticStep(TypedDict):
    """One drawn snapshot: the model after ``epoch`` updates."""

    epoch: int
    weight: float
    bias: float
    loss: float  # mean BCE
    probs: list[float]  # (N,)
    sample_loss: list[float]  # (N,) BCE per sample
    boundary: float | None  # x where p = 0.5 (−b/w), None when w is 0
    correct: int  # samples on the right side of the boundary


class LogisticExtra(TypedDict):
    snapshots: list[int]  # the epochs drawn, one step each


class _Run(NamedTuple):
    """Per epoch (E+1 entries): the parameters before its update, its loss, p and BCE."""

    weights: list[float]
    biases: list[float]
    losses: list[float]
    probs: list[torch.Tensor]  # (N,) each
    sample_losses: list[torch.Tensor]  # (N,) each


def _train(params: LogisticParams, x: torch.Tensor, y: torch.Tensor) -> _Run:
    """Gradient descent on the mean BCE, recording each epoch before its update."""
    w, b = (torch.tensor(v, dtype=torch.float64) for v in _initial(params.seed))
    run = _Run([], [], [], [], [])
    for epoch in range(params.epochs + 1):  # epoch e: the model after e updates
        z = w * x + b  # (N,)
        if float(z.abs().max()) > MAX_LOGIT:
            raise ParamError(
                "lr",
                f"the sigmoid saturates at epoch {epoch} (|w·x + b| > {MAX_LOGIT:g});"
                " use a smaller lr, fewer epochs or smaller x",
            )
        p = torch.sigmoid(z)  # (N,)
        sample_loss = _bce_per_sample(z, y)  # (N,)
        run.weights.append(float(w))
        run.biases.append(float(b))
        run.losses.append(float(sample_loss.mean()))
        run.probs.append(p)
        run.sample_losses.append(sample_loss)
        if epoch == params.epochs:
            break
        # d(mean BCE)/dz = (p − y)/N, so the gradients need no autograd.
        grad_w = ((p - y) * x).mean()
        grad_b = (p - y).mean()
        w = w - params.lr * grad_w
        b = b - params.lr * grad_b
    return run


def _snapshot(run: _Run, e: int, y: torch.Tensor) -> LogisticStep:
    weight, bias = run.weights[e], run.biases[e]
    return LogisticStep(
        epoch=e,
        weight=weight,
        bias=bias,
        loss=run.losses[e],
        probs=to_nested(run.probs[e]),
        sample_loss=to_nested(run.sample_losses[e]),
        # Decision boundary: p = 0.5 where w·x + b = 0.
        boundary=-bias / weight if abs(weight) > 1e-12 else None,
        # Samples on the right side of the boundary (p > 0.5 exactly when y = 1).
        correct=int(((run.probs[e] > 0.5) == (y > 0.5)).sum()),
    )


def logistic_trace(params: LogisticParams) -> Trace:
    """Train p = sigmoid(w·x + b) for ``params.epochs`` steps and record each epoch."""
    x = torch.tensor(params.x, dtype=torch.float64)  # (N,)
    y = torch.tensor(params.y, dtype=torch.float64)  # (N,)
    run = _train(params, x, y)
    weights, biases = run.weights, run.biases
    lo, hi = min(params.x) - CURVE_MARGIN, max(params.x) + CURVE_MARGIN
    curve_x = torch.linspace(lo, hi, CURVE_POINTS, dtype=torch.float64)  # (G,)
    picks = snapshot_epochs(params.epochs)
    curves = torch.stack([torch.sigmoid(weights[e] * curve_x + biases[e]) for e in picks])  # (S, G)
    steps = [_snapshot(run, e, y) for e in picks]
    return Trace(
        scene="logistic",
        params=params_to_dict(params),
        tensors={
            "x": to_nested(x),
            "y": to_nested(y),
            "weight": weights,  # (E+1,) before each update, then the final weight
            "bias": biases,  # (E+1,)
            "loss": run.losses,  # (E+1,) mean BCE at each epoch
            "probs": to_nested(torch.stack(run.probs)),  # (E+1, N)
            "sample_loss": to_nested(torch.stack(run.sample_losses)),  # (E+1, N)
            "curve_x": to_nested(curve_x),  # (G,)
            "curve_p": to_nested(curves),  # (S, G) one curve per snapshot
        },
        steps=step_dicts(steps),
        extra=extra_dict(LogisticExtra(snapshots=picks)),
    )


def verify_logistic_trace(trace: Trace, tol: float = 1e-9) -> None:
    """Replay the training with autograd and torch.optim.SGD; check every epoch's loss with
    F.binary_cross_entropy (and its logits form), probabilities with torch.sigmoid."""
    x = torch.tensor(trace.tensors["x"], dtype=torch.float64)  # (N,)
    y = torch.tensor(trace.tensors["y"], dtype=torch.float64)  # (N,)
    weights, biases = trace.tensors["weight"], trace.tensors["bias"]
    probs = torch.tensor(trace.tensors["probs"], dtype=torch.float64)  # (E+1, N)
    sample = torch.tensor(trace.tensors["sample_loss"], dtype=torch.float64)  # (E+1, N)
    # One optimizer for the run; plain SGD (no momentum) keeps no state between steps.
    w = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w, b], lr=trace.params["lr"])
    for epoch in range(len(weights)):
        if epoch + 1 < len(weights):
            # Each update is replayed from the trace's own w and b with autograd and
            # torch.optim.SGD. Replaying the whole run instead would compare rounding
            # amplified over hundreds of steps of a large learning rate.
            with torch.no_grad():
                w.fill_(weights[epoch])
                b.fill_(biases[epoch])
            opt.zero_grad()
            F.binary_cross_entropy_with_logits(w * x + b, y).backward()
            opt.step()
            step_tol = tol * max(1.0, abs(weights[epoch + 1]), abs(biases[epoch + 1]))
            if (
                abs(w.item() - weights[epoch + 1]) > step_tol
                or abs(b.item() - biases[epoch + 1]) > step_tol
            ):
                raise AssertionError(f"update after epoch {epoch} disagrees with torch SGD")
        z = weights[epoch] * x + biases[epoch]  # (N,)
        p = torch.sigmoid(z)  # (N,)
        # BCE on probabilities loses digits as p nears 0 or 1 (log(1 − p) carries an error
        # of about eps / (1 − p)), so F.binary_cross_entropy is compared within that bound
        # and the logits form tightly.
        exact = F.binary_cross_entropy_with_logits(z, y, reduction="none")  # (N,)
        margin = torch.minimum(p, 1 - p).clamp_min(1e-300)  # (N,)
        bound = tol + 4 * torch.finfo(torch.float64).eps / margin  # (N,)
        if abs(exact.mean().item() - trace.tensors["loss"][epoch]) > tol:
            raise AssertionError(f"loss at epoch {epoch} disagrees with BCE with logits")
        prob_form = F.binary_cross_entropy(p, y).item()
        if abs(prob_form - trace.tensors["loss"][epoch]) > bound.max().item():
            raise AssertionError(f"loss at epoch {epoch} disagrees with F.binary_cross_entropy")
        if not torch.allclose(p, probs[epoch], rtol=0, atol=tol):
            raise AssertionError(f"probabilities at epoch {epoch} disagree with torch.sigmoid")
        per = F.binary_cross_entropy(p, y, reduction="none")  # (N,)
        if ((per - sample[epoch]).abs() > bound).any() or not torch.allclose(
            exact, sample[epoch], rtol=1e-9, atol=tol
        ):
            raise AssertionError(f"per-sample BCE at epoch {epoch} disagrees with torch")
    curve_x = torch.tensor(trace.tensors["curve_x"], dtype=torch.float64)
    for s, e in enumerate(trace.extra_as(LogisticExtra)["snapshots"]):
        expected = torch.sigmoid(weights[e] * curve_x + biases[e])
        got = torch.tensor(trace.tensors["curve_p"][s], dtype=torch.float64)
        if not torch.allclose(got, expected, rtol=0, atol=tol):
            raise AssertionError(f"sigmoid curve of epoch {e} disagrees with torch.sigmoid")
