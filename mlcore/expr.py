"""A small, safe expression language: parse user text into a tree (evaluated with torch
by :mod:`explain.mlcore.expr_eval`).

Grammar (Python's own syntax, restricted): numbers, variable names, ``+ - * / **``,
unary minus, parentheses, and one-argument calls of :data:`FUNCTIONS`. The text is
parsed with :func:`ast.parse` (which only builds a syntax tree) and every node is checked
against a whitelist before it becomes an :data:`Expr`; nothing the user types ever reaches
``eval``, ``exec`` or ``compile`` to code. Evaluation walks the tree and calls torch
functions chosen from a fixed table. This module never imports torch.

Used by the backprop graph tracer and, for custom surfaces, by the optimisation scenes.
"""

from __future__ import annotations

import ast
import math
import re
import warnings
from collections.abc import Collection
from dataclasses import dataclass

# Longest accepted text and deepest nesting: keep parsing and recursion cheap and bounded.
MAX_CHARS = 200
MAX_DEPTH = 24
MAX_NODES = 80
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}")

BINARY_OPS: dict[type[ast.operator], str] = {
    ast.Add: "add",
    ast.Sub: "sub",
    ast.Mult: "mul",
    ast.Div: "div",
    ast.Pow: "pow",
}
FUNCTIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "exp", "log", "sin", "cos")
OPS: tuple[str, ...] = (*BINARY_OPS.values(), "neg", *FUNCTIONS)

# Python syntax that is refused, with the words the error message uses for it.
_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (.)",
    ast.Subscript: "indexing ([...])",
    ast.Lambda: "lambda",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions",
    ast.Compare: "comparisons",
    ast.BoolOp: "and/or",
    ast.IfExp: "if/else",
    ast.NamedExpr: ":=",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples (commas)",
    ast.Set: "sets",
    ast.Dict: "dicts",
    ast.Starred: "*unpacking",
    ast.Slice: "slices",
}
_OPERATOR_HINTS: dict[type[ast.operator], str] = {
    ast.BitXor: "'^' is not a power here; write ** (x**2)",
    ast.FloorDiv: "'//' is not allowed; write /",
    ast.Mod: "'%' is not allowed",
    ast.MatMult: "'@' is not allowed",
}


class ExprError(ValueError):
    """The text is not an allowed expression; ``str(err)`` is one line saying why."""


class ExprDomainError(ExprError):
    """The expression has no finite value at the given values (division by zero, log(≤0)...)."""


@dataclass(frozen=True)
class Num:
    value: float


@dataclass(frozen=True)
class Var:
    name: str


@dataclass(frozen=True)
class Op:
    op: str  # one of OPS
    args: tuple[Expr, ...]  # two for binary operators, one for neg and functions


Expr = Num | Var | Op


