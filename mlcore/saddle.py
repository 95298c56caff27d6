"""Optimisers near a saddle point: plain gradient descent stalls, noise and momentum escape.

The built-in surfaces are unbounded below, so a path that escapes the saddle keeps going;
each path is recorded until it leaves the plotted square |x|, |y| <= EXTENT (that is what
"escaped" means here). The noise of the stochastic runs is drawn once, seeded, and
stored in the trace so that the verifier can replay every step with autograd.

``surface=custom`` takes f(x, y) from the user as text, parsed by the safe expression
parser (:mod:`explain.mlcore.expr`, never ``eval``); its gradients and Hessian come from torch
autograd. A custom surface has no known saddle, so its Hessian is taken where gradient
descent ends rather than at an assumed (0, 0).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

import torch

from explain.mlcore.expr import (
    ExprDomainError,
    to_text,
)
from explain.mlcore.expr_eval import evaluate
from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.saddle_contours import SaddleContours, saddle_contours, verify_saddle_contours
from explain.mlcore.saddle_params import (
    BUILTIN_SURFACES,
    SURFACES,
    SaddleParams,
    parse_surface_expr,
)
from explain.mlcore.trace import Trace, extra_dict

# Half-width of the plotted square around the saddle at the origin.
EXTENT = 2.0
# Samples per side (odd) of the grid of f values a scene draws its heat map and contours from.
GRID_SIZE = 41
# A step longer than this crosses most of the plot in one jump: the run is diverging.
MAX_STEP = EXTENT
OPTIMISERS: tuple[str, ...] = ("gd", "sgd", "momentum")
TOL = 1e-9
# |eigenvalue| below this counts as zero when naming the kind of critical point.
EIG_ZERO = 1e-8
# What the Hessian's eigenvalues say about the point (read by the scene's captions).
KINDS: tuple[str, ...] = ("saddle", "minimum", "maximum", "degenerate-saddle", "undecided")

SurfaceFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _saddle(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x**2 - y**2


def _monkey(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x**3 - 3 * x * y**2


SURFACE_FUNCS: dict[str, SurfaceFn] = {"saddle": _saddle, "monkey": _monkey}
# Closed-form gradients, checked against autograd by the verifier and the tests.
SURFACE_GRADS: dict[str, Callable[[float, float], tuple[float, float]]] = {
    "saddle": lambda x, y: (2 * x, -2 * y),
    "monkey": lambda x, y: (3 * x * x - 3 * y * y, -6 * x * y),
}
FORMULAS: dict[str, str] = {"saddle": "f(x, y) = x² − y²", "monkey": "f(x, y) = x³ − 3xy²"}


class Outcome(TypedDict):
    escaped: bool  # left the plotted square
    updates: int  # steps taken
    distance: float  # from the origin, at the end


class CriticalPoint(TypedDict):
    at: str  # "origin" (built-in surfaces) or "gd_end" (custom)
    point: list[float]  # [x, y]
    value: float  # f there
    hessian: list[list[float]]  # (2, 2)
    eigenvalues: list[float]  # (2,) ascending
    kind: str  # one of KINDS


class SurfaceGrid(TypedDict):
    axis: list[float]  # (G,) sample positions on both axes
    f: list[list[float]]  # (G, G) rows follow y


class SaddleExtra(TypedDict):
    paths: dict[str, list[list[float]]]  # optimiser -> [[x, y, f], ...]
    outcome: dict[str, Outcome]
    saddle: CriticalPoint
    gd_final_grad_norm: float
    formula: str
    extent: float
    grid: SurfaceGrid
    contours: SaddleContours


@dataclass(frozen=True)
class Surface:
    """f(x, y) elementwise on float64 tensors, differentiable by autograd."""

    name: str  # one of SURFACES
    fn: SurfaceFn
    formula: str  # shown as the title, e.g. "f(x, y) = x² − y²"
    # Closed-form gradient for the built-in surfaces; custom ones use autograd.
    grad: Callable[[float, float], tuple[float, float]] | None


def make_surface(surface: str, expr: str = "") -> Surface:
    """The surface named by the parameters (ParamError naming ``expr`` if it is refused)."""
    if surface in BUILTIN_SURFACES:
        return Surface(surface, SURFACE_FUNCS[surface], FORMULAS[surface], SURFACE_GRADS[surface])
    if surface != "custom":
        raise ParamError("surface", f"unknown surface {surface!r} (allowed: {', '.join(SURFACES)})")
    tree = parse_surface_expr(expr)

    def fn(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        # check=True: a domain error (log of 0, 1/0...) or overflow raises ExprDomainError.
        return evaluate(tree, {"x": x, "y": y})

    return Surface("custom", fn, "f(x, y) = " + to_text(tree, pretty=True), None)


def _where(x: float, y: float) -> str:
    return f"({x:.4g}, {y:.4g})"


def f_value(surface: Surface, x: float, y: float, where: str = "") -> float:
    try:
        value = float(
            surface.fn(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64))
        )
    except ExprDomainError as err:
        raise ParamError("expr", f"{err} at {_where(x, y)}{where}") from None
    if not math.isfinite(value):
        raise ParamError("expr", f"f is not finite at {_where(x, y)}{where}")
    return value


def autograd_grad(surface: Surface, x: float, y: float, where: str = "") -> tuple[float, float]:
    """∂f/∂x, ∂f/∂y at (x, y) by autograd (ParamError naming ``expr`` if not finite)."""
    p = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)  # (2,)
    try:
        value = surface.fn(p[0], p[1])  # ()
    except ExprDomainError as err:
        raise ParamError("expr", f"{err} at {_where(x, y)}{where}") from None
    (grad,) = torch.autograd.grad(value, p)  # (2,)
    gx, gy = float(grad[0]), float(grad[1])
    if not (math.isfinite(gx) and math.isfinite(gy)):
        raise ParamError("expr", f"the gradient of f is not finite at {_where(x, y)}{where}")
    return gx, gy


def gradient(surface: Surface, x: float, y: float, where: str = "") -> tuple[float, float]:
    if surface.grad is not None:
        return surface.grad(x, y)
    return autograd_grad(surface, x, y, where)


def _inside(x: float, y: float) -> bool:
    return abs(x) <= EXTENT and abs(y) <= EXTENT


def run_optimiser(
    surface: Surface,
    start: tuple[float, float],
    lr: float,
    steps: int,
    momentum: float,
    noise: list[list[float]] | None,
    name: str = "",
) -> list[list[float]]:
    """[[x, y, f], ...] from the start until ``steps`` updates or the path leaves the plot.

    ``noise[t]`` is added to the gradient of update t (SGD); ``momentum`` > 0 keeps a
    velocity v ← μ·v + g and steps by −lr·v (heavy ball, as torch.optim.SGD does).
    """
    where = f" on the {name} path" if name else ""
    x, y = start
    vx = vy = 0.0
    path = [[x, y, f_value(surface, x, y, where)]]
    for t in range(steps):
        gx, gy = gradient(surface, x, y, where)
        if noise is not None:
            gx, gy = gx + noise[t][0], gy + noise[t][1]
        vx, vy = momentum * vx + gx, momentum * vy + gy
        nx, ny = x - lr * vx, y - lr * vy
        if not (math.isfinite(nx) and math.isfinite(ny)) or math.hypot(nx - x, ny - y) > MAX_STEP:
            raise ParamError(
                "lr",
                f"training diverges with lr={lr:g}: one step jumps farther than {MAX_STEP:g}"
                " across the plot; use a smaller lr (or less noise)",
            )
        x, y = nx, ny
        path.append([x, y, f_value(surface, x, y, where)])
        if not _inside(x, y):
            break  # escaped: beyond the plot the path is no longer drawn
    return path


def hessian_at(surface: Surface, x: float, y: float) -> tuple[list[list[float]], list[float]]:
    """Hessian of f at (x, y) by autograd, and its eigenvalues (ascending)."""
    point = torch.tensor([x, y], dtype=torch.float64)  # (2,)
    try:
        hess = torch.autograd.functional.hessian(lambda p: surface.fn(p[0], p[1]), point)  # (2, 2)
    except ExprDomainError as err:
        raise ParamError("expr", f"{err} at {_where(x, y)}") from None
    if not bool(torch.isfinite(hess).all()):
        raise ParamError("expr", f"the Hessian of f is not finite at {_where(x, y)}")
    eig = torch.linalg.eigvalsh(hess)  # (2,)
    # + 0.0: no -0.0 in the trace
    return [[v + 0.0 for v in row] for row in hess.tolist()], [float(v) + 0.0 for v in eig]


def critical_kind(surface: str, eigenvalues: list[float]) -> str:
    """What the eigenvalues' signs say: one of KINDS."""
    low, high = min(eigenvalues), max(eigenvalues)
    if low < -EIG_ZERO and high > EIG_ZERO:
        return "saddle"
    if low > EIG_ZERO:
        return "minimum"
    if high < -EIG_ZERO:
        return "maximum"
    # A zero eigenvalue: the second-derivative test cannot tell. The monkey saddle at
    # the origin is known to be a saddle (f changes sign along y = 0).
    return "degenerate-saddle" if surface == "monkey" else "undecided"


