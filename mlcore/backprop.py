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

from typing import Any, Literal, TypedDict, TypeVar, cast

import torch

from explain.mlcore.backprop_graph import (
    Graph,
    GraphRun,
    Layout,
    Prepared,
    layered_layout,
    prepare,
    run_graph,
)
from explain.mlcore.backprop_params import BackpropParams
from explain.mlcore.expr import (
    Expr,
    ExprDomainError,
    Var,
    parse_expression,
    to_text,
)
from explain.mlcore.expr_eval import apply_op, evaluate
from explain.mlcore.params import params_to_dict
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested


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
    prepared = prepare(params.expr, params.values, params.params)
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