# --- parsing ----------------------------------------------------------------------------
def parse_expression(text: str, variables: Collection[str] | None = None) -> Expr:
    """Parse ``text`` into an expression tree; raise :class:`ExprError` when it is not allowed.

    ``variables`` restricts the names that may appear (e.g. ``("x", "y")`` for a surface);
    ``None`` allows any short ASCII name that is not a function.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExprError("the expression is empty")
    if len(text) > MAX_CHARS:
        raise ExprError(f"the expression is too long (at most {MAX_CHARS} characters)")
    bad = next((ch for ch in text if not (ch.isascii() and (ch.isprintable() or ch in " \t"))), "")
    if bad:
        raise ExprError(f"character {bad!r} is not allowed (use plain ASCII)")
    _check_bracket_depth(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. SyntaxWarning for '1if': still refused below
            tree = ast.parse(text.strip(), mode="eval")  # a syntax tree only, never code
    except SyntaxError as err:
        where = f" at column {err.offset}" if err.offset else ""
        raise ExprError(f"syntax error{where}: {err.msg}") from None
    except (RecursionError, MemoryError):
        raise ExprError(
            f"the expression is nested too deeply (at most {MAX_DEPTH} levels)"
        ) from None
    counter = [0]
    allowed = None if variables is None else frozenset(variables)
    return _convert(tree.body, 0, allowed, counter)


def _check_bracket_depth(text: str) -> None:
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExprError(f"the expression is nested too deeply (at most {MAX_DEPTH} levels)")
        elif ch in ")]}":
            depth -= 1


def _convert(node: ast.AST, depth: int, allowed: frozenset[str] | None, counter: list[int]) -> Expr:
    if depth > MAX_DEPTH:
        raise ExprError(f"the expression is nested too deeply (at most {MAX_DEPTH} levels)")
    counter[0] += 1
    if counter[0] > MAX_NODES:
        raise ExprError(f"the expression is too big (at most {MAX_NODES} terms)")
    if isinstance(node, ast.Constant):
        return _number(node.value)
    if isinstance(node, ast.Name):
        return Var(_variable(node.id, allowed))
    if isinstance(node, ast.BinOp):
        op = BINARY_OPS.get(type(node.op))
        if op is None:
            hint = _OPERATOR_HINTS.get(type(node.op), "this operator is not allowed")
            raise ExprError(f"{hint}; allowed: + - * / **")
        left = _convert(node.left, depth + 1, allowed, counter)
        right = _convert(node.right, depth + 1, allowed, counter)
        return Op(op, (left, right))
    if isinstance(node, ast.UnaryOp):
        operand = _convert(node.operand, depth + 1, allowed, counter)
        if isinstance(node.op, ast.USub):
            return Op("neg", (operand,))
        if isinstance(node.op, ast.UAdd):
            return operand
        raise ExprError("only unary minus (and plus) is allowed, not 'not' or '~'")
    if isinstance(node, ast.Call):
        return _call(node, depth, allowed, counter)
    for kind, words in _REFUSED.items():
        if isinstance(node, kind):
            raise ExprError(f"{words} is not allowed in an expression")
    raise ExprError(f"{type(node).__name__} is not allowed in an expression")


def _number(value: object) -> Num:
    if isinstance(value, str | bytes):
        raise ExprError("strings are not allowed in an expression")
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ExprError(f"{value!r} is not a number")
    try:
        number = float(value)
    except OverflowError:
        raise ExprError("a number in the expression is too large") from None
    if not math.isfinite(number):
        raise ExprError("a number in the expression is too large")
    return Num(number)


def _variable(name: str, allowed: frozenset[str] | None) -> str:
    if name.startswith("_"):
        raise ExprError(f"names starting with _ are not allowed (got {name[:20]!r})")
    if name in FUNCTIONS:
        raise ExprError(f"{name} is a function; call it as {name}(...)")
    if not NAME_RE.fullmatch(name):
        raise ExprError(f"{name[:20]!r} is not a usable variable name (letters and digits, <= 16)")
    if allowed is not None and name not in allowed:
        raise ExprError(
            f"unknown variable {name!r} (allowed: {', '.join(sorted(allowed)) or 'none'})"
        )
    return name


def _call(node: ast.Call, depth: int, allowed: frozenset[str] | None, counter: list[int]) -> Op:
    func = node.func
    if not isinstance(func, ast.Name):
        kind = "attribute access (.)" if isinstance(func, ast.Attribute) else "this kind of call"
        raise ExprError(f"{kind} is not allowed; call one of {', '.join(FUNCTIONS)}")
    if func.id.startswith("_"):
        raise ExprError(f"names starting with _ are not allowed (got {func.id[:20]!r})")
    if func.id not in FUNCTIONS:
        raise ExprError(f"unknown function {func.id[:20]!r} (allowed: {', '.join(FUNCTIONS)})")
    if node.keywords:
        raise ExprError(f"keyword arguments are not allowed; write {func.id}(a)")
    if len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
        raise ExprError(f"{func.id} takes exactly one argument")
    return Op(func.id, (_convert(node.args[0], depth + 1, allowed, counter),))


# --- inspecting -------------------------------------------------------------------------
def variables_of(expr: Expr) -> list[str]:
    """Variable names in order of first appearance (left to right)."""
    seen: list[str] = []
    for node in walk(expr):
        if isinstance(node, Var) and node.name not in seen:
            seen.append(node.name)
    return seen


def walk(expr: Expr) -> list[Expr]:
    """Every node, each operation after its arguments (post-order, left to right)."""
    out: list[Expr] = []
    stack: list[tuple[Expr, bool]] = [(expr, False)]
    while stack:
        node, expanded = stack.pop()
        if isinstance(node, Op) and not expanded:
            stack.append((node, True))
            stack.extend((arg, False) for arg in reversed(node.args))
        else:
            out.append(node)
    return out


# Binding strength for printing without needless parentheses.
_PRECEDENCE = {"add": 1, "sub": 1, "mul": 2, "div": 2, "neg": 3, "pow": 4}
_SYMBOLS = {"add": " + ", "sub": " - ", "mul": "*", "div": "/", "pow": "**"}
_PRETTY_SYMBOLS = {"add": " + ", "sub": " − ", "mul": "·", "div": "/", "pow": "^"}
_SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def format_constant(value: float) -> str:
    """A constant as written: 2 not 2.0; otherwise the shortest repr."""
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def to_text(expr: Expr, pretty: bool = False) -> str:
    """The expression as text that parses back to the same tree.

    ``pretty`` uses ·, − and superscript integer powers for display (not parseable).
    """
    symbols = _PRETTY_SYMBOLS if pretty else _SYMBOLS
    minus = "−" if pretty else "-"

    def prec(node: Expr) -> int:
        return _PRECEDENCE.get(node.op, 5) if isinstance(node, Op) else 5

    def wrap(node: Expr, needed: int, strict: bool = False) -> str:
        text = show(node)
        p = prec(node)
        return f"({text})" if p < needed or (strict and p == needed) else text

    def show(node: Expr) -> str:
        if isinstance(node, Num):
            text = format_constant(node.value)
            return text.replace("-", minus) if pretty else text
        if isinstance(node, Var):
            return node.name
        if node.op == "neg":
            return minus + wrap(node.args[0], 3)
        if node.op in _SYMBOLS:
            left, right = node.args
            p = _PRECEDENCE[node.op]
            if node.op == "pow":
                base = wrap(left, 5)  # -x**2 is -(x**2): a negative or power base needs ()
                exponent = right
                if (
                    pretty
                    and isinstance(exponent, Num)
                    and exponent.value.is_integer()
                    and abs(exponent.value) < 100
                ):
                    return base + str(int(exponent.value)).translate(_SUPERSCRIPTS)
                return base + symbols["pow"] + wrap(exponent, 4)
            return wrap(left, p) + symbols[node.op] + wrap(right, p, strict=True)
        return f"{node.op}({show(node.args[0])})"

    return show(expr)
