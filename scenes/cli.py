"""The `explain` command line: thin commands over the registry, mlcore and the renderer.

Bad input never shows a traceback: it is one line on stderr naming the parameter and
what is allowed, and exit code 2. torch and manim are imported only by the commands
that need them, so `explain --help` and `explain list` answer at once.
"""

from __future__ import annotations

import functools
import gc
import shlex
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from explain.mlcore.params import ParamError, parse_assignments
from explain.scenes.app.options import (
    AllOption,
    AtOption,
    FormatOption,
    FpsOption,
    FrameOption,
    FramesOption,
    JobsOption,
    LangOption,
    NotesGifOption,
    OnlyOption,
    OutDirOption,
    OutOption,
    PreviewOption,
    QualityOption,
    SceneArg,
    SchedulerOption,
    SetOption,
    SpeedOption,
    SubtitlesOption,
    ThemeOption,
    TransparentOption,
    VerifyOption,
    WidthOption,
)
from explain.scenes.output.paths import DEFAULT_OUTPUT_DIR
from explain.scenes.registry import (
    DEFAULT_SCENE,
    SceneEntry,
    UnknownSceneError,
    VerificationError,
    all_scenes,
    get,
)

app = typer.Typer(
    add_completion=True,
    pretty_exceptions_enable=False,
    no_args_is_help=True,
    help="Verified animations of machine-learning fundamentals: every frame is a recorded tensor.",
)

F = TypeVar("F", bound=Callable[..., Any])


