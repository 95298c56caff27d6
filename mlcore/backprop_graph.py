"""The expression of a backprop scene as a graph: built, checked, run forward with torch
and backward by hand, and laid out in columns and rows.

Apart from :mod:`explain.mlcore.backprop` (which records the trace and verifies it) so
that checking the parameters, which runs the graph once, needs only this module.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from explain.mlcore.expr import (
    Expr,
    ExprDomainError,
    ExprError,
    Num,
    Op,
    Var,
    format_constant,
    parse_expression,
    to_text,
    variables_of,
    walk,
)
from explain.mlcore.expr_eval import evaluate
from explain.mlcore.params import ParamError

# What the scene can draw with readable numbers at 480p: nodes in all, columns (longest
# chain of operations + 1) and rows (the tallest column, long edges' bends included).
MAX_GRAPH_NODES = 15
MAX_COLUMNS = 7
MAX_ROWS = 6
# Values a user may give; larger ones would not fit in a node.
MAX_ABS_VALUE = 1000.0
NAME_RE = re.compile(r"[A-Za-z][A-Za-z0-9]{0,15}")

OP_LABELS: dict[str, str] = {
    "add": "+",
    "sub": "−",
    "mul": "×",
    "div": "÷",
    "pow": "^",
    "neg": "−x",
}


@dataclass
class Graph:
    """The computation graph as plain lists; node ids are a topological order."""

    ops: list[str] = field(default_factory=list)  # "var", "const" or one of expr.OPS
    labels: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # the sub-expression each node computes
    constant: list[bool] = field(default_factory=list)  # no variable below: no gradient
    inputs: list[list[int]] = field(default_factory=list)  # argument node ids, in order
    exprs: list[Expr] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.ops)

    def edges(self) -> list[tuple[int, int]]:
        """(from, to) in order of the consumer, then of its arguments."""
        return [(src, dst) for dst in range(self.size) for src in self.inputs[dst]]


@dataclass(frozen=True)
class Prepared:
    expr: Expr
    graph: Graph
    env: dict[str, float]  # value of every variable of expr
    updated: list[str]  # params that are variables of expr, in expr order


def build_graph(expr: Expr) -> Graph:
    """One node per operation and constant, one per distinct variable, in post-order."""
    graph = Graph()
    var_ids: dict[str, int] = {}
    ids: dict[int, int] = {}  # id(tree node) -> graph node id
    for node in walk(expr):
        if isinstance(node, Var) and node.name in var_ids:
            ids[id(node)] = var_ids[node.name]
            continue
        nid = graph.size
        ids[id(node)] = nid
        graph.exprs.append(node)
        if isinstance(node, Var):
            var_ids[node.name] = nid
            graph.ops.append("var")
            graph.labels.append(node.name)
            graph.constant.append(False)
            graph.inputs.append([])
        elif isinstance(node, Num):
            graph.ops.append("const")
            graph.labels.append(format_constant(node.value).replace("-", "−"))
            graph.constant.append(True)
            graph.inputs.append([])
        else:
            args = [ids[id(arg)] for arg in node.args]
            graph.ops.append(node.op)
            graph.labels.append(OP_LABELS.get(node.op, node.op))
            graph.constant.append(all(graph.constant[a] for a in args))
            graph.inputs.append(args)
        graph.texts.append(to_text(node, pretty=True))
    return graph


def parse_values(text: str) -> dict[str, float]:
    """'x=2, w=-1.5' -> {'x': 2.0, 'w': -1.5}; ParamError naming ``values`` otherwise."""
    out: dict[str, float] = {}
    for piece in text.split(","):
        name, sep, number = (part.strip() for part in piece.partition("="))
        if not sep or not NAME_RE.fullmatch(name):
            raise ParamError("values", f"expected name=number pairs like x=2,w=1 (got {piece!r})")
        if name in out:
            raise ParamError("values", f"{name} is given twice")
        try:
            value = float(number)  # never evaluates: '2*3' is refused
        except ValueError:
            raise ParamError("values", f"{name}: {number!r} is not a number") from None
        if not math.isfinite(value) or abs(value) > MAX_ABS_VALUE:
            raise ParamError(
                "values", f"{name} must be between −{MAX_ABS_VALUE:g} and {MAX_ABS_VALUE:g}"
            )
        out[name] = value
    return out


def parse_names(text: str) -> list[str]:
    names = [piece.strip() for piece in text.split(",") if piece.strip()]
    for name in names:
        if not NAME_RE.fullmatch(name):
            raise ParamError("params", f"{name[:20]!r} is not a variable name")
    if len(set(names)) != len(names):
        raise ParamError("params", "a name is listed twice")
    return names


def prepare(expr_text: str, values_text: str, params_text: str) -> Prepared:
    """Parse and check everything the tracer needs from the parameters ``expr``, ``values``
    and ``params``; every failure is a ParamError naming one of them."""
    try:
        expr = parse_expression(expr_text)
    except ExprError as err:
        raise ParamError("expr", str(err)) from None
    if not variables_of(expr):
        raise ParamError("expr", "needs at least one variable to differentiate by (e.g. w*x)")
    graph = build_graph(expr)
    if graph.size > MAX_GRAPH_NODES:
        raise ParamError(
            "expr",
            f"the graph has {graph.size} nodes; at most {MAX_GRAPH_NODES} fit on screen",
        )
    layout = layered_layout(graph.inputs)
    if layout.columns > MAX_COLUMNS:
        raise ParamError(
            "expr",
            f"operations are nested {layout.columns - 1} deep; at most {MAX_COLUMNS - 1}"
            " fit across the screen",
        )
    if layout.rows > MAX_ROWS:
        raise ParamError(
            "expr",
            f"the graph needs {layout.rows} rows; at most {MAX_ROWS} fit on screen"
            " (fewer leaves side by side)",
        )
    given = parse_values(values_text)
    names = variables_of(expr)
    missing = [name for name in names if name not in given]
    if missing:
        raise ParamError(
            "values", f"no value for {', '.join(missing)} (expr uses {', '.join(names)})"
        )
    listed = parse_names(params_text)
    env = {name: given[name] for name in names}
    prepared = Prepared(expr, graph, env, [name for name in names if name in listed])
    try:
        run_graph(prepared)
    except ExprDomainError as err:
        raise ParamError("values", f"{err} at these values") from None
    return prepared


# --- forward and backward ---------------------------------------------------------------
@dataclass(frozen=True)
class GraphRun:
    values: list[float]
    locals_: list[list[float | None]]  # per node, d(node)/d(argument) for each argument
    grads: list[float | None]
    terms: list[list[float]]  # per node, the contributions that sum to its gradient
    order: list[tuple[int, int, int]]  # backward edge steps: (from, to, argument index)
    sums: dict[int, int]  # node -> number of backward steps done when its sum is complete


def forward_values(graph: Graph, env: dict[str, float]) -> list[float]:
    """Each node's value with torch (float64); ExprDomainError where one is undefined."""
    values: list[float] = []
    for nid, node in enumerate(graph.exprs):
        if isinstance(node, Var):
            values.append(env[node.name])
        elif isinstance(node, Num):
            values.append(node.value)
        else:
            leaf_env = {f"a{i}": values[a] for i, a in enumerate(graph.inputs[nid])}
            single = Op(node.op, tuple(Var(f"a{i}") for i in range(len(node.args))))
            try:
                values.append(float(evaluate(single, leaf_env)))
            except ExprDomainError as err:
                raise ExprDomainError(_name_node(str(err), graph, nid)) from None
    return values


