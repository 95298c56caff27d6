"""What the MLP scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.mlp`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from explain.mlcore.digit_sizes import CLASSES, DIGITS_TRAIN, MNIST_TRAIN_LIMIT, PIXELS
from explain.mlcore.params import ParamError, param

MAX_WEIGHTS = 1_200_000  # keeps a build within seconds (the default has 574,080)
# Training work allowed in one trace, in weights × (updates + images / 128) over all
# epochs: time goes mostly into updates at small batches and into images at large ones.
# The defaults need 196 million on the digits and 677 million on MNIST's first 5000 images
# (measured 3.5 s and 8.8 s of CPU to build and verify); 10 epochs of batches of 16 on the
# digits would need 21 s.
MAX_WORK = 700_000_000


@dataclass(frozen=True)
class MlpParams:
    """Layer sizes and the training run of the course's MNIST MLP."""

    sizes: tuple[int, ...] = param(
        (784, 512, 256, 128, 64, 10),
        "layer widths, 784 pixels first and 10 digits last",
        low=1,
        high=1024,
        min_len=2,
        max_len=7,
    )
    epochs: int = param(10, "passes over the training images", low=1, high=20)
    lr: float = param(0.05, "SGD learning rate", low=0.0001, high=0.5)
    momentum: float = param(0.9, "SGD momentum", low=0.0, high=0.99)
    batch_size: int = param(64, "images per mini-batch", low=16, high=1024)
    data: str = param(
        "",
        "folder with MNIST's IDX files (torchvision's layout); empty: scikit-learn's digits",
        max_len=200,
    )
    seed: int = param(0, "seed of the weights and the shuffling", low=0, high=2**31 - 1)

    def validate(self) -> None:
        if self.sizes[0] != PIXELS or self.sizes[-1] != CLASSES:
            raise ParamError("sizes", f"must start with {PIXELS} and end with {CLASSES}")
        weights = sum(a * b for a, b in zip(self.sizes[:-1], self.sizes[1:]))
        if weights > MAX_WEIGHTS:
            raise ParamError("sizes", f"at most {MAX_WEIGHTS:,} weights (got {weights:,})")
        images = MNIST_TRAIN_LIMIT if self.data else DIGITS_TRAIN  # at most, for MNIST
        updates = math.ceil(images / self.batch_size)
        work = self.epochs * weights * (updates + images / 128)
        if work > MAX_WORK:
            raise ParamError(
                "epochs",
                f"too much training for one trace ({work / 1e6:,.0f} million of at most "
                f"{MAX_WORK // 1_000_000} million weights × (updates + images / 128)): "
                "fewer epochs, a larger batch_size or smaller sizes",
            )