def _version(value: bool) -> None:
    if value:
        from importlib import metadata

        typer.echo(f"explain {metadata.version('explain')}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Verified animations of machine-learning fundamentals: every frame is a recorded tensor."""


USAGE_EXIT = 2


def fail(message: str, code: int = USAGE_EXIT) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


def one_line_errors(func: F) -> F:
    """Turn the errors a user can cause into one line and exit code 2."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from explain.scenes.output.files import OutputError

        try:
            return func(*args, **kwargs)
        except (ParamError, UnknownSceneError, OutputError) as err:
            raise fail(str(err)) from None
        except VerificationError as err:
            # Not the user's mistake: say what disagreed, refuse, and ask for a report.
            raise fail(f"verification failed, nothing written: {err} (please report)", 1) from None

    return wrapper  # type: ignore[return-value]


@app.command("list")
def list_scenes() -> None:
    """Every scene with a one-line description."""
    from explain.scenes.api import list_scenes as scenes

    entries = scenes()
    width = max(len(e.name) for e in entries)
    for entry in entries:
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
        f"\nexample: explain render {entry.name} --set "
        + shlex.quote(f"{specs[0].name}={_show(specs[0].default)}")
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
    from explain.scenes.api import trace_text
    from explain.scenes.output.files import OutputError, check_output_path, write_atomic

    get(name)  # an unknown scene is named before anything else
    assignments = parse_assignments(set_ or [])
    if out is not None:
        suffix = out.suffix.lower().lstrip(".")
        if suffix not in ("json", "npz"):
            raise OutputError(f"--out: must end in .json or .npz (got {str(out)[:80]!r})")
        check_output_path(out, suffix)
    result = trace_text(name, assignments, verify=verify)
    if out is None:
        sys.stdout.write(result.to_json() + "\n")
        return
    data = result.to_npz_bytes() if out.suffix.lower() == ".npz" else result.to_json().encode()
    write_atomic(out, data)
    typer.echo(f"wrote {out}", err=True)


@app.command()
@one_line_errors
def render(
    name: Annotated[
        str | None,
        typer.Argument(help=f"Scene name (default {DEFAULT_SCENE}); see `explain list`."),
    ] = None,
    set_: SetOption = None,
    quality: QualityOption = "low",
    fmt: FormatOption = None,
    out: OutOption = None,
    theme: ThemeOption = "dark",
    lang: LangOption = "en",
    transparent: TransparentOption = False,
    speed: SpeedOption = 1.0,
    preview: PreviewOption = False,
    fps: FpsOption = None,
    width: WidthOption = None,
    at: AtOption = None,
    frame: FrameOption = None,
    frames: FramesOption = None,
    subtitles: SubtitlesOption = False,
    notes_gif: NotesGifOption = False,
    force: Annotated[bool, typer.Option(help="Render even if an unchanged render exists.")] = False,
    verify: VerifyOption = True,
    all_: AllOption = False,
    jobs: JobsOption = 2,
    out_dir: OutDirOption = DEFAULT_OUTPUT_DIR,
    only: OnlyOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Render a scene to renders/NAME.mp4 (or gif, png stills, webm)."""
    from explain.scenes.output.files import OutputError

    options = _render_options(
        out, fmt, quality=quality, theme=theme, lang=lang, transparent=transparent, fps=fps,
        width=width, at=tuple(at or ()), frame_numbers=tuple(frame or ()), frames=frames,
        subtitles=subtitles, notes_gif=notes_gif, speed=speed,
    )  # fmt: skip
    if all_:
        from explain.scenes.output.checks import check_folder

        check_folder(out_dir, "--out-dir")
        if name is not None or out is not None or set_ or preview:
            raise OutputError(
                "--all: renders every scene with its defaults; give no NAME, --out, --set or"
                " --preview"
            )
        names = [n.strip() for n in only.split(",")] if only is not None else None
        _render_batch(out_dir, options.fmt, _option_args(options, force), jobs, scheduler, names)
        return
    if out_dir != DEFAULT_OUTPUT_DIR or only is not None or scheduler is not None:
        raise OutputError("--out-dir, --only, --scheduler: only with --all (one scene: --out)")
    if name is None:
        typer.echo(f"rendering {DEFAULT_SCENE}, the default scene (`explain list`)", err=True)
    _render_one(get(name or DEFAULT_SCENE), set_ or [], out, options, force, verify, preview)


def _render_options(out: Path | None, fmt: str | None, **fields: Any) -> Any:
    """The render's options, checked; the format from --out's suffix when not given."""
    from explain.scenes.app.render import RenderOptions, check_options

    if fmt is None:
        fmt = out.suffix.lower().lstrip(".") if out is not None and out.suffix else "mp4"
    options = RenderOptions(fmt=fmt, **fields)
    check_options(options)
    return options


def _render_one(
    entry: SceneEntry,
    sets: list[str],
    out: Path | None,
    options: Any,
    force: bool,
    verify: bool,
    preview: bool = False,
) -> None:
    from explain.scenes.api import RenderError, render_entry
    from explain.scenes.output.files import default_output, interrupted_message

    try:
        result = render_entry(entry, parse_assignments(sets), out, options, force, verify)
    except KeyboardInterrupt:  # held back while files move: the message says what was written
        raise fail(interrupted_message(), 130) from None
    except RenderError as err:  # ours, not the user's: one line, exit 1
        raise fail(str(err), 1) from None
    out = out or default_output(entry.name, options.fmt)
    if result.cached:
        typer.echo(f"up to date: {out} (unchanged scene, parameters and code; --force renders)")
    for path in result.paths:
        if not result.cached:
            typer.echo(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB)")
    for subtitles in (result.subtitles, result.web_subtitles):
        if subtitles is not None and not result.cached:
            typer.echo(f"wrote {subtitles}")
    for path in result.paths:
        if options.fmt in ("gif", "png"):
            typer.echo(f"![{entry.name}]({path.as_posix()})")
        else:
            typer.echo(f'<video src="{path.as_posix()}" controls loop></video>')
    if preview:
        _preview(result.paths[0])


def _preview(path: Path) -> None:
    from explain.scenes.app.preview import OPENERS, open_in_viewer

    opener = open_in_viewer(path)
    if opener is None:
        typer.echo(
            f"--preview: no viewer here ({' or '.join(OPENERS)}); the file is {path}", err=True
        )
    else:
        typer.echo(f"opened {path} with {opener}", err=True)


def _option_args(options: Any, force: bool) -> tuple[str, ...]:
    args = [
        "--quality",
        options.quality,
        "--format",
        options.fmt,
        "--theme",
        options.theme,
        "--lang",
        options.lang,
    ]
    if options.fps is not None:
        args += ["--fps", str(options.fps)]
    if options.width is not None:
        args += ["--width", str(options.width)]
    if options.transparent:
        args.append("--transparent")
    for t in options.at:
        args += ["--at", str(t)]
    for n in options.frame_numbers:
        args += ["--frame", str(n)]
    if options.speed != 1.0:
        args += ["--speed", repr(options.speed)]
    if options.frames is not None:
        args += ["--frames", str(options.frames)]
    if options.subtitles:
        args.append("--subtitles")
    if options.notes_gif:
        args.append("--notes-gif")
    if force:
        args.append("--force")
    return tuple(args)


def _render_batch(
    folder: Path,
    suffix: str,
    args: tuple[str, ...],
    jobs: int,
    scheduler: str | None = None,
    names: list[str] | None = None,
) -> list[Any]:
    """Every registered scene (or those named) into ``folder``, with progress: ``jobs``
    processes at once here, or one task each on the Dask cluster at ``scheduler``."""
    from rich.console import Console

    from explain.scenes.app.batch import BatchItem, render_many, summary_table
    from explain.scenes.output.files import OutputError

    if not 1 <= jobs <= 16:
        raise ParamError("--jobs", "must be an integer from 1 to 16")
    entries = all_scenes() if names is None else [get(name) for name in names]
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--out-dir: {str(folder)[:80]!r} is a file; give a folder")
    items = [BatchItem(e.name, folder / f"{e.name}.{suffix}", args) for e in entries]
    console = Console(stderr=True)
    if scheduler is None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as err:
            raise OutputError(f"--out-dir: cannot create {str(folder)[:80]!r}: {err}") from None
        try:
            results = render_many(items, jobs, console)
        except KeyboardInterrupt:  # SIGTERM too (main): the renders are stopped by now
            message = "interrupted; the renders were stopped, finished scenes are kept"
            raise fail(message, 130) from None
    else:  # the folder is made when the first file arrives
        results = _render_on_cluster(items, scheduler, console)
    console.print(summary_table(results))
    failed = [r.name for r in results if not r.ok]
    if failed:
        raise fail(f"{len(failed)} scene(s) failed: {', '.join(failed)}", 1)
    return results


def _render_on_cluster(items: list[Any], scheduler: str, console: Any) -> list[Any]:
    # Dask is imported here only: without --scheduler nothing of it loads.
    from explain.scenes.app.cluster import ClusterError, check_address, render_on_cluster

    check_address(scheduler)
    try:
        return render_on_cluster(items, scheduler, console)
    except ClusterError as err:
        raise fail(str(err), 1) from None


@app.command()
@one_line_errors
def slides(
    name: SceneArg,
    set_: SetOption = None,
    quality: QualityOption = "medium",
    theme: ThemeOption = "dark",
    lang: LangOption = "en",
    fmt: Annotated[
        str | None,
        typer.Option(
            "--format", "-f", metavar="[html|pptx]", help="Default from --out, else html."
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="FILE.html or FILE.pptx (default renders/NAME.FORMAT)."),
    ] = None,
    verify: Annotated[
        bool, typer.Option(help="Recompute the trace with torch first; refuse if it disagrees.")
    ] = True,
) -> None:
    """Click-through slides, one step per caption: a self-contained HTML page, or a
    PowerPoint deck whose slides play their step's clip on entry (caption in the notes)."""
    from explain.scenes.api import trace_text
    from explain.scenes.app.render import RenderOptions, check_options
    from explain.scenes.app.slides import SLIDE_FORMATS, render_slides
    from explain.scenes.output.files import OutputError, check_output_path, interrupted_message

    entry = get(name)
    options = RenderOptions(quality=quality, fmt="mp4", theme=theme, lang=lang)
    check_options(options)
    if fmt is None:
        fmt = out.suffix.lower().lstrip(".") if out is not None and out.suffix else "html"
        if fmt not in SLIDE_FORMATS:
            raise OutputError(f"--out: slides are FILE.html or FILE.pptx (got {str(out)[:80]!r})")
    if fmt not in SLIDE_FORMATS:
        raise OutputError(f"--format: slides are one of {', '.join(SLIDE_FORMATS)} (got {fmt!r})")
    if out is None:
        out = DEFAULT_OUTPUT_DIR / f"{entry.name}.{fmt}"
    check_output_path(out, fmt)  # every option checked before the trace is built
    trace_ = trace_text(entry.name, parse_assignments(set_ or []), verify=verify)
    try:
        render_slides(entry, trace_, out, options, fmt=fmt)
    except KeyboardInterrupt:
        raise fail(interrupted_message(), 130) from None
    size = f"{out.stat().st_size / 1024:.0f} KB"
    if fmt == "pptx":
        typer.echo(f"wrote {out} ({size}): one slide per step, each clip plays on entry")
        return
    typer.echo(
        f"wrote {out} ({size}): open it in a browser;"
        " Right/Space plays the next step, Left goes back, F is fullscreen"
    )


@app.command()
@one_line_errors
def plot(
    name: SceneArg,
    set_: SetOption = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="FILE.png or FILE.svg (default renders/NAME.png)."),
    ] = None,
    lang: Annotated[str, typer.Option(help="en|zh: titles, axes and legends")] = "en",
) -> None:
    """A static matplotlib figure of a trace, for notes (curves, cost, paths)."""
    from explain.scenes.api import trace_text
    from explain.scenes.app.plots import PLOT_FORMATS, PLOTTABLE, plot_trace
    from explain.scenes.app.render import RenderOptions, check_options
    from explain.scenes.output.files import OutputError, check_output_path

    check_options(RenderOptions(lang=lang))  # only --lang is a plot's; the rest are defaults
    entry = get(name)
    if entry.name not in PLOTTABLE:  # said before the trace is built, as every option
        known = ", ".join(sorted(PLOTTABLE))
        raise OutputError(f"scene: {entry.name!r} has no static plot (plots: {known})")
    out = out if out is not None else DEFAULT_OUTPUT_DIR / f"{entry.name}.png"
    if out.suffix.lower().lstrip(".") not in PLOT_FORMATS:
        raise OutputError(f"--out: a plot must end in .png or .svg (got {str(out)[:80]!r})")
    check_output_path(out, out.suffix.lower().lstrip("."))
    trace_ = trace_text(entry.name, parse_assignments(set_ or []))
    plot_trace(trace_, out, lang)
    typer.echo(f"wrote {out} ({out.stat().st_size / 1024:.0f} KB)")
    typer.echo(f"![{entry.name}]({out.as_posix()})")