def _name_node(message: str, graph: Graph, nid: int) -> str:
    """Replace the placeholder argument names in a domain message by the real sub-expressions."""
    for i, a in enumerate(graph.inputs[nid]):
        message = re.sub(rf"\ba{i}\b", to_text(graph.exprs[a]), message)
    return message


def local_derivatives(op: str, args: list[float], value: float) -> list[float]:
    """d(op)/d(argument) for each argument, by the rules of calculus (not by autograd)."""
    if op == "add":
        return [1.0, 1.0]
    if op == "sub":
        return [1.0, -1.0]
    if op == "mul":
        return [args[1], args[0]]
    if op == "div":
        a, b = args
        return [1.0 / b, -a / (b * b)]
    if op == "pow":
        a, c = args
        d_base = 0.0 if c == 0 else c * a ** (c - 1)
        d_exp = value * math.log(a) if a > 0 else math.nan
        return [d_base, d_exp]
    if op == "neg":
        return [-1.0]
    if op == "sigmoid":
        return [value * (1.0 - value)]
    if op == "tanh":
        return [1.0 - value * value]
    if op == "relu":
        return [1.0 if args[0] > 0 else 0.0]  # torch's choice at 0 as well
    if op == "exp":
        return [value]
    if op == "log":
        return [1.0 / args[0]]
    if op == "sin":
        return [math.cos(args[0])]
    if op == "cos":
        return [-math.sin(args[0])]
    raise ValueError(f"unknown operation {op!r}")


