"""The `explain` command line: thin commands over the registry, mlcore and the renderer.

Bad input never shows a traceback: it is one line on stderr naming the parameter and
what is allowed, and exit code 2. torch and manim are imported only by the commands
that need them, so `explain --help` and `explain list` answer at once.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from mlcore.params import ParamError, parse_assignments
from scenes.registry import DEFAULT_SCENE, SCENES, UnknownSceneError, get

app = typer.Typer(
    add_completion=False,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Verified animations of machine-learning fundamentals: every frame is a recorded tensor.",
)

F = TypeVar("F", bound=Callable[..., Any])
USAGE_EXIT = 2

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", "-s", help="Set a parameter, key=value (repeatable); see `explain info NAME`."
    ),
]
SceneArg = Annotated[str, typer.Argument(help="Scene name; `explain list` shows them all.")]


def fail(message: str, code: int = USAGE_EXIT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def one_line_errors(func: F) -> F:
    """Turn the errors a user can cause into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from scenes.render import OutputError

        try:
            return func(*args, **kwargs)
        except (ParamError, UnknownSceneError, OutputError) as err:
            raise fail(str(err)) from None

    return wrapper  # type: ignore[return-value]


@app.command("list")
def list_scenes() -> None:
    """Every scene with a one-line description."""
    width = max(len(e.name) for e in SCENES)
    for entry in SCENES:
        typer.echo(f"{entry.name:<{width}}  {entry.description}")


@app.command()
@one_line_errors
def info(name: SceneArg) -> None:
    """Each parameter of a scene: type, default, allowed values and meaning."""
    entry = get(name)
    typer.echo(f"{entry.name}: {entry.description}\n")
    specs = entry.param_specs()
    rows = [(s.name, s.type_name, _show(s.default), s.allowed, s.limit.help) for s in specs]
    header = ("parameter", "type", "default", "allowed", "meaning")
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        cells = [str(v).ljust(w) for v, w in zip(row[:4], widths)]
        typer.echo("  ".join([*cells, row[4]]).rstrip())
    typer.echo(
        f"\nexample: explain render {entry.name} --set {specs[0].name}={_show(specs[0].default)}"
    )


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return ",".join(_show(v) for v in value)
    return str(value)


@app.command()
@one_line_errors
def trace(
    name: SceneArg,
    set_: SetOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write to FILE.json or FILE.npz.")
    ] = None,
    verify: Annotated[
        bool, typer.Option(help="Recompute with torch and refuse a trace that disagrees.")
    ] = True,
) -> None:
    """The recorded computation as JSON (stdout) or a .json/.npz file."""
    from scenes.render import OutputError, check_output_path, write_atomic

    entry = get(name)
    params = entry.make_params(parse_assignments(set_ or []))
    if out is not None:
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in ("json", "npz"):
            raise OutputError(f"--out: must end in .json or .npz (got {str(out)[:80]!r})")
        check_output_path(out, suffix)
    result = entry.build(params)
    if verify:
        entry.verify(result)
    if out is None:
        sys.stdout.write(result.to_json() + "\n")
        return
    data = result.to_npz_bytes() if out.suffix.lower() == ".npz" else result.to_json().encode()
    write_atomic(out, data)
    typer.echo(f"wrote {out}", err=True)


@app.command()
@one_line_errors
def render(
    name: Annotated[str, typer.Argument(help="Scene name; `explain list` shows them all.")] = (
        DEFAULT_SCENE
    ),
    set_: SetOption = None,
    quality: Annotated[str, typer.Option("--quality", "-q", help="low|medium|high|4k")] = "low",
    fmt: Annotated[
        str | None, typer.Option("--format", "-f", help="mp4|gif|png (png: the last frame)")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output file (default renders/NAME.FORMAT).")
    ] = None,
    theme: Annotated[str, typer.Option(help="dark|light")] = "dark",
    lang: Annotated[str, typer.Option(help="en|zh: captions and labels")] = "en",
) -> None:
    """Render a scene to renders/NAME.mp4 (or --format gif / png)."""
    from scenes.render import (
        RenderOptions,
        check_options,
        check_output_path,
        default_output,
        render_trace,
    )

    entry = get(name)
    if fmt is None:
        fmt = out.suffix.lower().lstrip(".") if out is not None and out.suffix else "mp4"
    options = RenderOptions(quality=quality, fmt=fmt, theme=theme, lang=lang)
    check_options(options)
    params = entry.make_params(parse_assignments(set_ or []))
    if out is None:
        out = default_output(entry.name, fmt)
        out.parent.mkdir(parents=True, exist_ok=True)
    check_output_path(out, fmt)
    result_trace = entry.build(params)
    entry.verify(result_trace)
    try:
        result = render_trace(entry, result_trace, out, options)
    except KeyboardInterrupt:
        raise fail("interrupted; no file was written", 130) from None
    except Exception as err:  # a render failure is ours, not the user's: say so in one line
        raise fail(f"render failed: {type(err).__name__}: {str(err)[:200]}", 1) from None
    size_kb = result.path.stat().st_size / 1024
    typer.echo(f"wrote {result.path} ({size_kb:.0f} KB)")
    if result.subtitles is not None:
        typer.echo(f"wrote {result.subtitles}")


def main() -> None:  # pragma: no cover - the console script calls app()
    app()
