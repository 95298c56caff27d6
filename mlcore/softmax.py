"""Softmax and cross-entropy, stage by stage: logits -> shifted -> exp -> probabilities -> loss.

The tracer does each stage itself (subtract the maximum, exponentiate, sum, divide,
take -log p[target]) in float64; ``verify_softmax_trace`` compares with ``torch.softmax``,
``F.cross_entropy`` and ``F.nll_loss(F.log_softmax(...))``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TypedDict

import torch
import torch.nn.functional as F

from explain.mlcore.params import params_to_dict
from explain.mlcore.softmax_params import SoftmaxParams
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

# Largest logit of the overflow demo: exp() of it is infinite in float32 and float64.
OVERFLOW_OFFSET = 1000.0
# Precision in which the naive exp is tried (torch's default dtype, as in the course).
NAIVE_DTYPE = torch.float32


def _naive_overflows(logits: Sequence[float]) -> bool:
    """Whether exp(z) without subtracting the maximum gives infinity in NAIVE_DTYPE."""
    z = torch.tensor(logits, dtype=NAIVE_DTYPE)  # (K,)
    return bool(torch.isinf(torch.exp(z)).any())


SoftmaxStep = TypedDict(
    "SoftmaxStep",
    {
        "class": int,
        "logit": float,
        "shifted": float,  # logit − max
        "exp": float,  # exp(shifted)
        "prob": float,
        "log_prob": float,
    },
)


class SoftmaxLosses(TypedDict):
    manual: float  # −log p[target], from the shifted log-softmax
    cross_entropy_loss: float  # torch.nn.CrossEntropyLoss
    nll_log_softmax: float  # NLLLoss(LogSoftmax)
    onehot: float  # −Σ onehot · log p


class OverflowDemo(TypedDict):
    """Logits past exp()'s range in ``dtype``: the same probabilities once shifted."""

    dtype: str
    offset: float  # added to every logit
    logits: list[float]  # (K,)
    max: float
    naive_overflows: bool  # exp() of the unshifted logits is infinite in dtype
    probs: list[float]  # (K,)


class SoftmaxExtra(TypedDict):
    max: float  # the largest logit
    losses: SoftmaxLosses
    overflow: OverflowDemo


def softmax_trace(params: SoftmaxParams) -> Trace:
    """Record softmax and cross-entropy of ``params.logits`` for class ``params.target``."""
    z = torch.tensor(params.logits, dtype=torch.float64)  # (K,)
    k, t = z.numel(), params.target
    z_max = z.max()
    shifted = z - z_max  # (K,) all <= 0, so exp() below is at most 1: no overflow
    exp = torch.exp(shifted)  # (K,)
    sum_exp = exp.sum()  # at least 1 (the maximum contributes exp(0))
    probs = exp / sum_exp  # (K,)
    log_probs = shifted - torch.log(sum_exp)  # (K,) log-softmax without log(0)
    loss = -log_probs[t]
    onehot = F.one_hot(torch.tensor(t), k).double()  # (K,) the course's np.array([1, 0, 0])
    steps: list[SoftmaxStep] = [
        {
            "class": i,
            "logit": float(z[i]),
            "shifted": float(shifted[i]),
            "exp": float(exp[i]),
            "prob": float(probs[i]),
            "log_prob": float(log_probs[i]),
        }
        for i in range(k)
    ]
    extra = SoftmaxExtra(
        max=float(z_max),
        losses=_losses(z, t, loss, onehot, log_probs),
        overflow=_overflow_demo(params.logits, z, float(z_max)),
    )
    return Trace(
        scene="softmax",
        params=params_to_dict(params),
        tensors={
            "logits": to_nested(z),
            "shifted": to_nested(shifted),
            "exp": to_nested(exp),
            "sum_exp": [float(sum_exp)],
            "probs": to_nested(probs),
            "log_probs": to_nested(log_probs),
            "onehot": to_nested(onehot),
            "loss": [float(loss)],
        },
        steps=step_dicts(steps),
        extra=extra_dict(extra),
    )


