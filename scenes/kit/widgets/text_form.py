"""A built Text as plain JSON and back, for the text cache: no pickle, nothing that runs code.

A Text is a small graph of mobjects (the Text, its glyphs, the ``chars`` group that holds
the same glyphs) whose attributes are numbers, strings, numpy arrays, colours and two
enums. The graph is written as a list of nodes, each a class from a fixed table and its
attributes; a shared glyph is one node referred to twice. Reading it back makes each
object as pickle would (``__new__``, then its attributes), so the Text is the very same
state Pango built and draws the same pixels; anything outside the table is refused.
"""

from __future__ import annotations

import binascii
import enum
import json
from pathlib import Path, PurePosixPath
from typing import Any

import numpy as np
from manim import ManimColor, Mobject, Text, VGroup
from manim.constants import CapStyleType, LineJointType
from manim.mobject.svg.svg_mobject import VMobjectFromSVGPath

# The only classes a cached Text may hold (anything else is refused both ways).
OBJECTS: dict[str, type[Any]] = {
    cls.__name__: cls for cls in (Text, VGroup, VMobjectFromSVGPath, ManimColor)
}
ENUMS: dict[str, type[enum.Enum]] = {cls.__name__: cls for cls in (CapStyleType, LineJointType)}
# Array element types a glyph holds, stored little-endian; no object arrays.
DTYPES = {"float64": "<f8", "float32": "<f4", "int64": "<i8", "int32": "<i4", "bool": "|b1"}
SCALARS = (type(None), bool, int, float, str)


class FormError(ValueError):
    """The object is not one the form can hold, or the JSON is not one it wrote."""


class _Writer:
    def __init__(self) -> None:
        self.nodes: list[dict[str, Any]] = []
        self.index: dict[int, int] = {}  # id(object) -> its node
        self.values: list[Any] = []  # each distinct attribute value once
        self.value_index: dict[str, int] = {}  # its JSON -> its place in values

    def shared(self, v: Any) -> int:
        """The place of ``v`` in the value table: the glyphs of a Text share most of their
        attributes, and reading each once makes a long caption several times faster."""
        encoded = self.value(v)
        text = json.dumps(encoded, sort_keys=True, allow_nan=False)
        if text not in self.value_index:
            self.value_index[text] = len(self.values)
            self.values.append(encoded)
        return self.value_index[text]

    def node(self, obj: object) -> int:
        if id(obj) not in self.index:
            name = type(obj).__name__
            if OBJECTS.get(name) is not type(obj):
                raise FormError(f"a {name} cannot be cached")
            self.index[id(obj)] = len(self.nodes)
            entry: dict[str, Any] = {"class": name}
            self.nodes.append(entry)
            entry["attrs"] = {k: self.shared(v) for k, v in vars(obj).items()}
        return self.index[id(obj)]

    def value(self, v: Any) -> Any:
        if isinstance(v, enum.Enum):
            if ENUMS.get(type(v).__name__) is not type(v):
                raise FormError(f"a {type(v).__name__} cannot be cached")
            return {"enum": type(v).__name__, "value": v.value}
        if type(v) in SCALARS:
            return v
        if isinstance(v, np.generic | np.ndarray):
            array = np.asarray(v)
            if array.dtype.name not in DTYPES:
                raise FormError(f"an array of {array.dtype} cannot be cached")
            # Raw bytes in base64: exact, and several times faster to read than decimals.
            raw = binascii.b2a_base64(
                array.astype(DTYPES[array.dtype.name]).tobytes(), newline=False
            ).decode()
            scalar = isinstance(v, np.generic)
            return {
                "array": array.dtype.name,
                "shape": list(array.shape),
                "raw": raw,
                "scalar": scalar,
            }
        if isinstance(v, PurePosixPath):
            return {"path": str(v)}
        if isinstance(v, list | tuple):
            return {type(v).__name__: [self.value(x) for x in v]}
        if isinstance(v, dict) and all(isinstance(k, str) for k in v):
            return {"dict": {k: self.value(x) for k, x in v.items()}}
        return {"node": self.node(v)}


def text_to_json(text: Text) -> bytes:
    """The Text's whole state as JSON; FormError when it holds anything unexpected."""
    writer = _Writer()
    writer.node(text)
    doc = {"values": writer.values, "nodes": writer.nodes}
    return json.dumps(doc, allow_nan=False, ensure_ascii=False).encode()


