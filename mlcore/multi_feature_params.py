"""What the multi-feature scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.multi_feature`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import ParamError, param

MAX_WIDTH = 16  # units per layer that still read as a matrix of numbers
MAX_EPOCHS = 1000  # with 16-wide layers, build and replay stay within seconds
# Activations of the hidden layers, by the names of their torch functions.
ACTIVATIONS: tuple[str, ...] = ("sigmoid", "relu", "tanh")


@dataclass(frozen=True)
class MultiFeatureParams:
    sizes: tuple[int, ...] = param(
        (8, 6, 4, 1),
        "layer widths: first = number of features, last = 1 (the probability)",
        low=1,
        high=MAX_WIDTH,
        min_len=2,
        max_len=5,
    )
    activation: str = param(
        "sigmoid",
        "activation of the hidden layers (the last is sigmoid)",
        choices=ACTIVATIONS,
    )
    epochs: int = param(300, "full-batch training epochs", low=1, high=MAX_EPOCHS)
    lr: float = param(1.0, "learning rate of optim.SGD", low=1e-4, high=10.0)
    data: str = param(
        "",
        "CSV file (.gz too): numbers, last column the 0/1 label; empty = bundled breast-cancer set",
        max_len=200,
    )
    seed: int = param(0, "seed of the initial weights", low=0, high=2**31 - 1)

    def validate(self) -> None:
        if self.sizes[-1] != 1:
            raise ParamError(
                "sizes", f"the last size must be 1, one probability (got {self.sizes[-1]})"
            )
