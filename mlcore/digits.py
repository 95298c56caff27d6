"""Real handwritten digits as 28×28 images: scikit-learn's bundled set, or MNIST from a folder.

By default the data is scikit-learn's digits (1797 images of 8×8 pixels, 0..16, shipped
inside its wheel: nothing is downloaded). Each is brought to MNIST's layout: scaled to
0..1, upsampled bilinearly (``F.interpolate``) to 20×20 and padded with 4 zeros on every
side to 28×28, as MNIST centres its digits in a 20×20 box. A fixed seeded permutation
splits it into 1437 training and 360 test images. With ``data=DIR`` the real MNIST is read
from torchvision's layout by :mod:`mlcore.idx`; its first 5000 training and first 1000
test images are used, so that training stays within seconds (the trace says so).
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import NotRequired, TypedDict

import numpy as np
import torch
import torch.nn.functional as F

from explain.mlcore.digit_sizes import (
    CLASSES,
    MNIST_TEST_LIMIT,
    MNIST_TRAIN_LIMIT,
    SIZE,
    TEST_COUNT,
)
from explain.mlcore.idx import IdxError, read_idx
from explain.mlcore.params import ParamError

# The course's transforms.Normalize((0.1307,), (0.3081,)): MNIST's mean and std.
MEAN, STD = 0.1307, 0.3081
DIGITS_BOX = 20  # MNIST fits each digit in a 20×20 box centred in 28×28
DIGITS_MAX = 16.0  # scikit-learn's digits count ink from 0 to 16
SPLIT_SEED = 0
MNIST_FILES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}


class DigitsInfo(TypedDict):
    """Where a DigitSet came from, as recorded in the mlp and cnn-shapes traces."""

    source: str  # "sklearn-digits" or "mnist"
    images: NotRequired[int]  # sklearn-digits: all images before the split
    prepare: NotRequired[str]  # sklearn-digits: how 8x8 became 28x28
    split_seed: NotRequired[int]  # sklearn-digits: seed of the train/test split
    train: int
    train_total: NotRequired[int]  # mnist: training images in the files (before the limit)
    test: int
    test_total: NotRequired[int]  # mnist
    subsampled: NotRequired[bool]  # mnist: fewer images used than the files hold


@dataclass(frozen=True)
class DigitSet:
    """Images (N, 28, 28) in 0..1 as float32, labels (N,) as int64, and where they came from."""

    train_images: torch.Tensor
    train_labels: torch.Tensor
    test_images: torch.Tensor
    test_labels: torch.Tensor
    info: DigitsInfo  # recorded in the trace


def normalize(images: torch.Tensor) -> torch.Tensor:
    """The course's Normalize((0.1307,), (0.3081,)) on images in 0..1."""
    return (images - MEAN) / STD


def load_digits(data: str = "") -> DigitSet:
    """scikit-learn's digits when ``data`` is empty, else MNIST from the folder ``data``."""
    if not data:
        return sklearn_digits()
    return mnist_folder(data)


def _digits_csv() -> Path:
    # Located without importing scikit-learn (a second of imports): the wheel ships the
    # file that sklearn.datasets.load_digits reads (a test checks they agree).
    spec = importlib.util.find_spec("sklearn")
    if spec is None or spec.origin is None:
        raise ParamError("data", "scikit-learn is not installed; give data=DIR with MNIST")
    path = Path(spec.origin).parent / "datasets" / "data" / "digits.csv.gz"
    if not path.is_file():
        raise ParamError("data", "scikit-learn's digits.csv.gz is missing from its install")
    return path


@cache
def _sklearn_arrays() -> tuple[np.ndarray, np.ndarray]:
    with gzip.open(_digits_csv(), "rt") as fh:
        table = np.loadtxt(fh, delimiter=",", dtype=np.float64)  # (1797, 65)
    return table[:, :-1].reshape(-1, 8, 8), table[:, -1].astype(np.int64)


def upsample_digits(small: torch.Tensor) -> torch.Tensor:
    """(N, 8, 8) counts 0..16 -> (N, 28, 28) in 0..1, the digit in the middle 20×20."""
    x = (small / DIGITS_MAX)[:, None]  # (N, 1, 8, 8)
    x = F.interpolate(x, size=(DIGITS_BOX, DIGITS_BOX), mode="bilinear", align_corners=False)
    pad = (SIZE - DIGITS_BOX) // 2
    return F.pad(x, (pad, pad, pad, pad))[:, 0]  # (N, 28, 28)


def sklearn_digits() -> DigitSet:
    small, labels = _sklearn_arrays()
    images = upsample_digits(torch.tensor(small, dtype=torch.float32))  # (1797, 28, 28)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(SPLIT_SEED))
    test, train = order[:TEST_COUNT], order[TEST_COUNT:]
    y = torch.tensor(labels)
    info = DigitsInfo(
        source="sklearn-digits",
        images=len(images),
        prepare="8x8 / 16, bilinear to 20x20, padded to 28x28",
        split_seed=SPLIT_SEED,
        train=len(train),
        test=len(test),
    )
    return DigitSet(images[train], y[train], images[test], y[test], info)


def _raw_folder(folder: Path) -> Path:
    """torchvision's DIR/MNIST/raw, or the raw folder itself."""
    nested = folder / "MNIST" / "raw"
    return nested if nested.is_dir() else folder


def _mnist_file(raw: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        if (raw / name).is_file():
            return raw / name
    raise ParamError("data", f"{stem}[.gz] not found in {str(raw)[-80:]!r}")


def _read_pair(raw: Path, split: str, limit: int) -> tuple[torch.Tensor, torch.Tensor, int]:
    images = read_idx(_mnist_file(raw, MNIST_FILES[f"{split}_images"]))
    labels = read_idx(_mnist_file(raw, MNIST_FILES[f"{split}_labels"]))
    if images.ndim != 3 or images.shape[1:] != (SIZE, SIZE) or images.dtype != np.uint8:
        raise IdxError(f"{split} images must be N x 28 x 28 unsigned bytes")
    if labels.ndim != 1 or len(labels) != len(images):
        raise IdxError(f"{split}: {len(images)} images but {labels.shape} labels")
    if len(labels) == 0 or labels.max() >= CLASSES:
        raise IdxError(f"{split} labels must be digits 0 to 9 (and there must be some)")
    x = torch.tensor(images[:limit].astype(np.float32) / 255.0)  # (n, 28, 28)
    return x, torch.tensor(labels[:limit].astype(np.int64)), len(images)


def mnist_folder(data: str) -> DigitSet:
    try:
        folder = Path(data).expanduser()
        if not folder.is_dir():
            raise ParamError("data", f"no folder {data[:80]!r} (a folder with MNIST's IDX files)")
        raw = _raw_folder(folder)
        train_x, train_y, train_total = _read_pair(raw, "train", MNIST_TRAIN_LIMIT)
        test_x, test_y, test_total = _read_pair(raw, "test", MNIST_TEST_LIMIT)
    except IdxError as err:
        raise ParamError("data", str(err)) from None
    except (OSError, RuntimeError) as err:  # a name too long, a loop of links, no permission
        raise ParamError("data", f"cannot read {data[:80]!r} ({type(err).__name__})") from None
    info = DigitsInfo(
        source="mnist",
        train=len(train_x),
        train_total=train_total,
        test=len(test_x),
        test_total=test_total,
        subsampled=len(train_x) < train_total or len(test_x) < test_total,
    )
    return DigitSet(train_x, train_y, test_x, test_y, info)
