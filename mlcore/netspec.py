"""The `network` scene's layer language: a whitelisting parser and the shape plan of a model.

Grammar (layers separated by whitespace)::

    conv(OUT, K)  conv(OUT, K, stride=S, padding=P)  maxpool(K)  avgpool(K)  linear(OUT)
    relu  sigmoid  tanh  flatten  softmax

The text is scanned character by character into :class:`LayerSpec` records; names are
looked up in a fixed table and every argument must be a whole number, so nothing the user
types is ever evaluated. :func:`plan_layers` then derives each layer's output shape from
:func:`mlcore.sizes.conv_output_size`, its parameter count and its multiplications, and
refuses models that are wrong (PyTorch would raise) or too large to draw or compute quickly.
Every error is one line naming the layer by position and text.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from typing import Any

from explain.mlcore.sizes import conv_output_size, effective_kernel

OPS = ("conv", "maxpool", "avgpool", "linear", "relu", "sigmoid", "tanh", "flatten", "softmax")
ELEMENTWISE = ("relu", "sigmoid", "tanh", "softmax")
# Limits: a model that fits the frame and is traced, verified and drawn in a second or two.
MAX_LAYERS = 12
MAX_CHANNELS = 64  # conv OUT
MAX_FEATURES = 4096  # linear OUT, and the length of a flattened vector
MAX_KERNEL = 11
MAX_STRIDE = 8
MAX_PADDING = 8
MAX_INPUT_CHANNELS = 3
MAX_INPUT_SIZE = 64
MAX_MULTS = 20_000_000

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INT_RE = re.compile(r"[+-]?\d{1,9}")
_INPUT_RE = re.compile(r"\s*(\d{1,4})\s*[xX×]\s*(\d{1,4})\s*[xX×]\s*(\d{1,4})\s*")
# Positional argument names of each op, then the keywords it takes.
_POSITIONAL: dict[str, tuple[str, ...]] = {
    "conv": ("OUT", "K"),
    "maxpool": ("K",),
    "avgpool": ("K",),
    "linear": ("OUT",),
}
_KEYWORDS: dict[str, tuple[str, ...]] = {"conv": ("stride", "padding")}
_FORMS = {
    "conv": "conv(OUT, K) or conv(OUT, K, stride=S, padding=P)",
    "maxpool": "maxpool(K)",
    "avgpool": "avgpool(K)",
    "linear": "linear(OUT)",
}
_LIMITS = {
    "OUT": 1,  # upper bound depends on the op, see _upper
    "K": MAX_KERNEL,
    "stride": MAX_STRIDE,
    "padding": MAX_PADDING,
}


class SpecError(ValueError):
    """The layer text is not a model we draw; ``str(err)`` is one line naming the layer."""


@dataclass(frozen=True)
class LayerSpec:
    """One layer as typed: its op, its text, its place (from 1) and its whole-number arguments."""

    op: str
    text: str
    position: int
    out: int = 0  # conv: output channels; linear: output features
    kernel: int = 0  # conv and pooling
    stride: int = 1  # conv (pooling's stride is its kernel)
    padding: int = 0  # conv

    @property
    def where(self) -> str:
        return f"layer {self.position} {self.text!r}"


def _example() -> str:
    return "e.g. 'conv(10,5) maxpool(2) relu flatten linear(10)'"


# --- scanning -------------------------------------------------------------------------------
def parse_layers(text: str) -> list[LayerSpec]:
    """The layers of ``text`` in order; SpecError (one line) when anything is not allowed."""
    if not text.strip():
        raise SpecError(f"give at least one layer, {_example()}")
    bad = next((ch for ch in text if not (ch.isascii() and ch.isprintable())), "")
    if bad and bad not in " \t\n":
        raise SpecError(f"character {bad!r} is not allowed (use plain ASCII)")
    specs: list[LayerSpec] = []
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        number = len(specs) + 1
        if number > MAX_LAYERS:
            count = len(_rough_words(text))
            raise SpecError(f"at most {MAX_LAYERS} layers (got {count})")
        spec, pos = _scan_layer(text, pos, number)
        specs.append(spec)
    return specs


def _rough_words(text: str) -> list[str]:
    """Layers as whitespace-separated words outside parentheses (for counting in messages)."""
    return re.sub(r"\([^()]*\)", "()", text).split()


def _scan_layer(text: str, pos: int, number: int) -> tuple[LayerSpec, int]:
    start = pos
    match = _NAME_RE.match(text, pos)
    if match is None:
        word = text[pos:].split()[0][:20]
        if text[pos] == ")":
            raise SpecError(f"layer {number} {word!r}: unbalanced parentheses, ')' without '('")
        raise SpecError(f"layer {number} {word!r}: a layer starts with its name, {_example()}")
    name = match.group()
    pos = match.end()
    args_text: str | None = None
    rest = text[pos:].lstrip(" \t")
    if rest.startswith("("):
        pos = len(text) - len(rest) + 1
        close = text.find(")", pos)
        opening = text.find("(", pos)
        shown = text[start : close + 1 if close >= 0 else len(text)].split("\n")[0][:30]
        if 0 <= opening < close:
            raise SpecError(
                f"layer {number} {shown!r}: no parentheses inside the arguments"
                " (each is a whole number or stride=S, padding=P)"
            )
        if close < 0:
            raise SpecError(f"layer {number} {shown!r}: unbalanced parentheses, '(' without ')'")
        args_text, pos = text[pos:close], close + 1
    layer_text = " ".join(text[start:pos].split())
    if text.startswith(")", pos):
        shown = text[start : pos + 1][:30]
        raise SpecError(f"layer {number} {shown!r}: unbalanced parentheses, ')' without '('")
    if pos < len(text) and not text[pos].isspace():
        following = text[start:].split()[0][:30]
        raise SpecError(f"layer {number} {following!r}: separate layers with spaces")
    return _make_spec(name, args_text, layer_text, number), pos


# --- arguments ------------------------------------------------------------------------------
def _make_spec(name: str, args_text: str | None, text: str, number: int) -> LayerSpec:
    where = f"layer {number} {text!r}"
    op = name.lower()
    if op not in OPS:
        close = difflib.get_close_matches(op, OPS, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise SpecError(f"{where}: unknown layer {name[:20]!r}{hint} (allowed: {', '.join(OPS)})")
    positional = _POSITIONAL.get(op, ())
    pieces = [] if args_text is None or not args_text.strip() else args_text.split(",")
    if not positional:
        if pieces:
            raise SpecError(f"{where}: {op} takes no arguments (write just {op})")
        return LayerSpec(op, text, number)
    form = _FORMS[op]
    values: dict[str, int] = {}
    for index, piece in enumerate(pieces):
        key, sep, value = piece.partition("=")
        key = key.strip()
        if sep:
            if key not in _KEYWORDS.get(op, ()):
                raise SpecError(f"{where}: {op} has no argument {key[:20]!r}; write {form}")
        elif index < len(positional) and not values.keys() - set(positional):
            key, value = positional[index], piece
        else:
            raise SpecError(f"{where}: too many arguments; write {form}")
        if key in values:
            raise SpecError(f"{where}: {key} is given twice; write {form}")
        values[key] = _whole_number(value, key, op, where)
    missing = [p for p in positional if p not in values]
    if missing:
        raise SpecError(f"{where}: missing {', '.join(missing)}; write {form}")
    return LayerSpec(
        op,
        text,
        number,
        out=values.get("OUT", 0),
        kernel=values.get("K", 0),
        stride=values.get("stride", 1),
        padding=values.get("padding", 0),
    )


def _upper(key: str, op: str) -> int:
    if key == "OUT":
        return MAX_CHANNELS if op == "conv" else MAX_FEATURES
    if key == "K" and op != "conv":
        return MAX_INPUT_SIZE  # a pooling window may cover the whole map (global pooling)
    return _LIMITS[key]


def _whole_number(text: str, key: str, op: str, where: str) -> int:
    text = text.strip()
    low = 0 if key == "padding" else 1
    high = _upper(key, op)
    if not _INT_RE.fullmatch(text):
        shown = text[:20] if text else "nothing"
        raise SpecError(
            f"{where}: {key} must be a whole number from {low} to {high} (got {shown!r})"
        )
    value = int(text)
    if value < low:
        what = "zero or negative" if low == 1 else "negative"
        raise SpecError(f"{where}: {key} is {what}; it must be from {low} to {high}")
    if value > high:
        raise SpecError(f"{where}: {key} must be at most {high} (got {value})")
    return value


# --- the input ------------------------------------------------------------------------------
def parse_input(text: str) -> tuple[int, int, int]:
    """``'1x28x28'`` -> (1, 28, 28); SpecError unless C is 1..3 and H, W are 1..64."""
    allowed = (
        f"CxHxW with C from 1 to {MAX_INPUT_CHANNELS} and H, W from 1 to {MAX_INPUT_SIZE},"
        " e.g. 1x28x28"
    )
    match = _INPUT_RE.fullmatch(text)
    if match is None:
        raise SpecError(f"must be {allowed} (got {text[:30]!r})")
    c, h, w = (int(g) for g in match.groups())
    if not (1 <= c <= MAX_INPUT_CHANNELS and 1 <= h <= MAX_INPUT_SIZE and 1 <= w <= MAX_INPUT_SIZE):
        raise SpecError(f"must be {allowed} (got {text.strip()[:30]!r})")
    return c, h, w


# --- shapes, parameters and multiplications from the formulas ---------------------------------
def _shape_text(shape: list[int]) -> str:
    return "×".join(str(n) for n in shape)


def plan_layers(specs: list[LayerSpec], input_shape: tuple[int, int, int]) -> list[dict[str, Any]]:
    """Each layer's output shape (size formula), parameters and multiplications, in order.

    SpecError when a layer cannot take its input (as PyTorch would refuse) or the model is
    larger than the limits.
    """
    shape = list(input_shape)
    plan = []
    total = 0
    for spec in specs:
        entry = _plan_one(spec, shape)
        shape = entry["shape"]
        total += entry["mults"]
        plan.append(entry)
    if total > MAX_MULTS:
        raise SpecError(
            f"the model needs {total:,} multiplications; at most {MAX_MULTS:,}"
            " (use fewer channels, a smaller input or more stride)"
        )
    return plan


def _plan_one(spec: LayerSpec, shape: list[int]) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "op": spec.op,
        "text": spec.text,
        "position": spec.position,
        "in_shape": list(shape),
    }
    if spec.op in ("conv", "maxpool", "avgpool"):
        if len(shape) != 3:
            raise SpecError(
                f"{spec.where}: {spec.op} needs a C×H×W input but gets {_shape_text(shape)}"
                " values (put it before flatten)"
            )
        entry.update(_plan_window(spec, shape))
    elif spec.op == "linear":
        if len(shape) != 1:
            raise SpecError(
                f"{spec.where}: linear needs a flat input but gets {_shape_text(shape)};"
                " add flatten before it (as PyTorch would need)"
            )
        n = shape[0]
        entry.update(
            shape=[spec.out], params=n * spec.out + spec.out, mults=n * spec.out, in_features=n
        )
    elif spec.op == "flatten":
        n = math.prod(shape)
        if n > MAX_FEATURES:
            raise SpecError(
                f"{spec.where}: flattens {_shape_text(shape)} = {n:,} values; at most"
                f" {MAX_FEATURES:,} (pool or stride more first)"
            )
        entry.update(shape=[n], params=0, mults=0)
    else:  # elementwise (softmax: over dim 1, the channels or the features)
        entry.update(shape=list(shape), params=0, mults=0)
    return entry


def _plan_window(spec: LayerSpec, shape: list[int]) -> dict[str, Any]:
    c, h, w = shape
    conv = spec.op == "conv"
    stride = spec.stride if conv else spec.kernel  # pooling's stride is its kernel
    padding = spec.padding if conv else 0
    span = effective_kernel(spec.kernel)
    if span > min(h, w) + 2 * padding:
        padded = f"{h + 2 * padding}×{w + 2 * padding}"
        raise SpecError(
            f"{spec.where}: kernel {spec.kernel} is larger than its"
            f" {'padded ' if padding else ''}input {padded}"
        )
    oh = conv_output_size(h, spec.kernel, stride, padding)
    ow = conv_output_size(w, spec.kernel, stride, padding)
    entry: dict[str, Any] = {"kernel": spec.kernel, "stride": stride, "padding": padding}
    if conv:
        k2c = spec.kernel * spec.kernel * c
        out = [spec.out, oh, ow]
        entry.update(shape=out, params=spec.out * k2c + spec.out, mults=math.prod(out) * k2c)
    else:
        entry.update(shape=[c, oh, ow], params=0, mults=0)
    return entry
