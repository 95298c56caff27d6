"""The course's linear model y = w·x: exhaustive search, batch gradient descent, mini-batch SGD.

The model has one weight and MSE cost, so the gradient has a closed form,
``d/dw mean((w·x − y)²) = mean(2·x·(w·x − y))``; the tracers use it and the verifiers
recompute every gradient with torch autograd (and the cost with ``F.mse_loss``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

import torch
import torch.nn.functional as F

from explain.mlcore.optim_params import (
    GradientDescentParams,
    LinearLossParams,
    SGDParams,
    search_count,
)
from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

# A cost beyond this (or any increase over the start) means the run is diverging.
DIVERGED_COST = 1e6
# Samples of the MSE-vs-w curve drawn under the moving weight.
CURVE_SAMPLES = 81
# Relative tolerance of the verifiers (float64 throughout).
TOL = 1e-9


def mse_torch(w: torch.Tensor, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """MSE of y = w·x for each weight in ``w``: (K,) -> (K,)."""
    pred = w[:, None] * x[None, :]  # (K, N)
    return ((pred - y[None, :]) ** 2).mean(dim=1)  # (K,)


def grad_closed_form(w: float, x: torch.Tensor, y: torch.Tensor) -> float:
    """d/dw mean((w·x − y)²) = mean(2·x·(w·x − y)) over the given samples."""
    return float((2 * x * (w * x - y)).mean())


def smooth_ewma(values: list[float], beta: float) -> list[float]:
    """Exponentially weighted moving average with bias correction (as Adam does).

    v_t = β·v_{t−1} + (1 − β)·a_t, v_{−1} = 0, shown as v_t / (1 − β^(t+1)) so the start is
    not pulled towards zero.
    """
    out, v = [], 0.0
    for t, a in enumerate(values):
        v = beta * v + (1 - beta) * a
        out.append(v / (1 - beta ** (t + 1)))
    return out


def _tensor(values: tuple[float, ...]) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64)


# --- linear-loss: exhaustive search over w ------------------------------------------------


def search_weights(w_min: float, w_max: float, w_step: float) -> list[float]:
    # w_min + i·step, rounded to 12 decimals so that 0.1·3 is shown and stored as 0.3.
    return [round(w_min + i * w_step, 12) for i in range(search_count(w_min, w_max, w_step))]


class LinearLossStep(TypedDict):
    w: float  # the candidate weight
    pred: list[float]  # (N,) w·x
    mse: float


class Minimum(TypedDict):
    index: int  # of the step (first minimum on ties)
    w: float
    mse: float


class LinearLossExtra(TypedDict):
    minimum: Minimum


def linear_loss_trace(params: LinearLossParams) -> Trace:
    """MSE of every candidate weight; one step per weight with its predictions."""
    x, y = _tensor(params.x), _tensor(params.y)  # (N,) each
    w = _tensor(tuple(search_weights(params.w_min, params.w_max, params.w_step)))  # (K,)
    mse = mse_torch(w, x, y)  # (K,)
    pred = w[:, None] * x[None, :]  # (K, N)
    best = int(torch.argmin(mse))  # first minimum on ties
    steps = [
        LinearLossStep(w=float(w[k]), pred=to_nested(pred[k]), mse=float(mse[k]))
        for k in range(len(w))
    ]
    return Trace(
        scene="linear-loss",
        params=params_to_dict(params),
        tensors={"x": to_nested(x), "y": to_nested(y), "w": to_nested(w), "mse": to_nested(mse)},
        steps=step_dicts(steps),
        extra=extra_dict(
            LinearLossExtra(minimum=Minimum(index=best, w=float(w[best]), mse=float(mse[best])))
        ),
    )


def verify_linear_loss_trace(trace: Trace) -> None:
    """Recompute each MSE with torch.nn.functional.mse_loss and check the marked minimum."""
    x = torch.tensor(trace.tensors["x"], dtype=torch.float64)  # (N,)
    y = torch.tensor(trace.tensors["y"], dtype=torch.float64)  # (N,)
    for k, w in enumerate(trace.tensors["w"]):
        expected = float(F.mse_loss(w * x, y))
        if not math.isclose(trace.tensors["mse"][k], expected, rel_tol=TOL, abs_tol=TOL):
            raise AssertionError(f"mse at w={w} disagrees with F.mse_loss")
    mse = trace.tensors["mse"]
    low = min(mse)
    if trace.extra["minimum"]["mse"] != low or mse.index(low) != trace.extra["minimum"]["index"]:
        raise AssertionError("marked minimum is not the smallest MSE")


# --- gradient-descent: full-batch updates -------------------------------------------------


@dataclass(frozen=True)
class Run:
    """One training run: weights before each update and after the last, and their costs."""

    w: list[float]  # (U+1,)
    loss: list[float]  # (U+1,) full-data cost at each weight
    grad: list[float]  # (U,) the gradient used by each update
    batches: list[list[int]]  # (U,) sample indices of each update


def _check_run(run: Run, lr: float, what: str) -> None:
    """ParamError on ``lr`` when the run blows up or ends with a higher cost than it began."""
    costs = run.loss
    blown = any(not math.isfinite(c) or c > DIVERGED_COST for c in costs)
    if blown or costs[-1] > costs[0] * (1 + 1e-12) + 1e-12:
        raise ParamError(
            "lr",
            f"training diverges with lr={lr:g} ({what}: the cost grows from"
            f" {costs[0]:.4g} instead of shrinking); use a smaller lr",
        )


def train(
    x: torch.Tensor,
    y: torch.Tensor,
    w0: float,
    lr: float,
    epochs: int,
    batch_size: int,
    shuffle: bool,
    gen: torch.Generator | None,
) -> Run:
    """Mini-batch gradient descent with the closed-form gradient; the last batch may be short."""
    n = len(x)
    w = w0
    ws, losses, grads, batches = [w], [float(mse_torch(_tensor((w,)), x, y)[0])], [], []
    for _ in range(epochs):
        order = torch.randperm(n, generator=gen) if shuffle else torch.arange(n)  # (N,)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]  # (B,)
            g = grad_closed_form(w, x[idx], y[idx])
            w = w - lr * g
            ws.append(w)
            losses.append(float(mse_torch(_tensor((w,)), x, y)[0]))
            grads.append(g)
            batches.append([int(i) for i in idx])
            if not math.isfinite(w) or losses[-1] > DIVERGED_COST:
                return Run(ws, losses, grads, batches)  # stop early; _check_run refuses it
    return Run(ws, losses, grads, batches)


def _curve(x: torch.Tensor, y: torch.Tensor, ws: list[float]) -> tuple[list[float], list[float]]:
    """The MSE-vs-w curve over a range covering every weight visited and the optimum."""
    lo, hi = min(ws), max(ws)
    denom = float((x * x).sum())
    if denom > 0:  # the least-squares weight, so the curve shows where descent is heading
        best = float((x * y).sum()) / denom
        lo, hi = min(lo, best), max(hi, best)
    pad = max(0.5, 0.25 * (hi - lo))
    grid = torch.linspace(lo - pad, hi + pad, CURVE_SAMPLES, dtype=torch.float64)  # (S,)
    return to_nested(grid), to_nested(mse_torch(grid, x, y))


# Half the width of the drawn tangent, in units of w.
TANGENT_HALF_WIDTH = 0.3


class GradientDescentStep(TypedDict):
    epoch: int
    w: float  # before the update
    loss: float  # cost at w
    grad: float  # dcost/dw at w
    w_next: float  # w − lr·grad
    # [[w − d, loss − grad·d], [w + d, loss + grad·d]]: the tangent at w, d = TANGENT_HALF_WIDTH
    tangent: list[list[float]]


def _tangent(w: float, loss: float, grad: float) -> list[list[float]]:
    d = TANGENT_HALF_WIDTH
    return [[w - d, loss - grad * d], [w + d, loss + grad * d]]


def gradient_descent_trace(params: GradientDescentParams) -> Trace:
    """Full-batch updates w ← w − lr·dcost/dw; tensors w, loss (epochs+1), grad (epochs)."""
    x, y = _tensor(params.x), _tensor(params.y)  # (N,) each
    run = train(x, y, params.w0, params.lr, params.epochs, len(x), False, None)
    _check_run(run, params.lr, "batch gradient descent")
    curve_w, curve_mse = _curve(x, y, run.w)
    steps = [
        GradientDescentStep(
            epoch=e,
            w=run.w[e],
            loss=run.loss[e],
            grad=run.grad[e],
            w_next=run.w[e + 1],
            tangent=_tangent(run.w[e], run.loss[e], run.grad[e]),
        )
        for e in range(params.epochs)
    ]
    return Trace(
        scene="gradient-descent",
        params=params_to_dict(params),
        tensors={
            "x": to_nested(x),
            "y": to_nested(y),
            "w": run.w,
            "loss": run.loss,
            "grad": run.grad,
            "smoothed": smooth_ewma(run.loss, params.beta),
            "curve_w": curve_w,
            "curve_mse": curve_mse,
        },
        steps=step_dicts(steps),
    )


def _autograd_step(w: float, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """Cost and gradient of F.mse_loss at ``w`` by autograd: the independent check."""
    wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    cost = F.mse_loss(wt * x, y)
    cost.backward()
    assert wt.grad is not None
    return float(cost.detach()), float(wt.grad)


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def _verify_run(
    x: torch.Tensor,
    y: torch.Tensor,
    lr: float,
    w: list[float],
    loss: list[float],
    grad: list[float],
    batches: list[list[int]],
) -> None:
    if not (len(w) == len(loss) == len(grad) + 1 == len(batches) + 1):
        raise AssertionError("w, loss, grad and batches have inconsistent lengths")
    for t, idx in enumerate(batches):
        sel = torch.tensor(idx, dtype=torch.long)  # (B,)
        _, g = _autograd_step(w[t], x[sel], y[sel])
        if not _close(grad[t], g):
            raise AssertionError(f"gradient of update {t} disagrees with autograd")
        if not _close(w[t + 1], w[t] - lr * g):
            raise AssertionError(f"update {t} is not w - lr*grad")
    for t, wt in enumerate(w):
        cost, _ = _autograd_step(wt, x, y)
        if not _close(loss[t], cost):
            raise AssertionError(f"cost at entry {t} disagrees with F.mse_loss")


def _verify_smoothed(loss: list[float], smoothed: list[float], beta: float) -> None:
    v = torch.zeros((), dtype=torch.float64)
    for t, a in enumerate(loss):  # the same recurrence written with tensors, as a cross-check
        v = torch.lerp(torch.tensor(a, dtype=torch.float64), v, beta)
        if not _close(smoothed[t], float(v / (1 - beta ** (t + 1)))):
            raise AssertionError(f"smoothed cost at {t} is not the bias-corrected EWMA")


def verify_gradient_descent_trace(trace: Trace) -> None:
    """Every gradient by autograd, every update, every cost by F.mse_loss, the smoothing."""
    x = torch.tensor(trace.tensors["x"], dtype=torch.float64)  # (N,)
    y = torch.tensor(trace.tensors["y"], dtype=torch.float64)  # (N,)
    prm, tens = trace.params, trace.tensors
    everything = list(range(len(x)))
    batches = [everything] * prm["epochs"]
    _verify_run(x, y, prm["lr"], tens["w"], tens["loss"], tens["grad"], batches)
    _verify_smoothed(tens["loss"], tens["smoothed"], prm["beta"])
    for w, m in zip(tens["curve_w"], tens["curve_mse"]):
        if not _close(m, float(F.mse_loss(w * x, y))):
            raise AssertionError("MSE curve disagrees with F.mse_loss")
    for e, step in enumerate(trace.steps_as(GradientDescentStep)):
        (w0, c0), (w1, c1) = step["tangent"]
        slope = (c1 - c0) / (w1 - w0)
        through = _close((w0 + w1) / 2, tens["w"][e]) and _close((c0 + c1) / 2, tens["loss"][e])
        if not (through and _close(slope, tens["grad"][e])):
            raise AssertionError(f"the tangent at epoch {e} is not the verified gradient's")


# --- sgd: mini-batches, compared with batch GD and SGD -----------------------------------


def run_kind(batch_size: int, n: int) -> str:
    """'sgd' for batch size 1, 'batch' for all samples, else 'minibatch'."""
    if batch_size == 1:
        return "sgd"
    return "batch" if batch_size == n else "minibatch"


class SgdRun(TypedDict):
    """One run of the comparison (entries per update, plus one for the end)."""

    batch_size: int
    kind: str  # "batch", "minibatch" or "sgd"
    updates_per_epoch: int
    progress: list[float]  # (U+1,) epochs completed at each entry
    w: list[float]  # (U+1,)
    loss: list[float]  # (U+1,)
    grad: list[float]  # (U,)
    batches: list[list[int]]  # (U,) sample indices of each update
    smoothed: list[float]  # (U+1,) EWMA of loss
    epoch_starts: list[int]  # (epochs+1,) index of each epoch's first entry, then the end


class SgdStep(TypedDict):
    update: int
    batch: list[int]  # sample indices


class SgdExtra(TypedDict):
    runs: dict[str, SgdRun]  # kind -> run
    chosen: str  # the kind of the run in tensors


def _run_doc(run: Run, batch_size: int, n: int, beta: float) -> SgdRun:
    per_epoch = math.ceil(n / batch_size)
    return SgdRun(
        batch_size=batch_size,
        kind=run_kind(batch_size, n),
        updates_per_epoch=per_epoch,
        # Epochs (data passes) completed at each entry: puts runs on one x axis.
        progress=[u / per_epoch for u in range(len(run.w))],
        w=run.w,
        loss=run.loss,
        grad=run.grad,
        batches=run.batches,
        smoothed=smooth_ewma(run.loss, beta),
        epoch_starts=list(range(0, len(run.w), per_epoch)),
    )


def sgd_trace(params: SGDParams) -> Trace:
    """The chosen run in tensors; batch GD, mini-batch and SGD runs in ``runs`` to compare."""
    x, y = _tensor(params.x), _tensor(params.y)  # (N,) each
    n = len(x)
    sizes = sorted({1, params.batch_size, n}, reverse=True)  # batch, (mini-batch), SGD
    runs: dict[str, SgdRun] = {}
    chosen: Run | None = None
    for b in sizes:
        # One generator per run, so every run's shuffling depends on the seed alone.
        gen = torch.Generator().manual_seed(params.seed)
        run = train(x, y, params.w0, params.lr, params.epochs, b, params.shuffle, gen)
        _check_run(run, params.lr, f"batch_size {b}")
        runs[run_kind(b, n)] = _run_doc(run, b, n, params.beta)
        if b == params.batch_size:
            chosen = run
    assert chosen is not None
    all_w = [w for r in runs.values() for w in r["w"]]
    curve_w, curve_mse = _curve(x, y, all_w)
    return Trace(
        scene="sgd",
        params=params_to_dict(params),
        tensors={
            "x": to_nested(x),
            "y": to_nested(y),
            "w": chosen.w,
            "loss": chosen.loss,
            "smoothed": smooth_ewma(chosen.loss, params.beta),
            "curve_w": curve_w,
            "curve_mse": curve_mse,
        },
        steps=step_dicts([SgdStep(update=u, batch=b) for u, b in enumerate(chosen.batches)]),
        extra=extra_dict(SgdExtra(runs=runs, chosen=run_kind(params.batch_size, n))),
    )


def verify_sgd_trace(trace: Trace) -> None:
    """Each run's gradients by autograd on its recorded batches; batches cover every epoch."""
    x = torch.tensor(trace.tensors["x"], dtype=torch.float64)  # (N,)
    y = torch.tensor(trace.tensors["y"], dtype=torch.float64)  # (N,)
    prm = trace.params
    n = len(x)
    for name, run in trace.extra_as(SgdExtra)["runs"].items():
        b = run["batch_size"]
        per_epoch = math.ceil(n / b)
        batches = run["batches"]
        if len(batches) != per_epoch * prm["epochs"]:
            raise AssertionError(f"run {name}: wrong number of updates")
        for e in range(prm["epochs"]):
            seen = sorted(i for bt in batches[e * per_epoch : (e + 1) * per_epoch] for i in bt)
            if seen != list(range(n)):
                raise AssertionError(f"run {name}: epoch {e} does not visit every sample once")
        if run["epoch_starts"] != [e * per_epoch for e in range(prm["epochs"] + 1)]:
            raise AssertionError(f"run {name}: epoch_starts do not follow the batches")
        _verify_run(x, y, prm["lr"], run["w"], run["loss"], run["grad"], batches)
        _verify_smoothed(run["loss"], run["smoothed"], prm["beta"])
    chosen = trace.extra["runs"][trace.extra["chosen"]]
    if chosen["w"] != trace.tensors["w"] or chosen["loss"] != trace.tensors["loss"]:
        raise AssertionError("tensors w/loss are not the chosen run")
    for w, m in zip(trace.tensors["curve_w"], trace.tensors["curve_mse"]):
        if not _close(m, float(F.mse_loss(w * x, y))):
            raise AssertionError("MSE curve disagrees with F.mse_loss")
