"""Tabular 0/1 data for the multi-feature scene: the course's CSV format, or a bundled set.

The course reads ``diabetes.csv.gz``: comma-separated numbers, one sample a line, the
last column the 0/1 label. :func:`read_csv_data` reads that format (gzipped or not) and
refuses anything else with a one-line ParamError naming ``data``. Without a file the
default is scikit-learn's bundled Wisconsin breast-cancer table (in its wheel, nothing is
downloaded): its eight "mean" features, standardised, stand in for the diabetes file's
eight features (see README).
"""

from __future__ import annotations

import gzip
import importlib.util
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from explain.mlcore.params import ParamError

MAX_ROWS = 10_000  # trains in seconds; the trace keeps every row for its verifier
MAX_COLUMNS = 65  # 64 features and the label
MAX_FILE_BYTES = 20_000_000
BUNDLED_FILE = "breast_cancer.csv"  # in sklearn/datasets/data/ of scikit-learn's wheel


@dataclass(frozen=True)
class TabularData:
    """Samples (rows of features) and their 0/1 labels, with where they came from."""

    features: list[list[float]]  # (N, F)
    labels: list[float]  # (N,) each 0.0 or 1.0
    source: str
    about: dict[str, Any] = field(default_factory=dict)  # names, standardisation

    @property
    def feature_count(self) -> int:
        return len(self.features[0])


def _read_text(path: Path) -> str:
    """The file's text; gzip when it starts with gzip's magic bytes, whatever its name."""
    try:
        if path.is_dir():
            raise ParamError("data", f"{_short(path)} is a folder, not a CSV file")
        if not path.is_file():
            raise ParamError("data", f"no such file {_short(path)}")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ParamError("data", f"{_short(path)} is larger than {MAX_FILE_BYTES} bytes")
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        return raw.decode("utf-8")
    except ParamError:
        raise
    except (OSError, EOFError, UnicodeDecodeError, ValueError) as err:
        # ValueError: a NUL in the name; EOFError / BadGzipFile (an OSError): a cut gzip.
        reason = str(err).splitlines()[0][:80] if str(err) else type(err).__name__
        raise ParamError("data", f"cannot read {_short(path)}: {reason}") from None


def _short(path: Path) -> str:
    text = str(path)
    return repr(text if len(text) <= 60 else "..." + text[-57:])


def _parse_row(line: str, number: int, width: int | None) -> list[float]:
    cells = line.split(",")
    if width is not None and len(cells) != width:
        raise ParamError(
            "data", f"line {number} has {len(cells)} columns, the lines before it {width}"
        )
    try:
        values = [float(cell) for cell in cells]
    except ValueError:
        raise ParamError("data", f"line {number} holds something that is not a number") from None
    if not all(math.isfinite(v) for v in values):
        raise ParamError("data", f"line {number} holds nan or infinity")
    if values[-1] not in (0.0, 1.0):
        raise ParamError("data", f"line {number}: the last column (the label) must be 0 or 1")
    return values


def read_csv_data(path: Path) -> TabularData:
    """Comma-separated numbers, one sample a line, last column the 0/1 label."""
    lines = [ln.strip() for ln in _read_text(path).splitlines()]
    rows: list[list[float]] = []
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        if len(rows) >= MAX_ROWS:
            raise ParamError("data", f"more than {MAX_ROWS} samples in {_short(path)}")
        rows.append(_parse_row(line, number, len(rows[0]) if rows else None))
    if not rows:
        raise ParamError("data", f"{_short(path)} holds no samples")
    if not 2 <= len(rows[0]) <= MAX_COLUMNS:
        raise ParamError("data", f"needs 1 to {MAX_COLUMNS - 1} feature columns and a label column")
    return TabularData(
        features=[row[:-1] for row in rows],
        labels=[row[-1] for row in rows],
        source=path.name,
    )


# The columns of scikit-learn's breast_cancer.csv used here (its load_breast_cancer names).
BREAST_CANCER_FEATURES = (
    "mean radius",
    "mean texture",
    "mean perimeter",
    "mean area",
    "mean smoothness",
    "mean compactness",
    "mean concavity",
    "mean concave points",
)


def _bundled_breast_cancer() -> Path:
    """breast_cancer.csv inside the installed scikit-learn, found without importing it
    (importing sklearn.datasets took 2.7 s, longer than training the network)."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ParamError("data", "the default data needs scikit-learn; or give data=FILE")
    return Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data" / BUNDLED_FILE


def breast_cancer_data() -> TabularData:
    """scikit-learn's bundled breast-cancer table: its first eight (mean) features,
    standardised to mean 0 and standard deviation 1 with the recorded statistics."""
    lines = _read_text(_bundled_breast_cancer()).splitlines()[1:]  # after "569,30,..."
    rows = [[float(v) for v in line.split(",")] for line in lines if line.strip()]
    raw = np.array([row[: len(BREAST_CANCER_FEATURES)] for row in rows])  # (569, 8)
    mean = raw.mean(axis=0)  # (8,)
    std = raw.std(axis=0)  # (8,) population standard deviation
    scaled = (raw - mean) / std  # (569, 8)
    return TabularData(
        features=scaled.tolist(),
        labels=[row[-1] for row in rows],  # 1 = benign, 0 = malignant
        source="sklearn.datasets.load_breast_cancer",
        about={
            "features": list(BREAST_CANCER_FEATURES),
            "mean": mean.tolist(),
            "std": std.tolist(),
            "label": "1 = benign, 0 = malignant",
        },
    )


def load_data(data: str) -> TabularData:
    """The user's file when ``data`` names one, else the bundled default."""
    return read_csv_data(Path(data).expanduser()) if data.strip() else breast_cancer_data()