def surface_grid(surface: Surface) -> SurfaceGrid:
    """f on a GRID_SIZE² grid over the plotted square; ParamError when f is undefined there."""
    half = GRID_SIZE // 2
    # Multiples of one step, so that 0 (the built-in saddles) is exactly a sample.
    axis = torch.arange(-half, half + 1, dtype=torch.float64) * (EXTENT / half)  # (G,)
    gy, gx = torch.meshgrid(axis, axis, indexing="ij")  # (G, G) each, rows follow y
    try:
        values = surface.fn(gx, gy)  # (G, G)
    except ExprDomainError as err:
        raise ParamError("expr", f"{err} somewhere in the plotted square |x|, |y| <= 2") from None
    if not bool(torch.isfinite(values).all()):
        raise ParamError("expr", "f is not finite everywhere in the plotted square |x|, |y| <= 2")
    return SurfaceGrid(axis=axis.tolist(), f=values.tolist())


def saddle_trace(params: SaddleParams) -> Trace:
    """Paths of gd, sgd and momentum, the Hessian at the saddle, and f on a grid."""
    surface = make_surface(params.surface, params.expr)
    grid = surface_grid(surface)  # first: a surface undefined on the plot is refused as such
    start = (float(params.start[0]), float(params.start[1]))
    gen = torch.Generator().manual_seed(params.seed)
    noise = torch.randn(params.steps, 2, generator=gen, dtype=torch.float64) * params.noise
    noise_list: list[list[float]] = noise.tolist()  # (steps, 2)
    paths = {
        "gd": run_optimiser(surface, start, params.lr, params.steps, 0.0, None, "gd"),
        "sgd": run_optimiser(surface, start, params.lr, params.steps, 0.0, noise_list, "sgd"),
        # Momentum on the same noisy gradients: from the stable manifold (y = 0) an
        # exact gradient never points off it, so momentum alone would stall like gd.
        "momentum": run_optimiser(
            surface, start, params.lr, params.steps, params.momentum, noise_list, "momentum"
        ),
    }
    saddle = _critical_point(surface, paths["gd"][-1])
    gx, gy = gradient(surface, paths["gd"][-1][0], paths["gd"][-1][1])
    extra = SaddleExtra(
        paths=paths,
        outcome={name: _outcome(p) for name, p in paths.items()},
        saddle=saddle,
        gd_final_grad_norm=math.hypot(gx, gy),
        formula=surface.formula,
        extent=EXTENT,
        grid=grid,
        contours=saddle_contours(grid["axis"], grid["f"], saddle["value"]),
    )
    return Trace(
        scene="saddle-point",
        params=params_to_dict(params),
        tensors={"noise": noise_list},
        steps=[],
        extra=extra_dict(extra),
    )


