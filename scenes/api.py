"""The Python API: verified traces and rendered files from a script or a notebook.

The same parameters and options as the command line, which is a thin layer over these
functions::

    from explain import render, trace

    t = trace("conv", stride=2, kernel="sobel-x")   # a verified Trace
    t.tensors["output"]                             # nested lists, torch's numbers
    render("conv", out="conv.mp4", quality="low", stride=2)

Scene parameters are keyword arguments with Python values: ``True``, ``3``, ``0.5``,
``[1, 2, 3]`` for a list, ``[[1, 0], [0, 1]]`` (or ``"1,0;0,1"``) for a matrix, or the
text the CLI takes after ``--set name=``. Each is checked exactly as ``--set`` is.
``sets={"name": value}`` passes a parameter whose name is also an option's.

Errors are typed and their ``str()`` is the one line the CLI prints: :class:`ParamError`
(a parameter), :class:`UnknownSceneError` (a scene name), :class:`OutputError` (an option
or output path), :class:`RenderError` (the render itself failed: a bug, please report)
and :class:`VerificationError` (torch disagrees with the trace: a bug, please report).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from explain.mlcore.params import ParamError, ParamSpec
from explain.scenes.output.files import OutputError
from explain.scenes.registry import (
    DEFAULT_SCENE,
    SceneEntry,
    UnknownSceneError,
    VerificationError,
    all_scenes,
    get,
)

if TYPE_CHECKING:
    from explain.mlcore.trace import Trace
    from explain.scenes.app.render import RenderResult

__all__ = [
    "OutputError",
    "ParamError",
    "RenderError",
    "UnknownSceneError",
    "VerificationError",
    "info",
    "list_scenes",
    "render",
    "trace",
]


class RenderError(RuntimeError):
    """Manim or an encoder failed while drawing: not the caller's mistake."""


def list_scenes() -> list[SceneEntry]:
    """Every scene, built-in and from plugins, in the order ``explain list`` shows them."""
    return list(all_scenes())


def info(name: str) -> list[ParamSpec]:
    """The parameters of scene ``name``: type, default, limits and meaning of each."""
    return get(name).param_specs()


def as_text(value: Any) -> str:
    """A Python value as the text ``--set`` would take for it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, Iterable):
        items = list(value)
        if items and all(isinstance(v, Iterable) and not isinstance(v, str) for v in items):
            return ";".join(",".join(as_text(x) for x in row) for row in items)  # a matrix
        return ",".join(as_text(v) for v in items)
    raise ParamError("value", f"cannot pass {type(value).__name__} as a parameter")


def assignments(sets: Mapping[str, Any] | None, params: Mapping[str, Any]) -> dict[str, str]:
    """``key=value`` text, as the CLI's ``--set`` gives it, from Python values."""
    out: dict[str, str] = {}
    for key, value in {**(sets or {}), **params}.items():
        try:
            out[key] = as_text(value)
        except ParamError:
            raise ParamError(key, f"cannot pass {type(value).__name__} as a value") from None
    return out


def trace_text(name: str, texts: Mapping[str, str], *, verify: bool = True) -> Trace:
    """The trace of scene ``name`` for ``key=value`` text exactly as typed (the CLI's path)."""
    from explain.scenes.app.trace_cache import verified_trace

    return verified_trace(get(name), texts, verify=verify)


def trace(
    name: str, *, verify: bool = True, sets: Mapping[str, Any] | None = None, **params: Any
) -> Trace:
    """The scene's trace for these parameters, recomputed with torch and checked
    (``verify=False`` skips the check). Raises ParamError or UnknownSceneError."""
    return trace_text(name, assignments(sets, params), verify=verify)


def render(
    name: str | None = None,
    out: str | Path | None = None,
    *,
    quality: str = "low",
    format: str | None = None,  # the CLI's --format
    theme: str = "dark",
    lang: str = "en",
    transparent: bool = False,
    fps: int | None = None,
    width: int | None = None,
    at: Sequence[float] = (),
    frames: int | None = None,
    force: bool = False,
    verify: bool = True,
    sets: Mapping[str, Any] | None = None,
    **params: Any,
) -> RenderResult:
    """Render scene ``name`` (default conv-stride) to ``out`` (default renders/NAME.FORMAT;
    the format comes from its suffix when not given). Returns the files written."""
    from explain.scenes.app.render import RenderOptions, check_options

    out_path = Path(out) if out is not None else None
    if format is None:
        format = out_path.suffix.lower().lstrip(".") if out_path and out_path.suffix else "mp4"
    options = RenderOptions(
        quality=quality,
        fmt=format,
        theme=theme,
        lang=lang,
        transparent=transparent,
        fps=fps,
        width=width,
        at=tuple(at),
        frames=frames,
    )
    check_options(options)
    entry = get(name or DEFAULT_SCENE)
    return render_entry(entry, assignments(sets, params), out_path, options, force, verify)


def render_entry(
    entry: SceneEntry,
    texts: Mapping[str, str],
    out: Path | None,
    options: Any,
    force: bool = False,
    verify: bool = True,
) -> RenderResult:
    """Render one scene for ``key=value`` text with checked options (the CLI's path)."""
    from explain.scenes.app.render import render_scene
    from explain.scenes.app.trace_cache import verified_trace
    from explain.scenes.output.files import check_output_path, default_output

    trace_ = verified_trace(entry, texts, verify=verify)
    if out is None:
        out = default_output(entry.name, options.fmt)
        out.parent.mkdir(parents=True, exist_ok=True)
    check_output_path(out, options.fmt)
    # A plugin's code is not in the render key: never reuse an earlier render of it.
    force = force or entry.plugin is not None
    try:
        return render_scene(entry, trace_, out, options, force=force)
    except (ParamError, OutputError, VerificationError, KeyboardInterrupt):
        raise
    except Exception as err:  # a render failure is ours, not the caller's: say so in one line
        raise RenderError(f"render failed: {type(err).__name__}: {str(err)[:200]}") from err
