"""Backpropagation through the computation graph of an expression, node by node.

The tracer builds one node per operation (leaves for variables and constants), runs the
forward pass with torch, then the backward pass by hand like micrograd: each edge's local
derivative from the rule of its operation, each node's gradient as the sum over its
consumers of upstream × local. ``verify_backprop_trace`` checks every value, local
derivative and gradient against torch autograd.

Constants (and operations on constants only) get no gradient, as in torch, where a
tensor without ``requires_grad`` has no ``.grad``: their ``grad`` and the local
derivative of their edges are ``None`` (JSON null).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Literal, TypedDict, TypeVar, cast

import torch

from explain.mlcore.expr import (
    Expr,
    ExprDomainError,
    ExprError,
    Num,
    Op,
    Var,
    apply_op,
    evaluate,
    format_constant,
    parse_expression,
    to_text,
    variables_of,
    walk,
)
from explain.mlcore.params import ParamError, param, params_to_dict
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

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


@dataclass(frozen=True)
class BackpropParams:
    """An expression, the values of its variables, and which of them one update step changes."""

    expr: str = param(
        "(w*x + b - y)**2",
        "expression: numbers, names, + - * / **, sigmoid tanh relu exp log sin cos",
        min_len=1,
        max_len=200,
    )
    values: str = param(
        "x=2,w=1,b=0.5,y=4",
        "name=number for every variable of expr, comma separated",
        min_len=1,
        max_len=200,
    )
    params: str = param(
        "w,b",
        "comma-separated variables updated by w ← w − lr·grad (names not in expr are skipped)",
        max_len=80,
    )
    lr: float = param(0.05, "learning rate of the update step", low=0.0, high=10.0)

    def validate(self) -> None:
        prepare(self)


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


def prepare(params: BackpropParams) -> Prepared:
    """Parse and check everything the tracer needs; every failure is a ParamError."""
    try:
        expr = parse_expression(params.expr)
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
    given = parse_values(params.values)
    names = variables_of(expr)
    missing = [name for name in names if name not in given]
    if missing:
        raise ParamError(
            "values", f"no value for {', '.join(missing)} (expr uses {', '.join(names)})"
        )
    listed = parse_names(params.params)
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


# --- the trace --------------------------------------------------------------------------
class GraphNode(TypedDict):
    id: int
    label: str
    op: str  # "var", "const" or an operation
    value: float
    grad: float | None  # None where no gradient flows (constants)
    text: str  # the subexpression this node computes


class GraphDoc(TypedDict):
    nodes: list[GraphNode]
    edges: list[list[Any]]  # [from, to, local derivative] in Graph.edges() order


class LayoutDoc(TypedDict):
    columns: int
    rows: int
    pos: list[list[float]]  # per node [column, row]
    bends: list[list[list[float]]]  # per edge, [column, row] of each bend


class AfterUpdate(TypedDict):
    value: float | None  # f after the update; None if the step left f's domain
    before: float


class Accumulate(TypedDict):
    name: str
    once: float  # .grad after one backward()
    twice: float  # after a second one without zero_grad()


class BackpropExtra(TypedDict):
    expr_text: str
    variables: list[str]
    updated: list[str]
    graph: GraphDoc
    layout: LayoutDoc
    after_update: AfterUpdate
    accumulate: Accumulate


class ForwardStep(TypedDict):
    phase: Literal["forward"]
    node: int
    value: float


class SeedStep(TypedDict):
    phase: Literal["seed"]
    node: int
    grad: float  # 1: d root / d root


# "from" is a Python keyword, hence the functional form.
BackwardStep = TypedDict(
    "BackwardStep",
    {
        "phase": Literal["backward"],
        "edge": int,  # index into the graph's edges
        "from": int,
        "to": int,
        "upstream": float,  # the gradient arriving at "to"
        "local": float,  # d to / d from
        "product": float,
        "grad_so_far": float,  # of "from", after this edge
    },
)


class SumStep(TypedDict):
    phase: Literal["sum"]
    node: int
    terms: list[float]  # the contributions of every path
    grad: float


class UpdateStep(TypedDict):
    phase: Literal["update"]
    node: int
    name: str
    value: float
    grad: float
    lr: float
    new_value: float


BackpropStep = ForwardStep | SeedStep | BackwardStep | SumStep | UpdateStep
PhaseStepT = TypeVar("PhaseStepT", ForwardStep, SeedStep, BackwardStep, SumStep, UpdateStep)


def backprop_steps(trace: Trace) -> list[BackpropStep]:
    """The trace's steps, each typed by its phase (narrowed by ``step["phase"] == ...``)."""
    return cast(list[BackpropStep], trace.steps)


def phase_steps(trace: Trace, phase: str, kind: type[PhaseStepT]) -> list[PhaseStepT]:
    """The trace's steps of one phase, typed as that phase's TypedDict ``kind``."""
    return [cast(PhaseStepT, s) for s in trace.steps if s["phase"] == phase]