@app.command()
@one_line_errors
def gallery(
    jobs: Annotated[int, typer.Option(help="Scenes rendered at once.")] = 2,
    force: Annotated[bool, typer.Option(help="Render even unchanged scenes.")] = False,
    scheduler: SchedulerOption = None,
) -> None:
    """Render every scene as a small GIF into renders/gallery/ and write renders/README.md."""
    from explain.scenes.app.gallery import GALLERY_DIR, GALLERY_PAGE, gallery_args, gallery_markdown
    from explain.scenes.output.files import write_atomic

    args = gallery_args() + (("--force",) if force else ())
    results = _render_batch(GALLERY_DIR, "gif", args, jobs, scheduler)
    sizes = {r.name: r.size_kb for r in results}
    write_atomic(GALLERY_PAGE, gallery_markdown(all_scenes(), sizes).encode())
    typer.echo(f"wrote {GALLERY_PAGE} ({len(results)} scenes)")


LectureQuality = Annotated[
    str | None,
    typer.Option("--quality", "-q", help="low|medium|high|4k (default the file's, else low)"),
]
LectureTheme = Annotated[
    str | None, typer.Option(help="dark|light (default the file's, else dark)")
]
LectureLang = Annotated[str | None, typer.Option(help="en|zh (default the file's, else en)")]
LectureJobs = Annotated[int, typer.Option(help="Chapter scenes rendered at once.")]
NotesOnly = Annotated[
    bool, typer.Option("--notes-only", help="Only the notes page and its GIFs, no video.")
]
Notes = Annotated[
    bool, typer.Option("--notes/--no-notes", help="Write the notes page and its GIFs too.")
]


