"""What the backprop scenes let the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.backprop`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import param


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
        # The checks build the graph and run it with torch (an expression may be undefined
        # at the values given); imported here so that reading the fields does not load torch.
        from explain.mlcore.backprop_graph import prepare

        prepare(self.expr, self.values, self.params)