def _backward_steps(graph: Graph, run: GraphRun) -> list[BackpropStep]:
    """The backward pass edge by edge, each path's product added to its source's gradient;
    a sum step where a node's last contribution arrives."""
    edge_index = {(src, dst, k): i for i, (src, dst, k) in enumerate(_edges_with_slot(graph))}
    steps: list[BackpropStep] = []
    running: list[float] = [0.0] * graph.size
    for n, (src, dst, k) in enumerate(run.order, start=1):
        upstream = run.grads[dst]
        local = run.locals_[dst][k]
        assert upstream is not None and local is not None
        product = upstream * local
        running[src] += product
        backward: BackwardStep = {
            "phase": "backward",
            "edge": edge_index[(src, dst, k)],
            "from": src,
            "to": dst,
            "upstream": upstream,
            "local": local,
            "product": product,
            "grad_so_far": running[src],
        }
        steps.append(backward)
        if run.sums.get(src) == n:
            total = run.grads[src]
            assert total is not None  # its last contribution has just arrived
            steps.append(SumStep(phase="sum", node=src, terms=run.terms[src], grad=total))
    return steps


def _update_steps(
    prepared: Prepared, run: GraphRun, lr: float
) -> tuple[list[BackpropStep], dict[str, float], dict[str, int]]:
    """One gradient step on each updated variable; also the new values and variable ids."""
    graph, env = prepared.graph, prepared.env
    var_ids = {graph.labels[nid]: nid for nid in range(graph.size) if graph.ops[nid] == "var"}
    new_env = dict(env)
    steps: list[BackpropStep] = []
    for name in prepared.updated:
        grad = run.grads[var_ids[name]]
        assert grad is not None
        new_env[name] = env[name] - lr * grad
        steps.append(
            UpdateStep(
                phase="update",
                node=var_ids[name],
                name=name,
                value=env[name],
                grad=grad,
                lr=lr,
                new_value=new_env[name],
            )
        )
    return steps, new_env, var_ids


def _graph_doc(graph: Graph, run: GraphRun) -> GraphDoc:
    nodes = [
        GraphNode(
            id=nid,
            label=graph.labels[nid],
            op=graph.ops[nid],
            value=run.values[nid],
            grad=run.grads[nid],
            text=graph.texts[nid],
        )
        for nid in range(graph.size)
    ]
    edge_rows = [[src, dst, run.locals_[dst][k]] for src, dst, k in _edges_with_slot(graph)]
    return GraphDoc(nodes=nodes, edges=edge_rows)


def _layout_doc(layout: Layout) -> LayoutDoc:
    return LayoutDoc(
        columns=layout.columns,
        rows=layout.rows,
        pos=[list(p) for p in layout.pos],
        bends=[[list(p) for p in pts] for pts in layout.bends],
    )


def backprop_trace(params: BackpropParams) -> Trace:
    """Forward values node by node, then the backward pass edge by edge, then one update."""
    prepared = prepare(params)
    graph, env = prepared.graph, prepared.env
    run = run_graph(prepared)
    root = graph.size - 1
    steps: list[BackpropStep] = [
        ForwardStep(phase="forward", node=nid, value=run.values[nid]) for nid in range(graph.size)
    ]
    seed = run.grads[root]
    assert seed is not None  # the root's gradient is d root / d root
    steps.append(SeedStep(phase="seed", node=root, grad=seed))
    steps += _backward_steps(graph, run)
    updates, new_env, var_ids = _update_steps(prepared, run, params.lr)
    steps += updates
    after: float | None
    try:
        after = float(evaluate(prepared.expr, new_env))
    except ExprDomainError:
        after = None  # the step left the domain (e.g. log of a negative): the scene says so
    names = list(env)
    shown = prepared.updated[0] if prepared.updated else names[0]
    extra = BackpropExtra(
        expr_text=to_text(prepared.expr, pretty=True),
        variables=names,
        updated=prepared.updated,
        graph=_graph_doc(graph, run),
        layout=_layout_doc(layered_layout(graph.inputs)),
        after_update=AfterUpdate(value=after, before=run.values[root]),
        accumulate=accumulated_grad(prepared.expr, env, shown),
    )
    return Trace(
        scene="backprop",
        params=params_to_dict(params),
        tensors={
            "leaf_values": to_nested(torch.tensor([env[v] for v in names], dtype=torch.float64)),
            "leaf_grads": to_nested(
                torch.tensor([run.grads[var_ids[v]] or 0.0 for v in names], dtype=torch.float64)
            ),  # (V,) in the order of "variables"
        },
        steps=step_dicts(steps),
        extra=extra_dict(extra),
    )


def accumulated_grad(expr: Expr, env: dict[str, float], name: str) -> Accumulate:
    """``name``'s .grad after one backward() and after a second one without zeroing (torch)."""
    leaves = {v: torch.tensor(x, dtype=torch.float64, requires_grad=True) for v, x in env.items()}
    evaluate(expr, leaves).backward()
    grad = leaves[name].grad
    once = float(grad) if grad is not None else 0.0
    evaluate(expr, leaves).backward()  # no zero_grad(): autograd adds into .grad
    grad = leaves[name].grad
    twice = float(grad) if grad is not None else 0.0
    return Accumulate(name=name, once=once, twice=twice)


