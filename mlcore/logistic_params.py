"""What the logistic-regression scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.logistic`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import ParamError, param

MAX_SAMPLES = 8  # points readable on the plot and in the per-sample table
MAX_EPOCHS = 2000  # the trace keeps every epoch; the scene shows a few snapshots


@dataclass(frozen=True)
class LogisticParams:
    """The course's data (hours studied -> passed) and the training settings."""

    x: tuple[float, ...] = param(
        (1.0, 2.0, 3.0), "inputs (hours studied)", low=-10, high=10, min_len=2, max_len=MAX_SAMPLES
    )
    y: tuple[int, ...] = param(
        (0, 0, 1), "labels, 0 or 1, one per x", low=0, high=1, min_len=2, max_len=MAX_SAMPLES
    )
    lr: float = param(1.0, "learning rate of gradient descent", low=0.001, high=5.0)
    epochs: int = param(300, "gradient-descent steps", low=1, high=MAX_EPOCHS)
    seed: int = param(0, "seed of the initial weight and bias", low=0, high=2**31 - 1)

    def validate(self) -> None:
        if len(self.y) != len(self.x):
            raise ParamError(
                "y", f"needs one label per x ({len(self.x)} x values, {len(self.y)} labels)"
            )
