"""Static matplotlib figures of traces, for notes: `explain plot NAME --out FILE.png|.svg`.

Like the scenes, a plot only draws what the trace holds. The figure is rendered into
memory and then written atomically, so a failed plot never leaves a partial file.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlcore.trace import Trace
from scenes.render import OutputError, write_atomic

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

PLOT_FORMATS: tuple[str, ...] = ("png", "svg")
DPI = 150
# Colours by meaning, as in the scenes' theme: cost red, smoothed yellow, weights orange.
COST = "#C53030"
SMOOTHED = "#D08C00"
WEIGHT = "#C46A12"
DATA = "#2B6CB0"
RUN_COLOURS = {"batch": "#2F855A", "minibatch": "#2B6CB0", "sgd": "#C46A12"}
PATH_COLOURS = {"gd": "#1B1F24", "sgd": "#C46A12", "momentum": "#2F855A"}
RUN_ORDER = ("batch", "minibatch", "sgd")


def _linear_loss(fig: Figure, trace: Trace) -> None:
    ax = fig.add_subplot()
    ws, mse = trace.tensors["w"], trace.tensors["mse"]
    best = trace.extra["minimum"]
    ax.plot(ws, mse, "o-", color=COST, markersize=3, label="MSE")
    ax.plot([best["w"]], [best["mse"]], "o", color=SMOOTHED, markersize=9, zorder=3)
    ax.annotate(
        f"minimum: w = {best['w']:g}, MSE = {best['mse']:.4g}",
        (best["w"], best["mse"]),
        textcoords="offset points",
        xytext=(0, 14),
        ha="center",
    )
    ax.set_xlabel("weight w")
    ax.set_ylabel("MSE")
    ax.set_title("y = w·x: MSE of every w tried")


def _cost_axes(ax: Axes, run: dict[str, Any], x_key: str, colour: str, label: str) -> None:
    xs = run[x_key]
    ax.plot(xs, run["loss"], color=colour, linewidth=1.2, label=f"{label} cost")
    ax.plot(xs, run["smoothed"], color=SMOOTHED, linewidth=2, label="smoothed (EWMA)")
    ax.set_ylabel("cost (MSE)")
    ax.legend(loc="upper right")


def _gradient_descent(fig: Figure, trace: Trace) -> None:
    ax = fig.add_subplot()
    tens = trace.tensors
    run = {"x": list(range(len(tens["loss"]))), "loss": tens["loss"], "smoothed": tens["smoothed"]}
    _cost_axes(ax, run, "x", COST, "batch GD")
    prm = trace.params
    ax.set_xlabel("epoch")
    ax.set_title(
        f"Gradient descent, lr = {prm['lr']:g}: w {tens['w'][0]:g} → {tens['w'][-1]:.4f}"
        f" (smoothing β = {prm['beta']:g})"
    )


def _sgd(fig: Figure, trace: Trace) -> None:
    runs = [(k, trace.extra["runs"][k]) for k in RUN_ORDER if k in trace.extra["runs"]]
    axes = fig.subplots(len(runs), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax, (name, run) in zip(axes, runs):
        label = {"batch": "batch GD", "minibatch": "mini-batch", "sgd": "SGD"}[name]
        _cost_axes(ax, run, "progress", RUN_COLOURS[name], f"{label} (batch {run['batch_size']})")
    axes[-1].set_xlabel("epoch")
    prm = trace.params
    fig.suptitle(f"Cost per update, lr = {prm['lr']:g}, smoothing β = {prm['beta']:g}")


def _saddle(fig: Figure, trace: Trace) -> None:
    ax = fig.add_subplot()
    grid, extra = trace.extra["grid"], trace.extra
    saddle = extra["saddle"]
    axis, f = grid["axis"], grid["f"]
    # Colours centred on the saddle's height (f where gd ends, for a custom surface).
    level = saddle["value"]
    values = [v for row in f for v in row]
    limit = max(abs(v - level) for v in values) or 1.0
    filled = ax.contourf(
        axis, axis, f, levels=16, cmap="RdBu", vmin=level - limit, vmax=level + limit
    )
    if min(values) < level < max(values):  # else there is no such contour to draw
        ax.contour(axis, axis, f, levels=[level], colors="k", linewidths=1)
    fig.colorbar(filled, ax=ax, label="f(x, y)")
    for name, path in extra["paths"].items():
        xs, ys = [p[0] for p in path], [p[1] for p in path]
        ax.plot(xs, ys, "-", color=PATH_COLOURS.get(name, "k"), linewidth=2, label=name)
        ax.plot(xs[-1:], ys[-1:], "o", color=PATH_COLOURS.get(name, "k"))
    px, py = saddle["point"]
    ax.plot([px], [py], "o", mfc="none", mec="k", markersize=10)
    e = extra["extent"]
    ax.set_xlim(-e, e)
    ax.set_ylim(-e, e)
    ax.set_aspect("equal")
    eig = ", ".join(f"{v:.4g}" for v in saddle["eigenvalues"])
    where = "where gd ends" if saddle["at"] == "gd_end" else "at"
    ax.set_title(f"{extra['formula']}\nHessian eigenvalues {where} ({px:.3g}, {py:.3g}): {eig}")
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    ax.legend(loc="lower left")


PLOTTERS: dict[str, Callable[[Figure, Trace], None]] = {
    "linear-loss": _linear_loss,
    "gradient-descent": _gradient_descent,
    "sgd": _sgd,
    "saddle-point": _saddle,
}
# Scene names whose traces plot_trace can draw.
PLOTTABLE: frozenset[str] = frozenset(PLOTTERS)


def plot_trace(trace: Trace, out: Path) -> None:
    """Draw ``trace`` with matplotlib (Agg) and write a .png or .svg atomically to ``out``."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise OutputError(f"--out: a plot must end in .png or .svg (got {str(out)[:80]!r})")
    if trace.scene not in PLOTTERS:
        known = ", ".join(sorted(PLOTTABLE))
        raise OutputError(f"scene: {trace.scene!r} has no static plot (plots: {known})")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A Figure on an Agg canvas, without pyplot: no global state, no display needed.
    size = (7.0, 5.6) if trace.scene == "saddle-point" else (8.0, 5.0)
    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    PLOTTERS[trace.scene](fig, trace)
    buf = io.BytesIO()
    # Fixed metadata so the same trace gives the same bytes.
    metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
    fig.savefig(buf, format=fmt, dpi=DPI, metadata=metadata)
    write_atomic(out, buf.getvalue())
