"""What a 2-D convolution scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.conv`, which computes with torch, so that reading a
scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import Matrix, ParamError, param, typed_matrix
from explain.mlcore.sizes import conv_output_size, effective_kernel

# A padded input wider than this no longer has readable numbers at 480p.
MAX_PADDED_SIZE = 12
# Output cells (over all output channels) the scene animates one by one.
MAX_STEPS = 150

# The kernels a lecture names, by the names it uses (``--set kernel=sobel-x``).
NAMED_KERNELS: tuple[tuple[str, Matrix], ...] = (
    ("identity", ((0.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 0.0))),
    ("sobel-x", ((1.0, 0.0, -1.0), (2.0, 0.0, -2.0), (1.0, 0.0, -1.0))),
    ("sobel-y", ((1.0, 2.0, 1.0), (0.0, 0.0, 0.0), (-1.0, -2.0, -1.0))),
    ("blur", tuple((1 / 9, 1 / 9, 1 / 9) for _ in range(3))),  # the 3x3 box blur
    ("sharpen", ((0.0, -1.0, 0.0), (-1.0, 5.0, -1.0), (0.0, -1.0, 0.0))),
    ("edge", ((-1.0, -1.0, -1.0), (-1.0, 8.0, -1.0), (-1.0, -1.0, -1.0))),  # Laplacian
)


@dataclass(frozen=True)
class ConvParams:
    """A square 2-D convolution over a (C, H, W) input with small integer values."""

    input_size: int = param(5, "height and width of the input", low=1, high=10)
    in_channels: int = param(1, "input channels C", low=1, high=3)
    out_channels: int = param(1, "output channels O (one kernel set each)", low=1, high=3)
    kernel_size: int = param(3, "height and width k of each kernel", low=1, high=5)
    stride: int = param(1, "step s of the window", low=1, high=6)
    padding: int = param(0, "zero cells p added on every side", low=0, high=3)
    dilation: int = param(1, "spacing d between kernel taps", low=1, high=4)
    bias: bool = param(False, "add one bias value per output channel")
    seed: int = param(0, "seed of the input, kernel and bias values", low=0, high=2**31 - 1)
    image: str = param("", "a PNG, JPEG, BMP or GIF as the input, as integers 0-9 (empty: seeded)")
    # Typed numbers replace the seeded ones; their size sets input_size / kernel_size. With
    # several channels the one matrix is every channel's (every kernel's, for `kernel`).
    input: Matrix = typed_matrix(
        "your own input numbers instead of seeded ones (one matrix, every channel)",
        max_rows=10,
        sets="input_size",
    )
    kernel: Matrix = typed_matrix(
        "your own kernel numbers or a named kernel (one matrix, every kernel)",
        max_rows=5,
        sets="kernel_size",
        named=NAMED_KERNELS,
    )

    def validate(self) -> None:
        padded = self.input_size + 2 * self.padding
        if padded > MAX_PADDED_SIZE:
            raise ParamError(
                "padding",
                f"input_size + 2*padding must be at most {MAX_PADDED_SIZE} (got {padded})",
            )
        span = effective_kernel(self.kernel_size, self.dilation)
        if span > padded:
            raise ParamError(
                "kernel_size",
                f"dilated kernel spans {span} cells, larger than the padded input ({padded});"
                " use a smaller kernel_size or dilation, or more padding",
            )
        out = conv_output_size(
            self.input_size, self.kernel_size, self.stride, self.padding, self.dilation
        )
        steps = self.out_channels * out * out
        if steps > MAX_STEPS:
            raise ParamError(
                "input_size",
                f"{steps} output cells to animate; at most {MAX_STEPS}"
                " (use a smaller input_size or more stride)",
            )
