"""What the softmax scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.softmax`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import ParamError, param

# Classes the scene can draw as readable bars side by side.
MAX_CLASSES = 8
# Logit magnitudes allowed: far past exp()'s overflow (about 709 in float64), still readable.
MAX_LOGIT = 10_000.0


@dataclass(frozen=True)
class SoftmaxParams:
    """Raw scores for a few classes and the index of the true class."""

    logits: tuple[float, ...] = param(
        (2.0, 1.0, 0.1),
        "raw scores z, one per class",
        low=-MAX_LOGIT,
        high=MAX_LOGIT,
        min_len=2,
        max_len=MAX_CLASSES,
    )
    target: int = param(0, "index of the true class", low=0, high=MAX_CLASSES - 1)

    def validate(self) -> None:
        if self.target >= len(self.logits):
            raise ParamError(
                "target",
                f"must be a class index from 0 to {len(self.logits) - 1}"
                f" ({len(self.logits)} logits given; got {self.target})",
            )
