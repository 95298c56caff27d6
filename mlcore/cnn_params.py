"""What the CNN scenes (cnn-shapes, inception, residual) let the user set, with the limits beside
each field.

Kept apart from :mod:`explain.mlcore.cnn`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.digit_sizes import TEST_COUNT
from explain.mlcore.params import param

INPUTS = ("test", "drawn")  # cnn-shapes' input: a real test digit or one drawn by the pen


@dataclass(frozen=True)
class CnnShapesParams:
    """The course's MNIST network, trained on real digits, on a test digit or a drawn one."""

    index: int = param(0, "which test digit (never trained on) goes in", low=0, high=TEST_COUNT - 1)
    input: str = param("test", "a real test digit, or a digit drawn by the pen", choices=INPUTS)
    digit: int = param(3, "which digit the pen draws (input=drawn)", low=0, high=9)
    seed: int = param(0, "seed of the training and the pen's wobble", low=0, high=2**31 - 1)
    image: str = param("", "a PNG, JPEG, BMP or GIF as the input (empty: input decides)")


@dataclass(frozen=True)
class InceptionParams:
    """The cost comparison (192 → 32 channels on 28×28) and the module on the same input."""

    size: int = param(28, "height and width of the input feature map", low=5, high=64)
    in_channels: int = param(192, "input channels", low=1, high=256)
    out_channels: int = param(32, "output channels of the 5×5 convolution", low=1, high=256)
    reduce_channels: int = param(16, "channels after the 1×1 reduction", low=1, high=256)
    seed: int = param(0, "seed of the input and the module's weights", low=0, high=2**31 - 1)


@dataclass(frozen=True)
class ResidualParams:
    """A residual block's shapes, and gradients through deep plain and residual stacks."""

    channels: int = param(4, "channels C of x (a block keeps them)", low=1, high=16)
    size: int = param(8, "height and width of x", low=2, high=16)
    depth: int = param(
        20, "layers in the plain stack = blocks in the residual stack", low=2, high=40
    )
    seed: int = param(0, "seed of x and of every layer's weights", low=0, high=2**31 - 1)