class _Reader:
    def __init__(self, doc: Any) -> None:
        nodes, values = doc["nodes"], doc["values"]
        if not isinstance(nodes, list) or not nodes or not isinstance(values, list):
            raise FormError("not a list of objects")
        self.raw = nodes
        self.objects = [self._blank(node) for node in nodes]
        self.arrays: dict[tuple[str, str, tuple[int, ...]], np.ndarray] = {}
        self.values = [self.value(v) for v in values]

    @staticmethod
    def _blank(node: Any) -> Any:
        name = node.get("class") if isinstance(node, dict) else None
        cls = OBJECTS.get(name) if isinstance(name, str) else None
        if cls is None or not isinstance(node.get("attrs"), dict):
            raise FormError("an object of no known class")
        make: Any = cls.__new__  # as pickle makes it: no __init__, the state follows
        return make(cls)

    def fill(self) -> None:
        values = self.values
        for obj, node in zip(self.objects, self.raw, strict=True):
            # Each object gets its own arrays and lists, as the built Text has.
            vars(obj).update({str(k): _own(values[i]) for k, i in node["attrs"].items()})

    def value(self, v: Any) -> Any:
        if type(v) in SCALARS:
            return v
        if not isinstance(v, dict) or not v:
            raise FormError("an unknown value")
        if "array" in v:
            return self.array(v)
        if "enum" in v:
            return ENUMS[v["enum"]](v["value"])
        (kind, inner), *rest = v.items()
        if rest:
            raise FormError("an unknown value")
        if kind == "node" and type(inner) is int and 0 <= inner < len(self.objects):
            return self.objects[inner]
        if kind == "path" and isinstance(inner, str):
            return Path(inner)
        if kind in ("list", "tuple") and isinstance(inner, list):
            items = [self.value(x) for x in inner]
            return items if kind == "list" else tuple(items)
        if kind == "dict" and isinstance(inner, dict):
            return {str(k): self.value(x) for k, x in inner.items()}
        raise FormError(f"an unknown value {kind!r}")

    def array(self, v: dict[str, Any]) -> Any:
        dtype, raw, shape = v["array"], v.get("raw"), v.get("shape")
        if dtype not in DTYPES or not isinstance(raw, str) or not isinstance(shape, list):
            raise FormError("an array of no known type")
        # Every glyph holds the same small colour and direction arrays: decode each once.
        memo_key = (dtype, raw, tuple(shape))
        if memo_key not in self.arrays:
            data = bytearray(binascii.a2b_base64(raw, strict_mode=True))  # writable, as built
            flat = np.frombuffer(data, dtype=DTYPES[dtype]).astype(dtype, copy=False)
            self.arrays[memo_key] = flat.reshape(shape)
        array = self.arrays[memo_key]
        return array[()] if v.get("scalar") is True else array


def _own(value: Any) -> Any:
    """A copy of a shared value that another object may change in place (an array, a list)."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [_own(x) for x in value]
    if isinstance(value, tuple):
        return tuple(_own(x) for x in value)
    if isinstance(value, dict):
        return {k: _own(x) for k, x in value.items()}
    return value  # numbers, strings, numpy scalars, enums, paths; objects are shared nodes


def text_from_json(data: bytes) -> Text:
    """The Text ``text_to_json`` wrote; FormError for anything else (never a crash)."""
    try:
        reader = _Reader(json.loads(data))
        reader.fill()
        text = reader.objects[0]
        if not isinstance(text, Text):
            raise FormError("the first object is no Text")
        for mob in text.get_family():  # a loop in the parts is a RecursionError here
            _check_drawable(mob)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError, RecursionError) as error:
        raise FormError(f"not a cached Text: {error}") from error
    return text


def _check_drawable(mob: Any) -> None:
    """What drawing reads first has the right types (a sealed entry can still be odd)."""
    points, subs = vars(mob).get("points"), vars(mob).get("submobjects")
    if not isinstance(points, np.ndarray) or points.ndim != 2 or points.shape[1] != 3:
        raise FormError("a glyph without points")
    if not isinstance(subs, list) or not all(isinstance(s, Mobject) for s in subs):
        raise FormError("a glyph with odd parts")
