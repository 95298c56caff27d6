"""Sizes and window positions of sliding-window operations, derived in one tested place.

conv_arithmetic typed its output sizes by hand and shipped a wrong figure; here every
size a scene shows comes from these functions, and tests check them against torch.
"""

from __future__ import annotations


def effective_kernel(kernel: int, dilation: int = 1) -> int:
    """Span of a dilated kernel along one axis: d·(k−1) + 1."""
    if kernel < 1 or dilation < 1:
        raise ValueError("kernel and dilation must be >= 1")
    return dilation * (kernel - 1) + 1


def conv_output_size(
    size: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1
) -> int:
    """Output length of a convolution or pooling along one axis.

    o = floor((i + 2p − d(k−1) − 1) / s) + 1, as torch computes it (ceil_mode=False).
    Raises ValueError when the (dilated) kernel does not fit in the padded input.
    """
    if size < 1 or stride < 1 or padding < 0:
        raise ValueError("size and stride must be >= 1, padding >= 0")
    span = size + 2 * padding - effective_kernel(kernel, dilation)
    if span < 0:
        raise ValueError("kernel is larger than the padded input")
    return span // stride + 1


def conv_transpose_output_size(
    size: int,
    kernel: int,
    stride: int = 1,
    padding: int = 0,
    output_padding: int = 0,
    dilation: int = 1,
) -> int:
    """Output length of a transposed convolution: (i−1)s − 2p + d(k−1) + output_padding + 1."""
    if size < 1 or stride < 1 or padding < 0 or output_padding < 0:
        raise ValueError("size and stride must be >= 1, padding and output_padding >= 0")
    out = (size - 1) * stride - 2 * padding + effective_kernel(kernel, dilation) + output_padding
    if out < 1:
        raise ValueError("transposed convolution output would be empty")
    return out


def window_origins(out_size: int, stride: int) -> list[int]:
    """Top (or left) coordinate in padded input of each output position along one axis."""
    return [i * stride for i in range(out_size)]


def window_taps(top: int, left: int, kernel: int, dilation: int = 1) -> list[list[int]]:
    """Padded-input (row, col) of each kernel tap, in row-major kernel order."""
    return [[top + a * dilation, left + b * dilation] for a in range(kernel) for b in range(kernel)]
