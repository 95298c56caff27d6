"""Typed scene parameters: each field carries its limits, parsing never evaluates user text.

A parameter class is a frozen dataclass whose fields are declared with :func:`param`,
which keeps the help text and the allowed range beside the default::

    @dataclass(frozen=True)
    class ConvParams:
        stride: int = param(1, "step of the window", low=1, high=5)

:func:`parse_params` turns ``key=value`` strings from the command line into such an
instance; every failure is a :class:`ParamError` whose one-line message names the
parameter and what is allowed. A class may add cross-field checks in a
``validate(self) -> None`` method that raises :class:`ParamError`.

A matrix parameter (type :data:`Matrix`) is typed as rows separated by ``;`` and numbers
by ``,`` (``"1,0,-1;2,0,-2;1,0,-1"``), or as one of its ``named`` matrices. The empty
matrix ``()`` means "not given" (the scene's seeded values). A matrix field may declare
``sets="input_size"``: its side length then becomes that field's value, and a different
value typed for that field as well is an error naming it.
"""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

P = TypeVar("P")
# Rows of numbers; () when the user gave none.
Matrix = tuple[tuple[float, ...], ...]

# Longest text accepted for any single value: keeps int() and float() parsing cheap
# and error messages short.
MAX_VALUE_CHARS = 200
# A typed matrix may be longer: ten rows of ten two-digit numbers.
MAX_MATRIX_CHARS = 800
_INT_RE = re.compile(r"[+-]?\d{1,18}")
_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


class ParamError(ValueError):
    """A parameter value is not allowed. ``str(err)`` is one line naming the parameter."""

    def __init__(self, name: str, message: str) -> None:
        self.name = name
        self.message = message
        super().__init__(f"{name}: {message}")


@dataclass(frozen=True)
class Limit:
    """What a parameter means and which values it allows."""

    help: str
    low: float | None = None  # inclusive lower bound for numbers (and list items)
    high: float | None = None  # inclusive upper bound for numbers (and list items)
    choices: tuple[str, ...] | None = None  # allowed strings
    min_len: int | None = None  # for lists and strings
    max_len: int | None = None  # for lists and strings; for a matrix, its rows
    # A matrix: its named values (name, rows), whether it must be square, and the int
    # field its side length sets.
    named: tuple[tuple[str, Matrix], ...] = ()
    square: bool = False
    sets: str | None = None


def param(
    default: Any,
    help: str,
    *,
    low: float | None = None,
    high: float | None = None,
    choices: tuple[str, ...] | None = None,
    min_len: int | None = None,
    max_len: int | None = None,
    named: tuple[tuple[str, Matrix], ...] = (),
    square: bool = False,
    sets: str | None = None,
) -> Any:
    """A dataclass field with its help text and limits stored beside the default."""
    limit = Limit(help, low, high, choices, min_len, max_len, named, square, sets)
    return dataclasses.field(default=default, metadata={"limit": limit})


# Typed numbers shown in grid cells: two digits and a sign still fit a cell.
MAX_TYPED_VALUE = 99.0


def typed_matrix(
    help: str, max_rows: int, sets: str, named: tuple[tuple[str, Matrix], ...] = ()
) -> Any:
    """A square matrix the user types as rows (``1,0;0,1``) in place of seeded numbers,
    empty by default; its size sets the field ``sets`` (``input_size``, ``kernel_size``)."""
    return param(
        (),
        help,
        low=-MAX_TYPED_VALUE,
        high=MAX_TYPED_VALUE,
        min_len=1,
        max_len=max_rows,
        square=True,
        sets=sets,
        named=named,
    )


@dataclass(frozen=True)
class ParamSpec:
    """One parameter as ``explain info`` shows it."""

    name: str
    type_name: str
    default: Any
    limit: Limit

    @property
    def allowed(self) -> str:
        return describe_allowed(self.type_name, self.limit)


