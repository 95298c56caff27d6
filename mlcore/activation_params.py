"""What the activation scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.activation`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import ParamError, param

ACTIVATIONS: tuple[str, ...] = ("relu", "sigmoid", "tanh")
MAX_HIDDEN = 4  # hidden units whose weights still fit on one line of the scene
MIN_SPAN = 2.0  # narrowest input range that still shows a curve's shape


@dataclass(frozen=True)
class ActivationParams:
    """The input range of the curves and the small network that shows the collapse."""

    x_min: float = param(-4.0, "left end of the input range", low=-10, high=10)
    x_max: float = param(4.0, "right end of the input range", low=-10, high=10)
    points: int = param(41, "input values sampled over the range", low=5, high=201)
    hidden: int = param(3, "hidden units between the two linear layers", low=1, high=MAX_HIDDEN)
    between: str = param("relu", "activation between the two layers", choices=ACTIVATIONS)
    seed: int = param(0, "seed of the two layers' weights", low=0, high=2**31 - 1)

    def validate(self) -> None:
        if self.x_max - self.x_min < MIN_SPAN - 1e-9:  # 2.55 − 0.55 rounds below 2
            raise ParamError(
                "x_max",
                f"must be at least {MIN_SPAN:g} above x_min (got {self.x_min:g} to {self.x_max:g})",
            )