def _lecture_errors(func: F) -> F:
    """A bad lecture file is a usage error (2); a failed chapter or join is ours (1)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from explain.scenes.app.lecture import LectureRenderError
        from explain.scenes.app.lecture_file import LectureError
        from explain.scenes.output.files import OutputError, interrupted_message
        from explain.scenes.output.join import JoinError

        try:
            return func(*args, **kwargs)
        except LectureError as err:
            raise fail(str(err)) from None
        except (ParamError, UnknownSceneError, OutputError, VerificationError):
            raise  # one_line_errors says these
        except (LectureRenderError, JoinError) as err:
            raise fail(f"lecture failed, previous files kept: {err}", 1) from None
        except KeyboardInterrupt:
            raise fail(interrupted_message(), 130) from None
        except Exception as err:  # a title card or a probe: ours, not the user's
            message = f"{type(err).__name__}: {str(err)[:200]}"
            raise fail(f"lecture failed, previous files kept: {message}", 1) from None

    return wrapper  # type: ignore[return-value]


def _lecture_options(
    lecture_: Any, quality: str | None, theme: str | None, lang: str | None, **kwargs: Any
) -> Any:
    from explain.scenes.app.lecture import LectureOptions, resolve_options

    return LectureOptions(resolve_options(lecture_, quality, theme, lang), **kwargs)


def _report_lecture(result: Any) -> None:
    typer.echo(
        f"{len(result.rendered)} clip(s) rendered, {len(result.reused)} reused"
        + ("" if result.copied else "; clips differed, so the video was re-encoded")
    )
    for path in result.written:
        typer.echo(f"wrote {path}")


@app.command()
@one_line_errors
@_lecture_errors
def lecture(
    file: Annotated[Path, typer.Argument(help="A lecture file (TOML); see the README.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="FILE.mp4 (default renders/STEM.mp4).")
    ] = None,
    quality: LectureQuality = None,
    theme: LectureTheme = None,
    lang: LectureLang = None,
    jobs: LectureJobs = 2,
    fmt: Annotated[
        str, typer.Option("--format", "-f", help="mp4: video and notes; gif: notes only.")
    ] = "mp4",
    notes_only: NotesOnly = False,
    notes: Notes = True,
    force: Annotated[bool, typer.Option(help="Render every clip again.")] = False,
) -> None:
    """A lecture: title cards and chapter scenes as one chaptered MP4, STEM.srt and STEM.md."""
    from rich.console import Console

    from explain.scenes.app.lecture import check_video_path, run_lecture
    from explain.scenes.app.lecture_file import read_lecture
    from explain.scenes.output.files import OutputError

    if fmt not in ("mp4", "gif"):
        raise OutputError(f"--format: must be mp4 or gif (got {fmt[:20]!r})")
    video = fmt == "mp4" and not notes_only
    if not (video or notes):
        raise OutputError("--no-notes: with --notes-only or --format gif nothing would be written")
    _check_jobs(jobs)
    lecture_ = read_lecture(file)
    options = _lecture_options(
        lecture_,
        quality,
        theme,
        lang,
        jobs=jobs,
        video=video,
        notes=notes,
        force=force,
    )
    if out is None:
        out = DEFAULT_OUTPUT_DIR / f"{file.stem}.mp4"
    check_video_path(out)  # before any folder is made
    out.parent.mkdir(parents=True, exist_ok=True)
    _report_lecture(run_lecture(lecture_, out, options, Console(stderr=True)))


def _check_jobs(jobs: int) -> None:
    from explain.scenes.output.files import OutputError

    if not 1 <= jobs <= 16:
        raise OutputError("--jobs: must be an integer from 1 to 16")


@app.command()
@one_line_errors
@_lecture_errors
def course(
    lang: Annotated[
        str, typer.Option(help="en|zh: which lecture files, and their language")
    ] = "en",
    out_dir: Annotated[
        Path, typer.Option("--out-dir", help="Folder for the lectures and index.md.")
    ] = DEFAULT_OUTPUT_DIR / "course",
    quality: LectureQuality = None,
    theme: LectureTheme = None,
    jobs: LectureJobs = 2,
    notes_only: NotesOnly = False,
    force: Annotated[bool, typer.Option(help="Render every clip again.")] = False,
) -> None:
    """The whole course: every shipped lecture file rendered, and index.md linking them."""
    from rich.console import Console

    from explain.scenes.app.lecture import (
        check_video_path,
        lecture_dir,
        run_lecture,
        write_course_index,
    )
    from explain.scenes.app.lecture_file import read_lecture
    from explain.scenes.output.checks import check_folder
    from explain.scenes.output.files import OutputError

    files = sorted(lecture_dir(lang).glob("*.toml")) if lang.isalpha() else []
    if not files:
        raise OutputError(f"--lang: no lecture files for {lang[:20]!r} (en and zh ship)")
    _check_jobs(jobs)
    check_folder(out_dir, "--out-dir")
    lectures = [(read_lecture(f), out_dir / f"{f.stem}.mp4") for f in files]  # all checked first
    settings = [  # and every option, before any folder is made or any work starts
        _lecture_options(lec, quality, theme, lang, jobs=jobs, video=not notes_only, force=force)
        for lec, _ in lectures
    ]
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputError(f"--out-dir: {str(out_dir)[:80]!r} is a file, not a folder")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        message = f"--out-dir: cannot create {str(out_dir)[:80]!r}: {err.strerror}"
        raise OutputError(message) from None
    for _, video in lectures:
        check_video_path(video)
    console = Console(stderr=True)
    for (lecture_, video), options in zip(lectures, settings):
        console.print(lecture_.title, style="bold", markup=False, highlight=False)
        _report_lecture(run_lecture(lecture_, video, options, console))
    typer.echo(f"wrote {write_course_index(lectures, out_dir, lang, not notes_only)}")


NoteLang = Annotated[
    str | None, typer.Option(help="en|zh for the GIFs (default: the note's language)")
]


@app.command()
@one_line_errors
def notes(
    note: Annotated[Path, typer.Argument(help="Your Markdown note (NOTES.md).")],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="The explained copy (default NOTES.explained.md)."),
    ] = None,
    lang: NoteLang = None,
    theme: ThemeOption = "dark",
    jobs: Annotated[int, typer.Option(help="GIFs rendered at once.")] = 2,
    force: Annotated[bool, typer.Option(help="Render even unchanged GIFs.")] = False,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the plan (line, heading, scene); write nothing."),
    ] = False,
    json_: Annotated[
        bool, typer.Option("--json", help="Print the plan as JSON; write nothing.")
    ] = False,
) -> None:
    """Illustrate a Markdown note: a GIF of the matching scene under each heading that names
    a topic (`<!-- explain: SCENE key=value -->` or `<!-- explain: none -->` under a
    heading decides instead), written to NOTES.explained.md and a folder beside it."""
    import json

    from explain.scenes.app.notes import NoteError
    from explain.scenes.app.notes_render import plan_lines, prepare, run_notes
    from explain.scenes.app.render import RenderOptions, check_options

    check_options(RenderOptions(theme=theme, lang=lang or "en"))
    if not 1 <= jobs <= 16:
        raise ParamError("--jobs", "must be an integer from 1 to 16")
    try:
        job = prepare(note, out, lang)
    except NoteError as err:
        raise fail(str(err)) from None
    if json_:
        typer.echo(json.dumps([item.as_json() for item in job.plan], ensure_ascii=False, indent=1))
        return
    if dry_run:
        typer.echo("\n".join(plan_lines(job)) or "no heading names a topic")
        return
    failed = [r.name for r in run_notes(job, theme, jobs, force) if not r.ok]
    if failed:
        raise fail(f"{len(failed)} GIF(s) failed, the note was not written: {', '.join(failed)}", 1)
    typer.echo(f"wrote {job.out} ({len(job.plan)} GIF(s) under headings, {job.lang})")


def main(argv: list[str] | None = None) -> None:
    """The console script: like ``app()``, but the parser's own usage errors are one line
    too, and stdout's failures are handled for every command (scenes/app/stdout_guard.py):
    a full or closed stdout is one line and exit 1, a broken pipe a quiet exit 1.

    SIGTERM is handled as Ctrl-C (temporary files go, the previous output stays), with
    exit code 143 instead of 130.
    """
    from explain.scenes.app.stdout_guard import StdoutFailed, guarded_stdout, report_failure

    terminated: list[int] = []
    signal.signal(signal.SIGTERM, functools.partial(_on_sigterm, terminated))
    args = sys.argv[1:] if argv is None else argv
    try:
        with guarded_stdout():
            code = _run_command(args or ["--help"])
    except StdoutFailed as failed:
        code = report_failure(failed, process_ends=argv is None)
    if code == INTERRUPTED and terminated:
        code = TERMINATED
    if argv is None:
        # This process ends here. Python's shutdown runs full garbage collections over
        # every object left (Manim's modules, a scene's mobjects): 0.3 s after a render,
        # measured. Frozen objects are skipped; the system frees the memory anyway.
        gc.freeze()
    sys.exit(code)


INTERRUPTED, TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM, as shells report them


def _on_sigterm(terminated: list[int], signum: int, frame: Any) -> None:
    terminated.append(signum)
    raise KeyboardInterrupt


def _run_command(args: list[str]) -> int:
    """Typer vendors Click in recent releases, so its exceptions are recognised by what
    they carry (a message and exit code 2), not by importing a private module."""
    command = typer.main.get_command(app)
    try:
        code = command.main(args=args, prog_name="explain", standalone_mode=False)
    except KeyboardInterrupt:
        typer.echo("error: interrupted", err=True)
        return INTERRUPTED
    except Exception as err:
        if getattr(err, "exit_code", None) != USAGE_EXIT or not hasattr(err, "format_message"):
            raise
        typer.echo(f"error: {err.format_message()}", err=True)
        return USAGE_EXIT
    return code if isinstance(code, int) else 0


if __name__ == "__main__":  # `python -P -m explain.scenes.cli`, used by parallel renders
    main()