def _field_types(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def param_specs(cls: type, defaults: Mapping[str, Any] | None = None) -> list[ParamSpec]:
    """The parameters of ``cls`` in declaration order, with scene-specific defaults applied."""
    hints = _field_types(cls)
    defaults = defaults or {}
    specs = []
    for f in dataclasses.fields(cls):
        limit = f.metadata.get("limit") or Limit(help="")
        default = defaults.get(f.name, f.default)
        specs.append(ParamSpec(f.name, _type_name(hints[f.name]), default, limit))
    return specs


def _type_name(tp: Any) -> str:
    if tp is bool:
        return "bool"
    if tp is int:
        return "int"
    if tp is float:
        return "float"
    if tp is str:
        return "str"
    if tp == Matrix:
        return "matrix"
    origin = typing.get_origin(tp)
    if origin is tuple:
        item = typing.get_args(tp)[0]
        return f"list[{_type_name(item)}]"
    raise TypeError(f"unsupported parameter type {tp!r}")


def _fmt_num(value: float | None) -> str:
    if value is None:
        return ""
    if float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def describe_allowed(type_name: str, limit: Limit) -> str:
    """Human text for what a parameter allows, e.g. 'an integer from 1 to 5'."""
    if limit.choices is not None:
        return "one of " + ", ".join(limit.choices)
    if type_name == "matrix":
        return describe_matrix(limit)
    if type_name == "bool":
        return "true or false"
    if type_name.startswith("list"):
        item = "integers" if type_name == "list[int]" else "numbers"
        lo = limit.min_len if limit.min_len is not None else 0
        count = f"{lo} to {limit.max_len}" if limit.max_len is not None else f"at least {lo}"
        text = f"{count} comma-separated {item}"
        if limit.low is not None and limit.high is not None:
            text += f", each from {_fmt_num(limit.low)} to {_fmt_num(limit.high)}"
        return text
    kind = {
        "int": "an integer",
        "float": "a number",
        "str": "text",
        "list[float]": "a comma-separated list of numbers",
        "list[int]": "a comma-separated list of integers",
    }[type_name]
    parts = [kind]
    if limit.low is not None and limit.high is not None:
        word = "items" if type_name.startswith("list") else ""
        parts.append(f"{word} from {_fmt_num(limit.low)} to {_fmt_num(limit.high)}".strip())
    elif limit.low is not None:
        parts.append(f">= {_fmt_num(limit.low)}")
    elif limit.high is not None:
        parts.append(f"<= {_fmt_num(limit.high)}")
    if limit.min_len is not None or limit.max_len is not None:
        unit = "characters" if type_name == "str" else "items"
        lo = limit.min_len if limit.min_len is not None else 0
        hi = limit.max_len
        parts.append(f"with {lo} to {hi} {unit}" if hi is not None else f"with >= {lo} {unit}")
    return " ".join(parts)


def _allowed(name: str, hints: Mapping[str, Any], limit: Limit) -> str:
    return describe_allowed(_type_name(hints[name]), limit)


def _shorten(text: str) -> str:
    shown = text if len(text) <= 40 else text[:37] + "..."
    return repr(shown)


def _parse_scalar(text: str, tp: Any) -> Any:
    """Convert one piece of user text to ``tp``; raises ValueError when it is not one."""
    text = text.strip()
    if tp is bool:
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(text)
    if tp is int:
        if not _INT_RE.fullmatch(text):
            raise ValueError(text)
        return int(text)
    if tp is float:
        value = float(text)  # accepts '1', '-2.5', '1e-3'; never evaluates anything
        if not math.isfinite(value):
            raise ValueError(text)
        return value
    if tp is str:
        return text
    raise TypeError(f"unsupported parameter type {tp!r}")


def describe_matrix(limit: Limit) -> str:
    """Human text for what a matrix parameter allows."""
    lo = limit.min_len if limit.min_len is not None else 1
    rows = f"{lo} to {limit.max_len}" if limit.max_len is not None else f"at least {lo}"
    shape = "a square matrix" if limit.square else "a matrix"
    text = f'{shape} of {rows} rows typed as "1,2;3,4" (rows separated by ;)'
    if limit.low is not None and limit.high is not None:
        text += f", numbers from {_fmt_num(limit.low)} to {_fmt_num(limit.high)}"
    if limit.named:
        text += ", or one of " + ", ".join(name for name, _ in limit.named)
    return text


def parse_matrix(name: str, text: str, limit: Limit) -> Matrix:
    """Rows separated by ';', numbers by ','; or a name from ``limit.named``. Never evaluated."""
    if len(text) > MAX_MATRIX_CHARS:
        raise ParamError(name, f"value is too long (at most {MAX_MATRIX_CHARS} characters)")
    key = text.strip().lower()
    for known, matrix in limit.named:
        if key == known:
            return matrix
    if not key:
        return ()
    rows: list[tuple[float, ...]] = []
    for r, row_text in enumerate(text.split(";"), start=1):
        row = []
        for c, item in enumerate(row_text.split(","), start=1):
            try:
                row.append(_parse_scalar(item, float))
            except ValueError:
                raise ParamError(
                    name,
                    f"row {r}, column {c} is not a number (got {_shorten(item.strip())});"
                    f" must be {describe_matrix(limit)}",
                ) from None
        rows.append(tuple(row))
    matrix = tuple(rows)
    check_matrix(name, matrix, limit)
    return matrix


def check_matrix(name: str, matrix: Any, limit: Limit) -> None:
    """Raise ParamError unless ``matrix`` is () or rows of equal length within ``limit``."""
    if not isinstance(matrix, tuple) or not all(isinstance(r, tuple) for r in matrix):
        raise ParamError(name, f"must be {describe_matrix(limit)}")
    if not matrix:
        return
    lengths = [len(row) for row in matrix]
    for r, length in enumerate(lengths[1:], start=2):
        if length != lengths[0]:
            raise ParamError(
                name,
                f"every row needs the same length (row 1 has {lengths[0]} numbers,"
                f" row {r} has {length})",
            )
    n_rows, n_cols = len(matrix), lengths[0]
    if limit.square and n_rows != n_cols:
        raise ParamError(name, f"must be square (got {n_rows} rows of {n_cols})")
    lo = limit.min_len if limit.min_len is not None else 1
    hi = limit.max_len if limit.max_len is not None else n_rows
    if not lo <= n_rows <= hi or not lo <= n_cols <= hi:
        raise ParamError(name, f"must have {lo} to {hi} rows and columns (got {n_rows}x{n_cols})")
    for row in matrix:
        for value in row:
            bad = isinstance(value, bool) or not isinstance(value, (int, float))
            if bad or not math.isfinite(value):
                raise ParamError(name, f"must be {describe_matrix(limit)}")
            if (limit.low is not None and value < limit.low) or (
                limit.high is not None and value > limit.high
            ):
                raise ParamError(
                    name,
                    f"numbers must be from {_fmt_num(limit.low)} to {_fmt_num(limit.high)}"
                    f" (got {value:g})",
                )


def parse_value(name: str, text: str, tp: Any, limit: Limit) -> Any:
    """Parse the text a user typed for parameter ``name`` into its declared type."""
    if tp == Matrix:
        return parse_matrix(name, text, limit)
    hints = {name: tp}
    if len(text) > MAX_VALUE_CHARS:
        raise ParamError(name, f"value is too long (at most {MAX_VALUE_CHARS} characters)")
    try:
        if typing.get_origin(tp) is tuple:
            item_tp = typing.get_args(tp)[0]
            pieces = [] if not text.strip() else text.split(",")
            value: Any = tuple(_parse_scalar(p, item_tp) for p in pieces)
        else:
            value = _parse_scalar(text, tp)
    except ValueError:
        raise ParamError(
            name, f"must be {_allowed(name, hints, limit)} (got {_shorten(text)})"
        ) from None
    check_value(name, value, tp, limit, shown=text)
    return value


def check_value(name: str, value: Any, tp: Any, limit: Limit, shown: str | None = None) -> None:
    """Raise ParamError unless ``value`` has type ``tp`` and lies within ``limit``.

    ``shown`` is the text the user typed, quoted in the message instead of the value.
    """
    if tp == Matrix:
        check_matrix(name, value, limit)
        return
    hints = {name: tp}
    quoted = _shorten(shown if shown is not None else str(value))

    def fail() -> typing.NoReturn:
        raise ParamError(name, f"must be {_allowed(name, hints, limit)} (got {quoted})")

    if typing.get_origin(tp) is tuple:
        if not isinstance(value, tuple):
            fail()
        item_tp = typing.get_args(tp)[0]
        items = list(value)
        if limit.min_len is not None and len(items) < limit.min_len:
            fail()
        if limit.max_len is not None and len(items) > limit.max_len:
            fail()
        for item in items:
            _check_scalar(item, item_tp, limit, fail)
        return
    if tp is str:
        if not isinstance(value, str):
            fail()
        if limit.min_len is not None and len(value) < limit.min_len:
            fail()
        if limit.max_len is not None and len(value) > limit.max_len:
            fail()
    _check_scalar(value, tp, limit, fail)


def _check_scalar(value: Any, tp: Any, limit: Limit, fail: typing.Callable[[], None]) -> None:
    if tp is bool:
        if not isinstance(value, bool):
            fail()
        return
    if tp is int and (isinstance(value, bool) or not isinstance(value, int)):
        fail()
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            fail()
        if not math.isfinite(value):
            fail()
    if tp is str:
        if not isinstance(value, str):
            fail()
        if limit.choices is not None and value not in limit.choices:
            fail()
        return
    if limit.low is not None and value < limit.low:
        fail()
    if limit.high is not None and value > limit.high:
        fail()


def check_params(params: Any) -> None:
    """Check every field of a parameter instance against its limits, then ``validate()``."""
    cls = type(params)
    hints = _field_types(cls)
    for f in dataclasses.fields(cls):
        limit = f.metadata.get("limit") or Limit(help="")
        check_value(f.name, getattr(params, f.name), hints[f.name], limit)
        if limit.sets is not None and getattr(params, f.name):
            side = len(getattr(params, f.name))
            if getattr(params, limit.sets) != side:
                raise ParamError(
                    limit.sets,
                    f"must equal {f.name}'s size {side} (got {getattr(params, limit.sets)});"
                    f" give one or the other",
                )
    validate = getattr(params, "validate", None)
    if validate is not None:
        validate()


def _apply_matrix_sizes(
    fields: Mapping[str, dataclasses.Field[Any]],
    values: dict[str, Any],
    typed: Mapping[str, str],
) -> None:
    """A given matrix sets the size field it names, unless the user typed that field too
    (then the two must agree; check_params says so, naming the size field)."""
    for name, f in fields.items():
        limit = f.metadata.get("limit") or Limit(help="")
        matrix = values.get(name, f.default)
        if limit.sets is not None and matrix and limit.sets not in typed:
            values[limit.sets] = len(matrix)


def parse_params(
    cls: type[P],
    overrides: Mapping[str, str],
    defaults: Mapping[str, Any] | None = None,
) -> P:
    """Build ``cls`` from scene defaults and user ``key=value`` text, checking every limit."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"{cls!r} is not a dataclass")
    hints = _field_types(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = dict(defaults or {})
    for name, text in overrides.items():
        if name not in fields:
            close = difflib.get_close_matches(name, list(fields), n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            known = ", ".join(fields)
            raise ParamError(_shorten(name).strip("'"), f"unknown parameter{hint} (known: {known})")
        limit = fields[name].metadata.get("limit") or Limit(help="")
        values[name] = parse_value(name, text, hints[name], limit)
    _apply_matrix_sizes(fields, values, overrides)
    params = cls(**values)
    check_params(params)
    return params


def params_to_dict(params: Any) -> dict[str, Any]:
    """JSON-ready parameters: tuples become lists."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(params):
        value = getattr(params, f.name)
        if isinstance(value, tuple):  # a list, or a matrix's rows
            value = [list(v) if isinstance(v, tuple) else v for v in value]
        out[f.name] = value
    return out


def parse_assignments(pairs: list[str], option: str = "--set") -> dict[str, str]:
    """Split ``key=value`` strings; the value may itself contain '='."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParamError(option, f"expected key=value (got {_shorten(pair)})")
        out[key] = value
    return out
