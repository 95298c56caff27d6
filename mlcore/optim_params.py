"""What the optimisation scenes (linear-loss, gradient-descent, sgd) let the user set, with
the limits beside each field.

Kept apart from :mod:`explain.mlcore.optim`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from explain.mlcore.params import ParamError, param

# Data points: more do not fit as readable dots and make the comparison slow to animate.
MAX_POINTS = 12
# Candidate weights of the exhaustive search: each one is a step of the animation.
MAX_SEARCH_POINTS = 81
# Weight updates recorded per run: the cost curves stay readable and the trace small.
MAX_UPDATES = 400


@dataclass(frozen=True)
class LinearData:
    """The course's data for y = w·x, shared by the three scenes that fit it."""

    x: tuple[float, ...] = param(
        (1.0, 2.0, 3.0), "inputs x", low=-10, high=10, min_len=1, max_len=MAX_POINTS
    )
    y: tuple[float, ...] = param(
        (2.0, 4.0, 6.0), "targets y (one per x)", low=-30, high=30, min_len=1, max_len=MAX_POINTS
    )

    def validate(self) -> None:
        if len(self.x) != len(self.y):
            raise ParamError(
                "y", f"must have as many values as x ({len(self.x)}), got {len(self.y)}"
            )


@dataclass(frozen=True)
class DescentStart(LinearData):
    """Where gradient descent starts and how far each update goes."""

    w0: float = param(1.0, "starting weight", low=-10, high=10)
    lr: float = param(0.01, "learning rate (step size)", low=1e-6, high=1.0)


@dataclass(frozen=True)
class LinearLossParams(LinearData):
    """Exhaustive search over the weight of y = w·x on a small data set."""

    w_min: float = param(0.0, "first weight tried", low=-10, high=10)
    w_max: float = param(4.0, "last weight tried", low=-10, high=10)
    w_step: float = param(0.1, "distance between weights tried", low=0.01, high=5)

    def validate(self) -> None:
        super().validate()
        if self.w_max <= self.w_min:
            raise ParamError("w_max", f"must be greater than w_min ({self.w_min})")
        count = search_count(self.w_min, self.w_max, self.w_step)
        if count > MAX_SEARCH_POINTS:
            raise ParamError(
                "w_step",
                f"{count} weights to try; at most {MAX_SEARCH_POINTS}"
                " (use a larger w_step or a narrower w_min..w_max)",
            )


def search_count(w_min: float, w_max: float, w_step: float) -> int:
    """Weights w_min, w_min + step, ... up to w_max (inclusive, up to rounding)."""
    return int(math.floor((w_max - w_min) / w_step + 1e-9)) + 1


@dataclass(frozen=True)
class GradientDescentParams(DescentStart):
    """Batch gradient descent on y = w·x: every update uses all the data."""

    epochs: int = param(100, "passes over the data (one update each)", low=1, high=MAX_UPDATES)
    beta: float = param(0.9, "smoothing factor of the averaged cost curve", low=0.0, high=0.99)


@dataclass(frozen=True)
class SGDParams(DescentStart):
    """Mini-batch gradient descent: batch_size 1 is SGD, len(x) is batch GD."""

    epochs: int = param(20, "passes over the data", low=1, high=100)
    batch_size: int = param(2, "samples per update (1: SGD, all: batch GD)", low=1, high=MAX_POINTS)
    shuffle: bool = param(True, "visit the samples in a new random order every epoch")
    seed: int = param(0, "seed of the shuffling", low=0, high=2**31 - 1)
    beta: float = param(0.9, "smoothing factor of the averaged cost curve", low=0.0, high=0.99)

    def validate(self) -> None:
        super().validate()
        n = len(self.x)
        if self.batch_size > n:
            raise ParamError("batch_size", f"must be at most the number of samples ({n})")
        updates = self.epochs * n  # SGD, the slowest of the compared runs
        if updates > MAX_UPDATES:
            raise ParamError(
                "epochs",
                f"{updates} SGD updates (epochs × samples); at most {MAX_UPDATES}"
                " (use fewer epochs or samples)",
            )