def _edges_with_slot(graph: Graph) -> list[tuple[int, int, int]]:
    """(from, to, argument index) in Graph.edges() order."""
    return [(src, dst, k) for dst in range(graph.size) for k, src in enumerate(graph.inputs[dst])]


# --- verification -----------------------------------------------------------------------
TOL = 1e-9


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= TOL * max(1.0, abs(a), abs(b))


def verify_backprop_trace(trace: Trace) -> None:
    """Raise AssertionError unless values, local derivatives and gradients equal torch autograd.

    The expression is re-evaluated with torch tensors that require gradients; every
    intermediate keeps its ``.grad`` (``retain_grad``), so each node's gradient is
    compared, not only the leaves'. Each edge's local derivative is recomputed by
    autograd on its operation alone.
    """
    expr = parse_expression(trace.params["expr"])
    nodes = trace.extra["graph"]["nodes"]
    edges = trace.extra["graph"]["edges"]
    names = trace.extra["variables"]
    leaves = {
        name: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for name, v in zip(names, trace.tensors["leaf_values"])
    }
    tensors: list[torch.Tensor] = []  # per graph node, in the tracer's numbering
    seen: set[str] = set()

    def keep(node: Expr, value: torch.Tensor) -> None:
        if isinstance(node, Var):
            if node.name in seen:
                return
            seen.add(node.name)
        elif value.requires_grad:
            value.retain_grad()
        tensors.append(value)

    root = evaluate(expr, leaves, visit=keep)
    root.backward()
    if len(tensors) != len(nodes):
        raise AssertionError(f"graph has {len(nodes)} nodes, the expression {len(tensors)}")
    for node, tensor in zip(nodes, tensors):
        if not _close(node["value"], tensor.item()):
            raise AssertionError(f"value of node {node['id']} ({node['text']}) disagrees")
        grad = tensor.grad
        if node["grad"] is None:
            if tensor.requires_grad:
                raise AssertionError(f"node {node['id']} should have a gradient")
            continue
        expected = float(grad) if grad is not None else 0.0
        if not _close(node["grad"], expected):
            raise AssertionError(f"gradient of node {node['id']} ({node['text']}) disagrees")
    for name, got in zip(names, trace.tensors["leaf_grads"]):
        leaf_grad = leaves[name].grad
        if not _close(got, float(leaf_grad) if leaf_grad is not None else 0.0):
            raise AssertionError(f"{name}.grad disagrees with torch")
    _verify_locals(nodes, edges)
    _verify_steps(trace, nodes, list(trace.tensors["leaf_grads"]))


def _verify_locals(nodes: list[dict], edges: list[list]) -> None:
    by_dst: dict[int, list[tuple[int, float | None]]] = {}
    for src, dst, local in edges:
        by_dst.setdefault(dst, []).append((src, local))
    for dst, args in by_dst.items():
        inputs = [
            torch.tensor(nodes[src]["value"], dtype=torch.float64, requires_grad=True)
            for src, _ in args
        ]
        out = apply_op(nodes[dst]["op"], inputs)
        wanted = [x for x, (_, local) in zip(inputs, args) if local is not None]
        if not wanted:
            continue
        grads = torch.autograd.grad(out, wanted)
        got = [local for _, local in args if local is not None]
        for g_torch, g_trace in zip(grads, got):
            if not _close(float(g_trace), float(g_torch)):
                raise AssertionError(f"local derivative into node {dst} disagrees with autograd")


def _verify_steps(trace: Trace, nodes: list[dict], got_grads: list[float]) -> None:
    for step in trace.steps:
        if step["phase"] == "backward":
            if not _close(step["upstream"] * step["local"], step["product"]):
                raise AssertionError("upstream × local ≠ downstream in a backward step")
        elif step["phase"] == "sum":
            if not _close(sum(step["terms"]), nodes[step["node"]]["grad"]):
                raise AssertionError(f"gradient terms of node {step['node']} do not sum up")
        elif step["phase"] == "update" and not _close(
            step["value"] - step["lr"] * step["grad"], step["new_value"]
        ):
            raise AssertionError(f"update of {step['name']} is wrong")
    acc = trace.extra["accumulate"]
    index = trace.extra["variables"].index(acc["name"])
    if not (_close(acc["once"], got_grads[index]) and _close(acc["twice"], 2 * acc["once"])):
        raise AssertionError(".grad after two backward() calls is not twice the gradient")
    after = trace.extra["after_update"]["value"]
    if after is not None:
        new_env = {
            name: float(v)
            for name, v in zip(trace.extra["variables"], trace.tensors["leaf_values"])
        }
        for step in trace.steps:
            if step["phase"] == "update":
                new_env[step["name"]] = step["new_value"]
        expected = float(evaluate(parse_expression(trace.params["expr"]), new_env))
        if not _close(after, expected):
            raise AssertionError("value after the update disagrees with torch")
