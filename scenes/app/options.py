"""The CLI's options, declared once: help text, the choices the help lists, and the panel
each appears in (``explain render --help`` groups them). Commands take these types."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from explain.scenes.app.choices import FORMATS, QUALITIES, metavar
from explain.scenes.kit.i18n import LANGS
from explain.scenes.kit.theme import THEMES

OUTPUT, GIF, STILLS, BATCH = "Output", "GIF", "Stills", "Batch (with --all)"

SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set", "-s", help="Set a parameter, key=value (repeatable); see `explain info NAME`."
    ),
]
SceneArg = Annotated[str, typer.Argument(help="Scene name; `explain list` shows them all.")]
QualityOption = Annotated[
    str,
    typer.Option(
        "--quality",
        "-q",
        metavar=metavar(QUALITIES),
        help="854x480 at 15 fps, 1280x720 at 30, 1920x1080 at 60, 3840x2160 at 60.",
        rich_help_panel=OUTPUT,
    ),
]
FormatOption = Annotated[
    str | None,
    typer.Option(
        "--format",
        "-f",
        metavar=metavar(FORMATS),
        help="Default from --out's suffix, else mp4 (png: the last frame, or see Stills).",
        rich_help_panel=OUTPUT,
    ),
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out",
        "-o",
        help="Output file (default renders/NAME.FORMAT).",
        rich_help_panel=OUTPUT,
        readable=False,  # our own checks say what is wrong, in one line
    ),
]
ThemeOption = Annotated[
    str,
    typer.Option(
        metavar=metavar(THEMES), help="light for white note pages.", rich_help_panel=OUTPUT
    ),
]
LangOption = Annotated[
    str,
    typer.Option(
        metavar=metavar(LANGS), help="Captions, labels and subtitles.", rich_help_panel=OUTPUT
    ),
]
TransparentOption = Annotated[
    bool,
    typer.Option(help="Transparent background (webm, last-frame png).", rich_help_panel=OUTPUT),
]
SpeedOption = Annotated[
    float,
    typer.Option(
        help="0.5 to 2: every animation and pause (and the subtitles) slower or faster.",
        rich_help_panel=OUTPUT,
    ),
]
PreviewOption = Annotated[
    bool,
    typer.Option(help="Open the finished file in the system's viewer.", rich_help_panel=OUTPUT),
]
FpsOption = Annotated[
    int | None, typer.Option(help="GIF frames per second (default 15).", rich_help_panel=GIF)
]
WidthOption = Annotated[int | None, typer.Option(help="GIF width in pixels.", rich_help_panel=GIF)]
AtOption = Annotated[
    list[float] | None,
    typer.Option(help="png: a still at this second (repeatable).", rich_help_panel=STILLS),
]
FrameOption = Annotated[
    list[int] | None,
    typer.Option(
        "--frame", help="png: a still of frame N, 0 the first (repeatable).", rich_help_panel=STILLS
    ),
]
FramesOption = Annotated[
    int | None, typer.Option(help="png: N stills, evenly spaced.", rich_help_panel=STILLS)
]
SubtitlesOption = Annotated[
    bool, typer.Option(help="gif: also write NAME.srt beside it.", hidden=True)
]
NotesGifOption = Annotated[
    bool, typer.Option(help="mp4: also NAME.gif from the same frames.", hidden=True)
]
ForceOption = Annotated[bool, typer.Option(help="Render even if an unchanged render exists.")]
VerifyOption = Annotated[
    bool, typer.Option(help="Recompute the trace with torch first; refuse if it disagrees.")
]
AllOption = Annotated[
    bool, typer.Option("--all", help="Render every scene.", rich_help_panel=BATCH)
]
JobsOption = Annotated[int, typer.Option(help="Scenes rendered at once.", rich_help_panel=BATCH)]
OutDirOption = Annotated[
    Path,
    typer.Option(
        help="The folder the files go to (created if missing).",
        rich_help_panel=BATCH,
        readable=False,  # our own checks say what is wrong, in one line
    ),
]
OnlyOption = Annotated[
    str | None,
    typer.Option(help="Only these scenes, NAME,NAME (comma list).", rich_help_panel=BATCH),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="Render on the Dask cluster at this scheduler, e.g. tcp://10.0.0.5:8786"
        " (default: local processes, see --jobs).",
        rich_help_panel=BATCH,
    ),
]
