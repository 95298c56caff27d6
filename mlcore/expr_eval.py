"""Evaluating an :mod:`explain.mlcore.expr` tree with torch, from a fixed table of functions.

Apart from the parser so that checking a typed expression (a parameter's validation,
``explain info``) never loads torch; only computing with it does.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import torch

from explain.mlcore.expr import (
    Expr,
    ExprDomainError,
    ExprError,
    Num,
    Op,
    Var,
    to_text,
    variables_of,
    walk,
)

_TORCH: dict[str, Callable[..., torch.Tensor]] = {
    "add": torch.add,
    "sub": torch.sub,
    "mul": torch.mul,
    "div": torch.div,
    "pow": torch.pow,
    "neg": torch.neg,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "exp": torch.exp,
    "log": torch.log,
    "sin": torch.sin,
    "cos": torch.cos,
}


def apply_op(op: str, args: Sequence[torch.Tensor]) -> torch.Tensor:
    """One operation on torch tensors (elementwise, broadcasting), differentiable by autograd."""
    return _TORCH[op](*args)


def evaluate(
    expr: Expr,
    env: Mapping[str, torch.Tensor | float],
    check: bool = True,
    visit: Callable[[Expr, torch.Tensor], None] | None = None,
) -> torch.Tensor:
    """The expression's value with torch (float64), elementwise over tensor variables.

    With ``check`` a division by zero, a log of a non-positive number, a negative number
    to a fractional power or any other non-finite intermediate raises
    :class:`ExprDomainError` naming the sub-expression. ``visit(node, value)`` is called
    for every node after its arguments (for recording intermediate tensors).
    """
    missing = [name for name in variables_of(expr) if name not in env]
    if missing:
        raise ExprError(f"no value for {', '.join(missing)}")
    values: dict[int, torch.Tensor] = {}
    for node in walk(expr):
        if isinstance(node, Num):
            value = torch.tensor(node.value, dtype=torch.float64)
        elif isinstance(node, Var):
            given = env[node.name]
            value = (
                given
                if isinstance(given, torch.Tensor)
                else torch.tensor(float(given), dtype=torch.float64)
            )
        else:
            args = [values[id(arg)] for arg in node.args]
            if check:
                check_domain(node, args)
            value = apply_op(node.op, args)
            if check and not bool(torch.isfinite(value).all()):
                raise ExprDomainError(f"{to_text(node)} is too large (overflows)")
        values[id(node)] = value
        if visit is not None:
            visit(node, value)
    return values[id(expr)]


def check_domain(node: Op, args: Sequence[torch.Tensor]) -> None:
    """Raise ExprDomainError when ``node`` is undefined at ``args`` (any element)."""
    with torch.no_grad():
        if node.op == "div" and bool((args[1] == 0).any()):
            raise ExprDomainError(f"division by zero: {to_text(node.args[1])} is 0")
        if node.op == "log" and bool((args[0] <= 0).any()):
            raise ExprDomainError(f"log of a non-positive number: {to_text(node.args[0])} is <= 0")
        if node.op == "pow":
            base, exponent = args
            fractional = exponent != torch.round(exponent)
            if bool(((base < 0) & fractional).any()):
                raise ExprDomainError(f"negative number to a fractional power in {to_text(node)}")
            if bool(((base == 0) & (exponent < 0)).any()):
                raise ExprDomainError(f"division by zero: 0 to a negative power in {to_text(node)}")
