"""The one output-size function, against the shapes torch produces."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.mlcore.sizes import (
    conv_output_size,
    conv_transpose_output_size,
    effective_kernel,
    window_taps,
)


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(1, 16),
    kernel=st.integers(1, 6),
    stride=st.integers(1, 7),
    padding=st.integers(0, 4),
    dilation=st.integers(1, 4),
)
def test_conv_output_size_matches_torch(
    size: int, kernel: int, stride: int, padding: int, dilation: int
) -> None:
    x = torch.zeros(1, 1, size, size)
    w = torch.zeros(1, 1, kernel, kernel)
    if size + 2 * padding < effective_kernel(kernel, dilation):
        with pytest.raises(ValueError):
            conv_output_size(size, kernel, stride, padding, dilation)
        return
    out = F.conv2d(x, w, stride=stride, padding=padding, dilation=dilation)
    assert conv_output_size(size, kernel, stride, padding, dilation) == out.shape[-1]


@settings(max_examples=200, deadline=None)
@given(
    size=st.integers(1, 8),
    kernel=st.integers(1, 5),
    stride=st.integers(1, 4),
    padding=st.integers(0, 3),
    dilation=st.integers(1, 3),
    output_padding=st.integers(0, 3),
)
def test_conv_transpose_output_size_matches_torch(
    size: int, kernel: int, stride: int, padding: int, dilation: int, output_padding: int
) -> None:
    if output_padding >= max(stride, dilation):  # torch refuses these
        return
    x = torch.zeros(1, 1, size, size)
    w = torch.zeros(1, 1, kernel, kernel)
    expected_len = (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1
    if expected_len < 1:
        with pytest.raises(ValueError):
            conv_transpose_output_size(size, kernel, stride, padding, output_padding, dilation)
        return
    out = F.conv_transpose2d(
        x, w, stride=stride, padding=padding, output_padding=output_padding, dilation=dilation
    )
    got = conv_transpose_output_size(size, kernel, stride, padding, output_padding, dilation)
    assert got == out.shape[-1]


def test_course_numbers() -> None:
    assert conv_output_size(5, 3) == 3  # the course's 5x5 input, 3x3 kernel
    assert conv_output_size(5, 3, padding=1) == 5
    assert conv_output_size(28, 5) == 24  # the MNIST network's first layer
    assert conv_output_size(24, 2, stride=2) == 12  # then max pooling


def test_window_taps_with_dilation() -> None:
    assert window_taps(1, 2, 2, dilation=3) == [[1, 2], [1, 5], [4, 2], [4, 5]]