def _critical_point(surface: Surface, gd_end: list[float]) -> CriticalPoint:
    """The Hessian at the origin (built-in saddles) or where gd ends (custom surfaces)."""
    if surface.name == "custom":
        point, at = [gd_end[0], gd_end[1]], "gd_end"
    else:
        point, at = [0.0, 0.0], "origin"
    hessian, eigenvalues = hessian_at(surface, point[0], point[1])
    return CriticalPoint(
        at=at,
        point=point,
        value=f_value(surface, point[0], point[1]),
        hessian=hessian,
        eigenvalues=eigenvalues,
        kind=critical_kind(surface.name, eigenvalues),
    )


def _outcome(path: list[list[float]]) -> Outcome:
    end = path[-1]
    return Outcome(
        escaped=not _inside(end[0], end[1]),
        updates=len(path) - 1,
        distance=math.hypot(end[0], end[1]),
    )


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def verify_saddle_trace(trace: Trace) -> None:
    """Replay every step with autograd gradients and the recorded noise; check the Hessian."""
    prm = trace.params
    surface = make_surface(prm["surface"], prm.get("expr", ""))
    noise = trace.tensors["noise"]
    settings = {"gd": (0.0, False), "sgd": (0.0, True), "momentum": (prm["momentum"], True)}
    for name, (mu, noisy) in settings.items():
        path = trace.extra["paths"][name]
        if path[0][:2] != list(prm["start"]):
            raise AssertionError(f"{name} does not start at the start point")
        vx = vy = 0.0
        for t in range(len(path) - 1):
            x, y, fv = path[t]
            if not _close(fv, f_value(surface, x, y)):
                raise AssertionError(f"{name}: f at point {t} is wrong")
            gx, gy = autograd_grad(surface, x, y)
            if noisy:
                gx, gy = gx + noise[t][0], gy + noise[t][1]
            vx, vy = mu * vx + gx, mu * vy + gy
            nx, ny = path[t + 1][:2]
            if not (_close(nx, x - prm["lr"] * vx) and _close(ny, y - prm["lr"] * vy)):
                raise AssertionError(f"{name}: update {t} disagrees with autograd")
        if not _close(path[-1][2], f_value(surface, path[-1][0], path[-1][1])):
            raise AssertionError(f"{name}: f at the last point is wrong")
        stopped_early = len(path) - 1 < prm["steps"]
        if stopped_early and _inside(path[-1][0], path[-1][1]):
            raise AssertionError(f"{name} stopped inside the plot")
    saddle = trace.extra["saddle"]
    gd_end = trace.extra["paths"]["gd"][-1]
    expected_point = gd_end[:2] if surface.name == "custom" else [0.0, 0.0]
    if saddle["point"] != expected_point:
        raise AssertionError("the Hessian is not taken where it should be")
    point = torch.tensor(expected_point, dtype=torch.float64)  # (2,)
    fn = surface.fn
    expected = torch.autograd.functional.hessian(lambda p: fn(p[0], p[1]), point)  # (2, 2)
    hess = torch.tensor(saddle["hessian"], dtype=torch.float64)  # (2, 2)
    if not torch.allclose(hess, expected):
        raise AssertionError("Hessian at the saddle disagrees with autograd")
    eig = torch.linalg.eigvalsh(expected)  # (2,)
    if not torch.allclose(torch.tensor(saddle["eigenvalues"]).double(), eig):
        raise AssertionError("Hessian eigenvalues disagree with torch.linalg.eigvalsh")
    if saddle["kind"] != critical_kind(surface.name, eig.tolist()):
        raise AssertionError("the kind of point disagrees with the eigenvalues' signs")
    if not _close(saddle["value"], f_value(surface, *expected_point)):
        raise AssertionError("f at the saddle is wrong")
    gx, gy = autograd_grad(surface, gd_end[0], gd_end[1])
    if not _close(trace.extra["gd_final_grad_norm"], math.hypot(gx, gy)):
        raise AssertionError("gd's final gradient norm disagrees with autograd")
    grid = trace.extra["grid"]
    axis = torch.tensor(grid["axis"], dtype=torch.float64)  # (G,)
    gy_, gx_ = torch.meshgrid(axis, axis, indexing="ij")  # (G, G) each
    if not torch.allclose(torch.tensor(grid["f"], dtype=torch.float64), fn(gx_, gy_)):
        raise AssertionError("the grid of f values is wrong")
    extra = trace.extra_as(SaddleExtra)
    verify_saddle_contours(extra["contours"], grid["axis"], grid["f"], saddle["value"])
