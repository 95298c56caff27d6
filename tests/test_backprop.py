"""The backprop tracer against torch autograd, its bad-input errors and its layout."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explain.mlcore.backprop import BackpropParams, backprop_trace, verify_backprop_trace
from explain.mlcore.backprop_graph import MAX_COLUMNS, MAX_GRAPH_NODES, MAX_ROWS, layered_layout
from explain.mlcore.expr import Expr, Num, Op, Var, to_text
from explain.mlcore.params import ParamError, check_params, parse_params
from explain.mlcore.trace import Trace

T = torch.Tensor
# Written independently of explain.mlcore.expr: the same formulas typed as torch code.
CASES: list[tuple[str, str, Callable[..., T]]] = [
    ("(w*x + b - y)**2", "x=2,w=1,b=0.5,y=4", lambda w, x, b, y: (w * x + b - y) ** 2),
    ("sigmoid(w*x + b)*tanh(w)", "x=2,w=1,b=0.5",
     lambda w, x, b: torch.sigmoid(w * x + b) * torch.tanh(w)),
    ("w*w", "w=3", lambda w: w * w),
    ("x*x*x", "x=-1.5", lambda x: x * x * x),
    ("relu(w*x) - relu(-w*x)", "w=0.5,x=-2", lambda w, x: torch.relu(w * x) - torch.relu(-w * x)),
    ("exp(w) / (1 + exp(w))", "w=0.3", lambda w: torch.exp(w) / (1 + torch.exp(w))),
    ("log(x*x + 1) + sin(x)*cos(y)", "x=0.7,y=-1.2",
     lambda x, y: torch.log(x * x + 1) + torch.sin(x) * torch.cos(y)),
    ("x**y", "x=2,y=3", lambda x, y: x**y),
    ("-(w - 3)**2 / b", "w=1,b=4", lambda w, b: -((w - 3) ** 2) / b),
    ("relu(x)", "x=0", lambda x: torch.relu(x)),
    ("tanh(tanh(tanh(w)))", "w=0.8", lambda w: torch.tanh(torch.tanh(torch.tanh(w)))),
]  # fmt: skip


def trace_of(expr: str, values: str, params: str = "w,b", lr: float = 0.05) -> Trace:
    return backprop_trace(
        parse_params(
            BackpropParams, {"expr": expr, "values": values, "params": params, "lr": str(lr)}
        )
    )


def leaf_grads(trace: Trace) -> dict[str, float]:
    return dict(zip(trace.extra["variables"], trace.tensors["leaf_grads"]))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize(("expr", "values", "torch_fn"), CASES)
def test_leaf_grads_and_root_equal_torch_autograd(
    expr: str, values: str, torch_fn: Callable[..., T]
) -> None:
    trace = trace_of(expr, values)
    env = {k: float(v) for k, v in (p.split("=") for p in values.split(","))}
    names = trace.extra["variables"]
    leaves = {n: torch.tensor(env[n], dtype=torch.float64, requires_grad=True) for n in names}
    out = torch_fn(**leaves)
    out.backward()
    nodes = trace.extra["graph"]["nodes"]
    assert close(nodes[-1]["value"], out.item())
    assert nodes[-1]["grad"] == 1.0
    for name in names:
        assert close(leaf_grads(trace)[name], leaves[name].grad.item()), name  # type: ignore[union-attr]
    verify_backprop_trace(trace)


def test_default_trace_has_the_issue_shape() -> None:
    trace = backprop_trace(BackpropParams())
    graph = trace.extra["graph"]
    assert set(graph) == {"nodes", "edges"}
    for node in graph["nodes"]:
        assert {"id", "label", "op", "value", "grad"} <= set(node)
    assert [n["label"] for n in graph["nodes"] if n["op"] == "var"] == ["w", "x", "b", "y"]
    assert all(len(e) == 3 for e in graph["edges"])
    # (w·x + b − y)² at x=2, w=1, b=0.5, y=4: residual −1.5, loss 2.25, dL/dw = 2·(−1.5)·2.
    assert graph["nodes"][-1]["value"] == 2.25
    assert leaf_grads(trace) == {"w": -6.0, "x": -3.0, "b": -3.0, "y": 3.0}
    updates = {s["name"]: s["new_value"] for s in trace.steps if s["phase"] == "update"}
    assert updates == pytest.approx({"w": 1.0 + 0.05 * 6, "b": 0.5 + 0.05 * 3})
    # The constant 2 has no gradient and its edge no local derivative, as in torch.
    const = next(n for n in graph["nodes"] if n["op"] == "const")
    assert const["grad"] is None
    assert [e[2] for e in graph["edges"] if e[0] == const["id"]] == [None]


def test_every_edge_step_is_upstream_times_local_and_two_paths_sum() -> None:
    trace = trace_of("sigmoid(w*x + b)*tanh(w)", "x=2,w=1,b=0.5")
    nodes = trace.extra["graph"]["nodes"]
    edges = trace.extra["graph"]["edges"]
    backward = [s for s in trace.steps if s["phase"] == "backward"]
    assert len(backward) == len(edges)  # no constants here: every edge carries a gradient
    for step in backward:
        assert step["upstream"] == nodes[step["to"]]["grad"]
        assert step["local"] == edges[step["edge"]][2]
        assert close(step["product"], step["upstream"] * step["local"])
    sums = [s for s in trace.steps if s["phase"] == "sum"]
    w = next(n["id"] for n in nodes if n["label"] == "w")
    assert [s["node"] for s in sums] == [w]
    into_w = [s["product"] for s in backward if s["from"] == w]
    assert sums[0]["terms"] == into_w and len(into_w) == 2
    assert close(sum(into_w), nodes[w]["grad"])
    # The sum comes right after the last contribution arrives.
    last = max(i for i, s in enumerate(trace.steps) if s["phase"] == "backward" and s["from"] == w)
    assert trace.steps[last + 1]["phase"] == "sum"


def test_accumulated_grad_doubles_like_torch() -> None:
    trace = backprop_trace(BackpropParams())
    acc = trace.extra["accumulate"]
    assert acc["name"] == "w" and acc["once"] == -6.0 and acc["twice"] == -12.0


def test_verifier_catches_a_wrong_gradient_value_and_local() -> None:
    for mutate in (
        lambda t: t.extra["graph"]["nodes"][0].__setitem__("grad", 1.0),
        lambda t: t.extra["graph"]["edges"][0].__setitem__(2, 5.0),
        lambda t: t.extra["graph"]["nodes"][2].__setitem__("value", 0.0),
        lambda t: t.tensors["leaf_grads"].__setitem__(0, 0.0),
    ):
        trace = backprop_trace(BackpropParams())
        mutate(trace)
        with pytest.raises(AssertionError):
            verify_backprop_trace(trace)


# --- hypothesis: random expressions against torch ---------------------------------------
NAMES = ("w", "x", "b")
BINARY = ("add", "sub", "mul", "div", "pow")
UNARY = ("neg", "sigmoid", "tanh", "relu", "exp", "log", "sin", "cos")
TORCH: dict[str, Callable[..., T]] = {
    "add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
    "div": lambda a, b: a / b, "pow": lambda a, b: a**b, "neg": lambda a: -a,
    "sigmoid": torch.sigmoid, "tanh": torch.tanh, "relu": torch.relu, "exp": torch.exp,
    "log": torch.log, "sin": torch.sin, "cos": torch.cos,
}  # fmt: skip


def _extend(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    binary = st.tuples(st.sampled_from(BINARY), children, children).map(
        lambda t: Op(t[0], (t[1], t[2]))
    )
    unary = st.tuples(st.sampled_from(UNARY), children).map(lambda t: Op(t[0], (t[1],)))
    return binary | unary


LEAVES = st.sampled_from(NAMES).map(Var) | st.sampled_from((1.0, 2.0, 0.5, 3.0)).map(Num)
EXPRESSIONS = st.recursive(LEAVES, _extend, max_leaves=6)
VALUES = st.fixed_dictionaries(
    {n: st.sampled_from((-1.5, -0.5, 0.25, 0.7, 1.0, 2.0)) for n in NAMES}
)


def _torch_eval(tree: Expr, leaves: dict[str, T]) -> T:
    if isinstance(tree, Num):
        return torch.tensor(tree.value, dtype=torch.float64)
    if isinstance(tree, Var):
        return leaves[tree.name]
    return TORCH[tree.op](*(_torch_eval(a, leaves) for a in tree.args))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(EXPRESSIONS, VALUES)
def test_random_expressions_match_torch_autograd(tree: Expr, values: dict[str, float]) -> None:
    text = to_text(tree)
    params = BackpropParams(expr=text, values=",".join(f"{k}={v}" for k, v in values.items()))
    try:
        check_params(params)
    except ParamError as err:
        assert err.name in ("expr", "values")  # too big to draw, no variable, or undefined here
        return
    trace = backprop_trace(params)
    names = trace.extra["variables"]
    leaves = {n: torch.tensor(values[n], dtype=torch.float64, requires_grad=True) for n in names}
    out = _torch_eval(tree, leaves)
    out.backward()
    assert close(trace.extra["graph"]["nodes"][-1]["value"], out.item())
    for name in names:
        grad = leaves[name].grad
        assert close(leaf_grads(trace)[name], 0.0 if grad is None else grad.item()), (text, name)
    verify_backprop_trace(trace)
    trace.assert_finite()
    _assert_no_overlap(trace)


# --- bad input ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "name", "words"),
    [
        ({"expr": "w*x +"}, "expr", "syntax error"),
        ({"expr": "foo(w)"}, "expr", "unknown function 'foo'"),
        ({"expr": "w.grad"}, "expr", "attribute access"),
        ({"expr": "__import__('os')"}, "expr", "names starting with _"),
        ({"expr": "(lambda: w)()"}, "expr", "not allowed"),
        ({"expr": "[w for w in x]"}, "expr", "comprehensions"),
        ({"expr": "2*3"}, "expr", "at least one variable"),
        ({"expr": "w*x + z"}, "values", "no value for z"),
        ({"values": "x=2,w=1,b=0.5"}, "values", "no value for y"),
        ({"values": "x=2,w=one,b=0.5,y=4"}, "values", "'one' is not a number"),
        ({"values": "x=2,w=1,b=0.5,y=4,x=3"}, "values", "x is given twice"),
        ({"values": "x=2;w=1"}, "values", "is not a number"),
        ({"values": "x"}, "values", "name=number"),
        ({"values": "x=1e9,w=1,b=0,y=0"}, "values", "between"),
        ({"values": "x=nan,w=1,b=0,y=0"}, "values", "between"),
        ({"expr": "w / (x - 2)"}, "values", "division by zero: x - 2 is 0"),
        ({"expr": "log(w - 1)"}, "values", "log of a non-positive number"),
        ({"expr": "x**w", "values": "x=-2,w=1"}, "values", "positive base"),
        ({"expr": "exp(x*w*500)", "values": "x=2,w=1"}, "values", "overflows"),
        ({"expr": "(w-1)**0.5", "values": "w=1"}, "values", "infinite"),
        ({"params": "w,_b"}, "params", "not a variable name"),
        ({"lr": "-1"}, "lr", "from 0 to 10"),
        ({"expr": "+".join(["w*x"] * 8)}, "expr", f"at most {MAX_GRAPH_NODES}"),
        ({"expr": "exp(exp(exp(exp(exp(exp(exp(w)))))))"}, "expr", f"at most {MAX_COLUMNS - 1}"),
        ({"expr": "(a*b + c*d)*(e*f + g*h)"}, "expr", f"at most {MAX_ROWS} fit"),
    ],
)
def test_bad_input_is_one_line_naming_the_parameter(
    overrides: dict[str, str], name: str, words: str
) -> None:
    with pytest.raises(ParamError) as err:
        parse_params(BackpropParams, overrides)
    assert err.value.name == name
    assert words in err.value.message, err.value.message
    assert "\n" not in str(err.value)


def test_params_not_in_expr_are_skipped_and_update_after_step_is_recorded() -> None:
    trace = trace_of("w*w", "w=3", params="w,b", lr=0.1)
    assert trace.extra["updated"] == ["w"]
    assert trace.extra["after_update"] == {
        "before": 9.0,
        "value": pytest.approx((3 - 0.1 * 6) ** 2),
    }
    none = trace_of("x**2", "x=1", params="w,b")
    assert none.extra["updated"] == [] and not [s for s in none.steps if s["phase"] == "update"]


def test_update_that_leaves_the_domain_records_none() -> None:
    trace = trace_of("log(w)", "w=0.5", params="w", lr=1.0)  # w ← 0.5 − 1·2 = −1.5
    assert trace.extra["after_update"]["value"] is None
    verify_backprop_trace(trace)


# --- layout ------------------------------------------------------------------------------
LAYOUT_EXPRS = [
    "(w*x + b - y)**2",
    "sigmoid(w*x + b)*tanh(w)",
    "w*w",
    "x*x*x",
    "relu(w*x) - relu(-w*x)",
    "log(x*x + 1) + sin(x)*cos(y)",
    "tanh(w*x + b)*w + b",
    "(w*x + b)/(w - x) - y",
    "exp(w)/(1 + exp(w))",
    "sigmoid(w*x + b)*(1 - sigmoid(w*x + b))",
]


def _assert_no_overlap(trace: Trace) -> None:
    """Boxes one unit apart in a column never overlap, nor do bends and boxes."""
    layout = trace.extra["layout"]
    points = [tuple(p) for p in layout["pos"]] + [tuple(p) for pts in layout["bends"] for p in pts]
    assert len(layout["pos"]) <= MAX_GRAPH_NODES
    assert layout["columns"] <= MAX_COLUMNS and layout["rows"] <= MAX_ROWS
    for i, (c1, r1) in enumerate(points):
        for c2, r2 in points[i + 1 :]:
            assert c1 != c2 or abs(r1 - r2) >= 1 - 1e-9, (points, i)
    edges = trace.extra["graph"]["edges"]
    for (src, dst, _), bends in zip(edges, layout["bends"]):
        cols = [layout["pos"][src][0], *(c for c, _ in bends), layout["pos"][dst][0]]
        assert cols == list(range(cols[0], cols[-1] + 1))  # one step right per column


@pytest.mark.parametrize("expr", LAYOUT_EXPRS)
def test_layout_has_no_overlaps_on_the_test_expressions(expr: str) -> None:
    trace = trace_of(expr, "x=2,w=1,b=0.5,y=4")
    verify_backprop_trace(trace)
    _assert_no_overlap(trace)
    assert trace.extra["layout"]["pos"][-1][0] == trace.extra["layout"]["columns"] - 1


def test_layout_puts_each_node_left_of_its_consumers() -> None:
    layout = layered_layout([[], [], [0, 1], [], [2, 3], [0], [4, 5]])
    for dst, srcs in enumerate([[], [], [0, 1], [], [2, 3], [0], [4, 5]]):
        for src in srcs:
            assert layout.pos[src][0] < layout.pos[dst][0]
    assert layout.pos[6][0] == layout.columns - 1
