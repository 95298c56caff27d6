"""Static matplotlib figures of traces, for notes: `explain plot NAME --out FILE.png|.svg`.

Like the scenes, a plot only draws what the trace holds, and its words come from the same
translation tables (``plot.*`` keys) in the language asked for. The figure is rendered into
memory and then written atomically, so a failed plot never leaves a partial file.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explain.mlcore.optim import LinearLossExtra, SgdExtra
from explain.mlcore.saddle import SaddleExtra
from explain.mlcore.trace import Trace
from explain.scenes.kit.i18n import tr
from explain.scenes.output.files import OutputError, write_atomic

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
ACCURACY = "#2F855A"  # the output green: test accuracy
PATH_COLOURS = {"gd": "#1B1F24", "sgd": "#C46A12", "momentum": "#2F855A"}
RUN_ORDER = ("batch", "minibatch", "sgd")
# Latin, Greek and symbols from DejaVu Sans; matplotlib falls back glyph by glyph to the
# CJK font (Debian's fonts-wqy-microhei, installed by scripts/setup.sh) for Chinese.
FONT_FAMILY = ["DejaVu Sans", "WenQuanYi Micro Hei"]


def _linear_loss(fig: Figure, trace: Trace, lang: str) -> None:
    ax = fig.add_subplot()
    ws, mse = trace.tensors["w"], trace.tensors["mse"]
    best = trace.extra_as(LinearLossExtra)["minimum"]
    ax.plot(ws, mse, "o-", color=COST, markersize=3, label=tr("plot.legend.mse", lang))
    ax.plot([best["w"]], [best["mse"]], "o", color=SMOOTHED, markersize=9, zorder=3)
    ax.annotate(
        tr("plot.linear.minimum", lang, w=f"{best['w']:g}", mse=f"{best['mse']:.4g}"),
        (best["w"], best["mse"]),
        textcoords="offset points",
        xytext=(0, 14),
        ha="center",
        # The label crosses the curve near the minimum: a pale box keeps it readable.
        bbox={"boxstyle": "round,pad=0.2", "fc": "white", "ec": "none", "alpha": 0.85},
    )
    ax.set_xlabel(tr("plot.axis.w", lang))
    ax.set_ylabel(tr("plot.axis.mse", lang))
    ax.set_title(tr("plot.linear.title", lang))


def _cost_axes(
    ax: Axes, run: Mapping[str, Any], x_key: str, colour: str, label: str, lang: str
) -> None:
    xs = run[x_key]
    cost = tr("plot.legend.cost", lang, run=label)
    ax.plot(xs, run["loss"], color=colour, linewidth=1.2, label=cost)
    ax.plot(
        xs, run["smoothed"], color=SMOOTHED, linewidth=2, label=tr("plot.legend.smoothed", lang)
    )
    ax.set_ylabel(tr("plot.axis.cost", lang))
    ax.legend(loc="upper right")


def _gradient_descent(fig: Figure, trace: Trace, lang: str) -> None:
    ax = fig.add_subplot()
    tens = trace.tensors
    run = {"x": list(range(len(tens["loss"]))), "loss": tens["loss"], "smoothed": tens["smoothed"]}
    _cost_axes(ax, run, "x", COST, tr("plot.run.gd", lang), lang)
    prm = trace.params
    ax.set_xlabel(tr("plot.axis.epoch", lang))
    w0, w1 = f"{tens['w'][0]:g}", f"{tens['w'][-1]:.4f}"
    ax.set_title(
        tr("plot.gd.title", lang, lr=f"{prm['lr']:g}", w0=w0, w1=w1, beta=f"{prm['beta']:g}")
    )


def _sgd(fig: Figure, trace: Trace, lang: str) -> None:
    recorded = trace.extra_as(SgdExtra)["runs"]
    runs = [(k, recorded[k]) for k in RUN_ORDER if k in recorded]
    axes = fig.subplots(len(runs), 1, sharex=True, sharey=True, squeeze=False)[:, 0]
    for ax, (name, run) in zip(axes, runs):
        label = tr(f"plot.run.{name}", lang, b=run["batch_size"])
        _cost_axes(ax, run, "progress", RUN_COLOURS[name], label, lang)
    axes[-1].set_xlabel(tr("plot.axis.epoch", lang))
    prm = trace.params
    fig.suptitle(tr("plot.sgd.title", lang, lr=f"{prm['lr']:g}", beta=f"{prm['beta']:g}"))


def _saddle(fig: Figure, trace: Trace, lang: str) -> None:
    ax = fig.add_subplot()
    extra = trace.extra_as(SaddleExtra)
    grid = extra["grid"]
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
    fig.colorbar(filled, ax=ax, label=tr("plot.axis.f", lang))
    for name, path in extra["paths"].items():
        xs, ys = [p[0] for p in path], [p[1] for p in path]
        label = tr(f"plot.path.{name}", lang)
        ax.plot(xs, ys, "-", color=PATH_COLOURS.get(name, "k"), linewidth=2, label=label)
        ax.plot(xs[-1:], ys[-1:], "o", color=PATH_COLOURS.get(name, "k"))
    px, py = saddle["point"]
    ax.plot([px], [py], "o", mfc="none", mec="k", markersize=10)
    e = extra["extent"]
    ax.set_xlim(-e, e)
    ax.set_ylim(-e, e)
    ax.set_aspect("equal")
    eig = ", ".join(f"{v:.4g}" for v in saddle["eigenvalues"])
    # saddle["at"] is "origin" (a built-in surface) or "gd_end" (a custom one).
    hessian = tr(f"plot.saddle.hessian.{saddle['at']}", lang, x=f"{px:.3g}", y=f"{py:.3g}", eig=eig)
    ax.set_title(f"{extra['formula']}\n{hessian}")
    ax.set_xlabel(tr("plot.axis.x", lang))
    ax.set_ylabel(tr("plot.axis.y", lang))
    ax.legend(loc="lower left")


def _mlp(fig: Figure, trace: Trace, lang: str) -> None:
    loss_ax, acc_ax = fig.subplots(1, 2)
    loss, accuracy = trace.tensors["loss"], trace.tensors["accuracy"]
    epochs = list(range(1, len(loss) + 1))
    loss_ax.plot(epochs, loss, "o-", color=COST, markersize=4)
    loss_ax.set_ylabel(tr("plot.axis.ce_loss", lang))
    acc_ax.plot(epochs, accuracy, "o-", color=ACCURACY, markersize=4)
    acc_ax.set_ylim(0.0, 1.0)
    acc_ax.set_ylabel(tr("plot.axis.test_accuracy", lang))
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel(tr("plot.axis.epoch", lang))
        ax.grid(alpha=0.3)
    sizes = " → ".join(str(n) for n in trace.params["sizes"])
    fig.suptitle(tr("plot.mlp.title", lang, sizes=sizes))


def _training_loop(fig: Figure, trace: Trace, lang: str) -> None:
    """The loss of each epoch (left) and w, b before each step (right)."""
    t, prm = trace.tensors, trace.params
    loss_ax, param_ax = fig.subplots(1, 2)
    loss_ax.plot(range(len(t["loss"])), t["loss"], color=COST, linewidth=1.5)
    loss_ax.set_xlabel(tr("plot.axis.epoch", lang))
    loss_ax.set_ylabel(tr("plot.axis.loss", lang))
    if min(t["loss"]) > 0:  # the loss falls by orders of magnitude: a log scale shows all
        loss_ax.set_yscale("log")
    steps = range(len(t["w"]))
    param_ax.plot(steps, t["w"], color=WEIGHT, linewidth=1.5, label=tr("plot.legend.w", lang))
    param_ax.plot(steps, t["b"], color=DATA, linewidth=1.5, label=tr("plot.legend.b", lang))
    param_ax.set_xlabel(tr("plot.axis.epoch", lang))
    param_ax.legend(loc="best")
    fig.suptitle(
        tr(
            "plot.loop.title",
            lang,
            reduction=prm["loss"],
            lr=f"{prm['lr']:g}",
            x=f"{prm['x_test']:g}",
            y=f"{t['y_test']:.4f}",
        )
    )


def _multi_feature(fig: Figure, trace: Trace, lang: str) -> None:
    """BCE per epoch (left) and accuracy per epoch (right)."""
    t, prm = trace.tensors, trace.params
    loss_ax, acc_ax = fig.subplots(1, 2)
    epochs = range(len(t["loss"]))
    loss_ax.plot(epochs, t["loss"], color=COST, linewidth=1.5)
    loss_ax.set_ylabel(tr("plot.axis.bce", lang))
    acc_ax.plot(epochs, t["accuracy"], color=RUN_COLOURS["batch"], linewidth=1.5)
    acc_ax.set_ylabel(tr("plot.axis.accuracy", lang))
    acc_ax.set_ylim(0, 1)
    for ax in (loss_ax, acc_ax):
        ax.set_xlabel(tr("plot.axis.epoch", lang))
    sizes = "-".join(str(n) for n in prm["sizes"])
    fig.suptitle(
        tr(
            "plot.multi.title",
            lang,
            sizes=sizes,
            act=prm["activation"],
            lr=f"{prm['lr']:g}",
            acc=f"{t['accuracy'][-1]:.3f}",
        )
    )


PLOTTERS: dict[str, Callable[[Figure, Trace, str], None]] = {
    "linear-loss": _linear_loss,
    "gradient-descent": _gradient_descent,
    "sgd": _sgd,
    "saddle-point": _saddle,
    "mlp": _mlp,
    "training-loop": _training_loop,
    "multi-feature": _multi_feature,
}
# Scene names whose traces plot_trace can draw.
PLOTTABLE: frozenset[str] = frozenset(PLOTTERS)


def plot_trace(trace: Trace, out: Path, lang: str = "en") -> None:
    """Draw ``trace`` with matplotlib (Agg), its words in ``lang``, and write a .png or .svg
    atomically to ``out``."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in PLOT_FORMATS:
        raise OutputError(f"--out: a plot must end in .png or .svg (got {str(out)[:80]!r})")
    if trace.scene not in PLOTTERS:
        known = ", ".join(sorted(PLOTTABLE))
        raise OutputError(f"scene: {trace.scene!r} has no static plot (plots: {known})")
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    # A Figure on an Agg canvas, without pyplot: no global state, no display needed. Texts
    # take font.family when they are made, tick labels only while saving, so savefig stays
    # inside the context; rc_context restores rcParams on leaving.
    size = (7.0, 5.6) if trace.scene == "saddle-point" else (8.0, 5.0)
    buf = io.BytesIO()
    # A fixed hash salt makes SVG element ids, and so the file, the same for the same trace.
    with matplotlib.rc_context({"font.family": FONT_FAMILY, "svg.hashsalt": "explain"}):
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        PLOTTERS[trace.scene](fig, trace, lang)
        # Fixed metadata so the same trace gives the same bytes.
        metadata = {"Software": None} if fmt == "png" else {"Date": None, "Creator": None}
        fig.savefig(buf, format=fmt, dpi=DPI, metadata=metadata)
    write_atomic(out, buf.getvalue())