def _losses(
    z: torch.Tensor, t: int, loss: torch.Tensor, onehot: torch.Tensor, log_probs: torch.Tensor
) -> SoftmaxLosses:
    """The manual loss beside the same loss written with torch's modules, as the course does."""
    onehot_loss = -(onehot * log_probs).sum()
    target_index = torch.tensor([t])  # (1,) the course's torch.LongTensor([0])
    ce = torch.nn.CrossEntropyLoss()(z[None], target_index)
    nll = torch.nn.NLLLoss()(torch.nn.LogSoftmax(dim=1)(z[None]), target_index)
    return SoftmaxLosses(
        manual=float(loss),
        cross_entropy_loss=float(ce),
        nll_log_softmax=float(nll),
        onehot=float(onehot_loss),
    )


def _overflow_demo(logits: Sequence[float], z: torch.Tensor, z_max: float) -> OverflowDemo:
    """Shift-invariance: logits past exp()'s range (as given, or moved so that their
    maximum is OVERFLOW_OFFSET) give the same probabilities once the maximum is subtracted."""
    offset = 0.0 if _naive_overflows(logits) else OVERFLOW_OFFSET - z_max
    big = z + offset  # (K,)
    big_list = [float(v) for v in big]
    return OverflowDemo(
        dtype=str(NAIVE_DTYPE).replace("torch.", ""),
        offset=offset,
        logits=big_list,
        max=max(big_list),
        naive_overflows=_naive_overflows(big_list),
        probs=to_nested(torch.softmax(big, dim=0)),
    )


def _close(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-9) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, rtol=tol, atol=tol))


def verify_softmax_trace(trace: Trace) -> None:
    """Raise AssertionError unless every recorded stage agrees with torch."""
    z = torch.tensor(trace.tensors["logits"], dtype=torch.float64)  # (K,)
    t = int(trace.params["target"])
    target = torch.tensor([t])  # (1,)
    got = {name: torch.tensor(trace.tensors[name], dtype=torch.float64) for name in trace.tensors}
    if not _close(got["shifted"], z - z.max()):
        raise AssertionError("shifted logits are not logits - max")
    if not _close(got["exp"], torch.exp(z - z.max())):
        raise AssertionError("exp stage disagrees with torch.exp")
    if not _close(got["probs"], torch.softmax(z, dim=0)):
        raise AssertionError("probabilities disagree with torch.softmax")
    if not math.isclose(float(got["probs"].sum()), 1.0, rel_tol=0, abs_tol=1e-12):
        raise AssertionError("probabilities do not sum to 1")
    if not _close(got["log_probs"], F.log_softmax(z, dim=0)):
        raise AssertionError("log-probabilities disagree with F.log_softmax")
    ce = F.cross_entropy(z[None], target)
    nll = F.nll_loss(F.log_softmax(z[None], dim=1), target)
    soft = F.cross_entropy(z[None], F.one_hot(target, z.numel()).double())  # one-hot target
    for name, value in (("cross_entropy", ce), ("nll_loss(log_softmax)", nll), ("one-hot", soft)):
        if not _close(got["loss"], value.reshape(1)):
            raise AssertionError(f"loss disagrees with torch's {name}")
    for name, value in trace.extra["losses"].items():
        if not math.isclose(value, float(ce), rel_tol=1e-9, abs_tol=1e-9):
            raise AssertionError(f"recorded {name} loss disagrees with F.cross_entropy")
    over = trace.extra["overflow"]
    big = torch.tensor(over["logits"], dtype=torch.float64)
    if not _close(torch.tensor(over["probs"], dtype=torch.float64), torch.softmax(big, dim=0)):
        raise AssertionError("overflow demo probabilities disagree with torch.softmax")
