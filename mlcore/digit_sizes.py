"""How large the digit images and sets of :mod:`explain.mlcore.digits` are.

Apart from the loader, which computes with torch, because parameter limits (the test
digit's index, the MLP's first and last layer) are these numbers and reading a scene's
parameters (``explain info``) must not load torch.
"""

from __future__ import annotations

SIZE = 28  # MNIST images are 28×28
PIXELS = SIZE * SIZE  # 784, the length of x.view(-1, 784)
CLASSES = 10

TEST_COUNT = 360  # 20 % of 1797
DIGITS_TRAIN = 1797 - TEST_COUNT
MNIST_TRAIN_LIMIT = 5000
MNIST_TEST_LIMIT = 1000
