"""What the saddle-point scenes let the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.saddle`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.expr import MAX_CHARS, Expr, ExprError, parse_expression, variables_of
from explain.mlcore.params import ParamError, param

BUILTIN_SURFACES: tuple[str, ...] = ("saddle", "monkey")
SURFACES: tuple[str, ...] = (*BUILTIN_SURFACES, "custom")
VARIABLES: tuple[str, str] = ("x", "y")
EXAMPLE_EXPR = "x**2 - y**2 + 0.1*x**4"


@dataclass(frozen=True)
class SaddleParams:
    """Gradient descent, SGD and momentum started near the saddle point at the origin."""

    surface: str = param(
        "saddle", "saddle: x²−y²; monkey: x³−3xy²; custom: f(x, y) given by expr", choices=SURFACES
    )
    expr: str = param(
        "",
        f"f(x, y) for surface=custom, e.g. {EXAMPLE_EXPR} (numbers, x, y, + - * / **,"
        " sigmoid tanh relu exp log sin cos); refused with any other surface",
        max_len=MAX_CHARS,
    )
    start: tuple[float, ...] = param(
        (1.5, 0.0), "starting point x,y", low=-1.9, high=1.9, min_len=2, max_len=2
    )
    lr: float = param(0.1, "learning rate (step size)", low=1e-4, high=0.5)
    steps: int = param(40, "updates per optimiser", low=1, high=200)
    noise: float = param(0.3, "std of the Gaussian noise added to SGD's gradients", low=0, high=2)
    momentum: float = param(0.9, "momentum coefficient (heavy ball)", low=0, high=0.99)
    seed: int = param(0, "seed of the gradient noise", low=0, high=2**31 - 1)

    def validate(self) -> None:
        if self.surface == "custom":
            parse_surface_expr(self.expr)
        elif self.expr.strip():
            # Refused rather than ignored: drawing x²−y² when the user typed another
            # formula would show the wrong surface without a word.
            raise ParamError(
                "surface",
                f"expr is only used with surface=custom (surface is {self.surface});"
                " add surface=custom or drop expr",
            )


def parse_surface_expr(text: str) -> Expr:
    """The custom surface's expression tree; ParamError naming ``expr`` when it is refused."""
    if not text.strip():
        raise ParamError("expr", f"surface=custom needs f(x, y) as text, e.g. expr={EXAMPLE_EXPR}")
    try:
        tree = parse_expression(text, variables=VARIABLES)
    except ExprError as err:
        raise ParamError("expr", str(err)) from None
    if not variables_of(tree):
        raise ParamError("expr", "must use x or y (a constant surface has no saddle)")
    return tree
