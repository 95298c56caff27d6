"""What a pooling scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.pool`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import Matrix, ParamError, param, typed_matrix
from explain.mlcore.sizes import conv_output_size

# Output cells (over all channels) the scene animates one by one.
MAX_STEPS = 64


@dataclass(frozen=True)
class PoolParams:
    """Square pooling windows over a (C, H, W) input of small integers (ties happen)."""

    input_size: int = param(4, "height and width of the input", low=1, high=8)
    channels: int = param(1, "channels C, each pooled on its own", low=1, high=3)
    kernel_size: int = param(2, "height and width k of the window", low=1, high=4)
    stride: int = param(2, "step s of the window", low=1, high=4)
    seed: int = param(0, "seed of the input values", low=0, high=2**31 - 1)
    image: str = param("", "a PNG, JPEG, BMP or GIF as the input, as integers 0-9 (empty: seeded)")
    # Typed numbers replace the seeded ones; their size sets input_size. With several
    # channels the one matrix is every channel's.
    input: Matrix = typed_matrix(
        "your own input numbers instead of seeded ones (one matrix, every channel)",
        max_rows=8,
        sets="input_size",
    )

    def validate(self) -> None:
        if self.kernel_size > self.input_size:
            raise ParamError(
                "kernel_size",
                f"must be at most input_size ({self.input_size}) (got {self.kernel_size})",
            )
        out = conv_output_size(self.input_size, self.kernel_size, self.stride)
        steps = self.channels * out * out
        if steps > MAX_STEPS:
            raise ParamError(
                "input_size",
                f"{steps} output cells to animate; at most {MAX_STEPS}"
                " (use a smaller input_size, fewer channels or more stride)",
            )
