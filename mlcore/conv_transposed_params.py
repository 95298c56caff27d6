"""What the transposed-convolution scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.conv_transposed`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import ParamError, param

# A stretched grid wider than this no longer has readable numbers at 480p.
MAX_STRETCHED_SIZE = 12


@dataclass(frozen=True)
class ConvTransposedParams:
    """One input channel, one output channel, small integer values."""

    input_size: int = param(2, "height and width of the input", low=1, high=5)
    kernel_size: int = param(3, "height and width k of the kernel", low=1, high=4)
    stride: int = param(2, "stride s: s−1 zeros are inserted between input cells", low=1, high=3)
    padding: int = param(0, "padding p: removes p cells from each output border", low=0, high=3)
    output_padding: int = param(0, "extra cells on the bottom and right edge", low=0, high=2)
    seed: int = param(0, "seed of the input and kernel values", low=0, high=2**31 - 1)

    def validate(self) -> None:
        if self.padding > self.kernel_size - 1:
            raise ParamError(
                "padding",
                f"must be at most kernel_size − 1 = {self.kernel_size - 1} (got {self.padding})",
            )
        if self.output_padding >= self.stride:
            raise ParamError(
                "output_padding",
                f"must be smaller than stride ({self.stride}) (got {self.output_padding})",
            )
        size = stretched_size(self)
        if size < self.kernel_size:
            raise ParamError(
                "padding",
                f"the output would be empty: (i−1)·s − 2p + k + output_padding ="
                f" {size - self.kernel_size + 1}; use less padding or a larger input_size",
            )
        if size > MAX_STRETCHED_SIZE:
            raise ParamError(
                "input_size",
                f"the grid with inserted zeros is {size} cells wide; at most"
                f" {MAX_STRETCHED_SIZE} (use a smaller input_size, stride or kernel_size)",
            )


def stretched_size(params: ConvTransposedParams) -> int:
    """Side of the zero-stuffed, padded grid: (i−1)s + 1 + 2(k−1−p) + output_padding."""
    inner = (params.input_size - 1) * params.stride + 1
    return inner + 2 * (params.kernel_size - 1 - params.padding) + params.output_padding
