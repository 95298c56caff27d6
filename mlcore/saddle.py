"""Optimisers near a saddle point: plain gradient descent stalls, noise and momentum escape.

Both surfaces are unbounded below, so a path that escapes the saddle keeps going; each
path is recorded until it leaves the plotted square |x|, |y| <= EXTENT (that is what
"escaped" means here). The noise of the stochastic runs is drawn once, seeded, and
stored in the trace so that the verifier can replay every step with autograd.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from mlcore.params import ParamError, param, params_to_dict
from mlcore.trace import Trace

# Half-width of the plotted square around the saddle at the origin.
EXTENT = 2.0
# Samples per side of the grid of f values a scene draws its heat map and contours from.
GRID_SIZE = 41
# A step longer than this crosses most of the plot in one jump: the run is diverging.
MAX_STEP = EXTENT
OPTIMISERS: tuple[str, ...] = ("gd", "sgd", "momentum")
SURFACES: tuple[str, ...] = ("saddle", "monkey")
TOL = 1e-9

Surface = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def _saddle(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x**2 - y**2


def _monkey(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return x**3 - 3 * x * y**2


SURFACE_FUNCS: dict[str, Surface] = {"saddle": _saddle, "monkey": _monkey}
# Closed-form gradients, checked against autograd by the verifier and the tests.
SURFACE_GRADS: dict[str, Callable[[float, float], tuple[float, float]]] = {
    "saddle": lambda x, y: (2 * x, -2 * y),
    "monkey": lambda x, y: (3 * x * x - 3 * y * y, -6 * x * y),
}
FORMULAS: dict[str, str] = {"saddle": "f(x, y) = x² − y²", "monkey": "f(x, y) = x³ − 3xy²"}


@dataclass(frozen=True)
class SaddleParams:
    """Gradient descent, SGD and momentum started near the saddle point at the origin."""

    surface: str = param("saddle", "saddle: x²−y²; monkey: x³−3xy²", choices=SURFACES)
    start: tuple[float, ...] = param(
        (1.5, 0.0), "starting point x,y", low=-1.9, high=1.9, min_len=2, max_len=2
    )
    lr: float = param(0.1, "learning rate (step size)", low=1e-4, high=0.5)
    steps: int = param(40, "updates per optimiser", low=1, high=200)
    noise: float = param(0.3, "std of the Gaussian noise added to SGD's gradients", low=0, high=2)
    momentum: float = param(0.9, "momentum coefficient (heavy ball)", low=0, high=0.99)
    seed: int = param(0, "seed of the gradient noise", low=0, high=2**31 - 1)


def f_value(surface: str, x: float, y: float) -> float:
    fn = SURFACE_FUNCS[surface]
    return float(fn(torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)))


def _inside(x: float, y: float) -> bool:
    return abs(x) <= EXTENT and abs(y) <= EXTENT


def run_optimiser(
    surface: str,
    start: tuple[float, float],
    lr: float,
    steps: int,
    momentum: float,
    noise: list[list[float]] | None,
) -> list[list[float]]:
    """[[x, y, f], ...] from the start until ``steps`` updates or the path leaves the plot.

    ``noise[t]`` is added to the gradient of update t (SGD); ``momentum`` > 0 keeps a
    velocity v ← μ·v + g and steps by −lr·v (heavy ball, as torch.optim.SGD does).
    """
    grad = SURFACE_GRADS[surface]
    x, y = start
    vx = vy = 0.0
    path = [[x, y, f_value(surface, x, y)]]
    for t in range(steps):
        gx, gy = grad(x, y)
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
        path.append([x, y, f_value(surface, x, y)])
        if not _inside(x, y):
            break  # escaped: the surface falls away without bound beyond the plot
    return path


def hessian_at_origin(surface: str) -> tuple[list[list[float]], list[float]]:
    """Hessian of f at the saddle (0, 0) by autograd, and its eigenvalues (ascending)."""
    fn = SURFACE_FUNCS[surface]
    origin = torch.zeros(2, dtype=torch.float64)  # (2,)
    hess = torch.autograd.functional.hessian(lambda p: fn(p[0], p[1]), origin)  # (2, 2)
    eig = torch.linalg.eigvalsh(hess)  # (2,)
    return hess.tolist(), [float(v) + 0.0 for v in eig]  # + 0.0: no -0.0 in the trace


def _grid(surface: str) -> dict[str, object]:
    axis = torch.linspace(-EXTENT, EXTENT, GRID_SIZE, dtype=torch.float64)  # (G,)
    gy, gx = torch.meshgrid(axis, axis, indexing="ij")  # (G, G) each, rows follow y
    values = SURFACE_FUNCS[surface](gx, gy)  # (G, G)
    return {"axis": axis.tolist(), "f": values.tolist()}


def saddle_trace(params: SaddleParams) -> Trace:
    """Paths of gd, sgd and momentum, the Hessian at the saddle, and f on a grid."""
    start = (float(params.start[0]), float(params.start[1]))
    gen = torch.Generator().manual_seed(params.seed)
    noise = torch.randn(params.steps, 2, generator=gen, dtype=torch.float64) * params.noise
    noise_list: list[list[float]] = noise.tolist()  # (steps, 2)
    paths = {
        "gd": run_optimiser(params.surface, start, params.lr, params.steps, 0.0, None),
        "sgd": run_optimiser(params.surface, start, params.lr, params.steps, 0.0, noise_list),
        # Momentum on the same noisy gradients: from the stable manifold (y = 0) an
        # exact gradient never points off it, so momentum alone would stall like gd.
        "momentum": run_optimiser(
            params.surface, start, params.lr, params.steps, params.momentum, noise_list
        ),
    }
    hessian, eigenvalues = hessian_at_origin(params.surface)
    gd_end = paths["gd"][-1]
    gx, gy = SURFACE_GRADS[params.surface](gd_end[0], gd_end[1])
    outcome = {
        name: {
            "escaped": not _inside(p[-1][0], p[-1][1]),
            "updates": len(p) - 1,
            "distance": math.hypot(p[-1][0], p[-1][1]),
        }
        for name, p in paths.items()
    }
    return Trace(
        scene="saddle-point",
        params=params_to_dict(params),
        tensors={"noise": noise_list},
        steps=[],
        extra={
            "paths": paths,
            "outcome": outcome,
            "saddle": {
                "point": [0.0, 0.0],
                "value": 0.0,
                "hessian": hessian,
                "eigenvalues": eigenvalues,
            },
            "gd_final_grad_norm": math.hypot(gx, gy),
            "formula": FORMULAS[params.surface],
            "extent": EXTENT,
            "grid": _grid(params.surface),
        },
    )


def _autograd_grad(surface: str, x: float, y: float) -> tuple[float, float]:
    p = torch.tensor([x, y], dtype=torch.float64, requires_grad=True)  # (2,)
    SURFACE_FUNCS[surface](p[0], p[1]).backward()
    assert p.grad is not None
    return float(p.grad[0]), float(p.grad[1])


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=TOL, abs_tol=TOL)


def verify_saddle_trace(trace: Trace) -> None:
    """Replay every step with autograd gradients and the recorded noise; check the Hessian."""
    prm = trace.params
    surface = prm["surface"]
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
            gx, gy = _autograd_grad(surface, x, y)
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
    hess = torch.tensor(trace.extra["saddle"]["hessian"], dtype=torch.float64)  # (2, 2)
    origin = torch.zeros(2, dtype=torch.float64)
    fn = SURFACE_FUNCS[surface]
    expected = torch.autograd.functional.hessian(lambda p: fn(p[0], p[1]), origin)
    if not torch.allclose(hess, expected):
        raise AssertionError("Hessian at the saddle disagrees with autograd")
    eig = torch.linalg.eigvalsh(expected)
    if not torch.allclose(torch.tensor(trace.extra["saddle"]["eigenvalues"]).double(), eig):
        raise AssertionError("Hessian eigenvalues disagree with torch.linalg.eigvalsh")