def run_graph(prepared: Prepared) -> GraphRun:
    """Forward values, local derivatives and the backward pass, with the order of its steps."""
    graph = prepared.graph
    values = forward_values(graph, prepared.env)
    locals_: list[list[float | None]] = []
    for nid in range(graph.size):
        args = graph.inputs[nid]
        if not args:
            locals_.append([])
            continue
        try:
            rules = local_derivatives(graph.ops[nid], [values[a] for a in args], values[nid])
        except (OverflowError, ZeroDivisionError, ValueError):
            rules = [math.nan] * len(args)
        row: list[float | None] = []
        for a, rule in zip(args, rules):
            if graph.constant[a]:
                row.append(None)
            elif not math.isfinite(rule):
                raise ExprDomainError(_local_problem(graph, nid, a, values))
            else:
                row.append(rule)
        locals_.append(row)

    root = graph.size - 1
    grads: list[float | None] = [None if c else 0.0 for c in graph.constant]
    terms: list[list[float]] = [[] for _ in range(graph.size)]
    waiting = [0] * graph.size  # contributions still to arrive
    for dst in range(graph.size):
        for src in graph.inputs[dst]:
            if not graph.constant[src]:
                waiting[src] += 1
    order: list[tuple[int, int, int]] = []
    sums: dict[int, int] = {}
    if not graph.constant[root]:
        grads[root] = 1.0
    for dst in range(root, -1, -1):
        upstream = grads[dst]
        if upstream is None:
            continue
        for k, src in enumerate(graph.inputs[dst]):
            local = locals_[dst][k]
            if local is None:
                continue
            product = upstream * local
            terms[src].append(product)
            current = grads[src]
            assert current is not None
            grads[src] = current + product
            order.append((src, dst, k))
            waiting[src] -= 1
            if waiting[src] == 0 and len(terms[src]) > 1:
                sums[src] = len(order)
    for nid, grad in enumerate(grads):
        if grad is not None and not math.isfinite(grad):
            raise ExprDomainError(f"the gradient of {to_text(graph.exprs[nid])} overflows")
    return GraphRun(values, locals_, grads, terms, order, sums)


def _local_problem(graph: Graph, nid: int, arg: int, values: list[float]) -> str:
    if graph.ops[nid] == "pow" and arg == graph.inputs[nid][1]:
        base = graph.inputs[nid][0]
        return (
            f"{to_text(graph.exprs[nid])}: a power with a variable exponent needs a positive"
            f" base ({to_text(graph.exprs[base])} is {format_constant(values[base])})"
        )
    return f"the derivative of {to_text(graph.exprs[nid])} is infinite"


# --- layout -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Layout:
    """Layered left-to-right positions: integer columns, rows one unit apart in a column.

    ``bends[e]`` are the (column, row) points an edge passes through in the columns it
    crosses (empty for an edge between neighbouring columns), each kept one row away from
    every node and every other bend in its column.
    """

    columns: int
    rows: int  # rows spanned by the tallest column: max row − min row + 1
    pos: list[tuple[int, float]]  # per node (column, row), rows from 0 downwards
    bends: list[list[tuple[int, float]]]  # per edge, in Graph.edges() order


