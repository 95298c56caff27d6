"""The trace: what a computation did, as plain data a scene can draw and a test can check.

A trace holds the effective parameters, named tensors as nested lists, and one record
per animated step. Scene-specific structured data that is not a tensor (a computation
graph, optimiser paths, size arithmetic) lives in ``extra`` and is written as further
top-level keys of the JSON document.
"""

from __future__ import annotations

import io
import json
import math
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np

RESERVED_KEYS = ("scene", "params", "tensors", "steps")

# A topic's TypedDict for one step, or for its extra data (beside its builder in mlcore).
StepT = TypeVar("StepT")
ExtraT = TypeVar("ExtraT")


class TraceError(ValueError):
    """A trace document is malformed."""


def to_nested(values: Any) -> Any:
    """Tensor or array -> nested Python lists of float/int/bool (exact for float32/64)."""
    if hasattr(values, "detach"):  # a torch tensor; mlcore never needs torch imported here
        values = values.detach().cpu().numpy()
    arr = np.asarray(values)
    if arr.dtype.kind == "f":
        arr = arr.astype(np.float64)
    return arr.tolist()


@dataclass
class Trace:
    """A recorded computation: parameters, tensors, steps and any extra top-level data."""

    scene: str
    params: dict[str, Any]
    tensors: dict[str, Any]  # name -> nested lists (see to_nested)
    steps: list[dict[str, Any]] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        clash = set(self.extra) & set(RESERVED_KEYS)
        if clash:
            raise TraceError(f"extra keys clash with reserved keys: {sorted(clash)}")

    def steps_as(self, kind: type[StepT]) -> list[StepT]:
        """The steps as the builder's TypedDict ``kind``: a key renamed in mlcore is then
        a mypy error in the scene that reads it. Nothing is checked at run time (the
        verifier checks the values; the JSON stays plain dicts)."""
        return cast(list[StepT], self.steps)

    def extra_as(self, kind: type[ExtraT]) -> ExtraT:
        """The extra data as the builder's TypedDict ``kind`` (see ``steps_as``)."""
        return cast(ExtraT, self.extra)

    def array(self, name: str) -> np.ndarray:
        """A tensor as a float64 (or integer) numpy array."""
        return np.asarray(self.tensors[name])

    def to_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "scene": self.scene,
            "params": self.params,
            "tensors": self.tensors,
            "steps": self.steps,
        }
        doc.update(self.extra)
        return doc

    def to_json(self, indent: int | None = None) -> str:
        """Deterministic JSON: same trace, same bytes. NaN and infinity are refused."""
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False, ensure_ascii=False)

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Trace:
        missing = [k for k in RESERVED_KEYS if k not in doc]
        if missing:
            raise TraceError(f"trace is missing {missing}")
        extra = {k: v for k, v in doc.items() if k not in RESERVED_KEYS}
        return cls(doc["scene"], doc["params"], doc["tensors"], doc["steps"], extra)

    @classmethod
    def from_json(cls, text: str) -> Trace:
        return cls.from_dict(json.loads(text))

    def to_npz_bytes(self) -> bytes:
        """Tensors as .npy arrays plus the whole trace as JSON, in one .npz archive.

        Written with a fixed timestamp so that the same trace gives the same bytes.
        """
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for name in sorted(self.tensors):
                npy = io.BytesIO()
                np.save(npy, self.array(name), allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                zf.writestr(info, npy.getvalue(), compress_type=zipfile.ZIP_DEFLATED)
            info = zipfile.ZipInfo("trace.json", date_time=(1980, 1, 1, 0, 0, 0))
            zf.writestr(info, self.to_json().encode(), compress_type=zipfile.ZIP_DEFLATED)
        return buf.getvalue()

    @classmethod
    def from_npz(cls, path: Path) -> Trace:
        with zipfile.ZipFile(path) as zf:
            return cls.from_json(zf.read("trace.json").decode())

    def assert_finite(self) -> None:
        """Raise TraceError if any tensor or step holds NaN or infinity."""
        for name, values in self.tensors.items():
            arr = np.asarray(values)
            if arr.dtype.kind == "f" and not np.isfinite(arr).all():
                raise TraceError(f"tensor {name} is not finite")
        _walk_finite(self.steps, "steps")
        _walk_finite(self.extra, "extra")


def step_dicts(items: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A builder's typed steps as the plain dicts a Trace holds (the same objects)."""
    return [cast(dict[str, Any], item) for item in items]


def extra_dict(item: Mapping[str, Any]) -> dict[str, Any]:
    """A builder's typed extra data as the plain dict a Trace holds (the same object)."""
    return cast(dict[str, Any], item)


def _walk_finite(obj: Any, where: str) -> None:
    if isinstance(obj, float) and not math.isfinite(obj):
        raise TraceError(f"{where} holds a non-finite number")
    if isinstance(obj, dict):
        for k, v in obj.items():
            _walk_finite(v, f"{where}.{k}")
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            _walk_finite(v, where)