Item = tuple[int, ...]  # (0, node id) or (1, edge index, column) for a bend
Link = tuple[Item, int, int]  # the item fed, the argument slot, the number of slots


def layered_layout(inputs: list[list[int]]) -> Layout:
    """Place a graph whose node ids are topological (the last is the root, drawn rightmost).

    Each node sits one column left of its earliest consumer; edges spanning several
    columns get a bend point in each column they cross (as Sugiyama's dummy nodes), so
    they never pass through a node. Rows are chosen from the root leftwards: each
    argument near its consumer's row, spread by argument order, then pushed apart.
    """
    n = len(inputs)
    edges = [(src, dst) for dst in range(n) for src in inputs[dst]]
    dist = [0] * n  # longest path to the root
    for dst in range(n - 1, -1, -1):
        for src in inputs[dst]:
            dist[src] = max(dist[src], dist[dst] + 1)
    depth = max(dist) if n else 0
    col = [depth - d for d in dist]
    items_by_col, targets = _layer_items(inputs, edges, col, depth)
    row = _assign_rows(items_by_col, targets, depth)
    top = min(row.values()) if row else 0.0
    pos = [(col[nid], round(row[(0, nid)] - top, 6)) for nid in range(n)]
    bends: list[list[tuple[int, float]]] = [[] for _ in edges]
    for item, r in row.items():
        if item[0] == 1:
            bends[item[1]].append((item[2], round(r - top, 6)))
    for points in bends:
        points.sort()
    per_col: dict[int, list[float]] = {}
    for item, r in row.items():
        per_col.setdefault(item[-1] if item[0] == 1 else col[item[1]], []).append(r)
    rows = max((max(rs) - min(rs) for rs in per_col.values()), default=0.0)
    span = max(r for _, r in pos) if pos else 0.0
    tallest = max(rows, span, *(r for pts in bends for _, r in pts)) if n else 0.0
    return Layout(depth + 1, int(math.floor(tallest + 1e-9)) + 1, pos, bends)


def _layer_items(
    inputs: list[list[int]], edges: list[tuple[int, int]], col: list[int], depth: int
) -> tuple[dict[int, list[Item]], dict[Item, list[Link]]]:
    """The items of each column (nodes and bends), and for each item what it feeds."""
    targets: dict[Item, list[Link]] = {}
    items_by_col: dict[int, list[Item]] = {c: [] for c in range(depth + 1)}
    for nid in range(len(inputs)):
        items_by_col[col[nid]].append((0, nid))
        targets[(0, nid)] = []
    for e, (src, dst) in enumerate(edges):
        slot = [i for i, (s2, d2) in enumerate(edges) if d2 == dst].index(e)
        fan_in = len(inputs[dst])
        prev: Item = (0, src)
        for c in range(col[src] + 1, col[dst]):
            bend = (1, e, c)
            items_by_col[c].append(bend)
            targets[bend] = []
            targets[prev].append((bend, 0, 1))
            prev = bend
        targets[prev].append(((0, dst), slot, fan_in))
    return items_by_col, targets


def _assign_rows(
    items_by_col: dict[int, list[Item]], targets: dict[Item, list[Link]], depth: int
) -> dict[Item, float]:
    """From the root leftwards: each item at the mean of its ideal rows beside what it
    feeds, then items of a column pushed at least one row apart and re-centred."""
    row: dict[Item, float] = {}
    for c in range(depth, -1, -1):
        items = items_by_col[c]
        ideal: dict[Item, float] = {}
        for item in items:
            links = targets[item]
            if not links:
                ideal[item] = 0.0
                continue
            ideal[item] = sum(row[t] + (slot - (fan - 1) / 2) for t, slot, fan in links) / len(
                links
            )
        ordered = sorted(items, key=lambda it: (ideal[it], it))
        placed: list[float] = []
        for item in ordered:
            r = ideal[item] if not placed else max(ideal[item], placed[-1] + 1.0)
            placed.append(r)
        shift = sum(ideal[it] - r for it, r in zip(ordered, placed)) / max(1, len(ordered))
        for item, r in zip(ordered, placed):
            row[item] = r + shift
    return row
