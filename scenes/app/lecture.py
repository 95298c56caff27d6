"""`explain lecture FILE.toml`: title cards and chapter scenes joined into one chaptered
MP4, its subtitles on the lecture's timeline, and a notes page with a GIF per chapter.

Chapter scenes render as `explain render` processes (``app.batch``, ``--jobs`` at once)
into a hidden cache folder beside the output (``.STEM.lecture/``), each kept with the
render key stamp that ``app.render`` writes: a second run renders only what changed. The
title cards render in this process meanwhile. Everything the user sees (STEM.mp4,
STEM.srt, STEM.md and the folder STEM-notes/) is first written under temporary names and
then moved into place, so a failed or interrupted run keeps the previous lecture intact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console

from explain.mlcore.trace import Trace
from explain.scenes.app.batch import BatchItem, BatchResult, render_many
from explain.scenes.app.lecture_file import Chapter, Lecture
from explain.scenes.app.lecture_paths import LecturePaths, clip_stem, notes_gif
from explain.scenes.app.render import RenderOptions, render_scene
from explain.scenes.output.children import ChildGroup
from explain.scenes.output.files import OutputError
from explain.scenes.registry import SceneEntry

if TYPE_CHECKING:
    from explain.scenes.output.join import ClipInfo

NOTES_WIDTH, NOTES_FPS = 480, 10  # a notes GIF: small, and smooth enough
TITLE_CARD = SceneEntry(
    name="title-card",
    description="A lecture's or chapter's title card (not a scene of its own)",
    params="",  # its trace comes from the lecture file (kit.title_card.title_card_trace)
    builder="",
    verifier="",
    scene="explain.scenes.kit.title_card:TitleCardScene",
)


class LectureRenderError(RuntimeError):
    """A chapter or the join failed; the message is one line, the old lecture is kept."""


@dataclass(frozen=True)
class LectureOptions:
    render: RenderOptions  # quality, theme and lang for every clip (format mp4)
    jobs: int = 2
    video: bool = True  # False: the notes page only (--notes-only / --format gif)
    notes: bool = True  # False: the video and its subtitles only (--no-notes)
    force: bool = False


@dataclass
class LectureResult:
    written: list[Path] = field(default_factory=list)
    rendered: list[str] = field(default_factory=list)  # clips rendered this run
    reused: list[str] = field(default_factory=list)  # clips the cache already held
    copied: bool = True  # joined without re-encoding


def option_args(options: RenderOptions) -> tuple[str, ...]:
    return ("--quality", options.quality, "--theme", options.theme, "--lang", options.lang)


def clip_options(options: LectureOptions) -> RenderOptions:
    """The options each chapter's `explain render` runs with, as that command builds them."""
    render = options.render
    if not options.video:
        return replace(render, fmt="gif", subtitles=True, width=NOTES_WIDTH, fps=NOTES_FPS)
    if options.notes:
        return replace(render, fmt="mp4", notes_gif=True, width=NOTES_WIDTH, fps=NOTES_FPS)
    return replace(render, fmt="mp4")


def clip_args(options: LectureOptions) -> tuple[str, ...]:
    clip = clip_options(options)
    args = [*option_args(clip), "--format", clip.fmt]
    if clip.width is not None:
        args += ["--width", str(clip.width), "--fps", str(clip.fps)]
    args += ["--subtitles"] if clip.subtitles else []
    args += ["--notes-gif"] if clip.notes_gif else []
    return (*args, *(("--force",) if options.force else ()))


def clip_path(paths: LecturePaths, chapter: Chapter, options: LectureOptions) -> Path:
    if options.video:
        return paths.cache / f"{clip_stem(chapter)}.mp4"
    return notes_gif(paths, chapter, video=False)


def up_to_date(chapter: Chapter, out: Path, options: LectureOptions) -> bool:
    """Whether the clip at ``out`` was rendered from this chapter's trace with these options
    and the current code: the stamp `explain render` checks, read here so that an unchanged
    chapter starts no process. Unknown (no cached trace): the process decides."""
    from explain.scenes.app.render import cached_result, render_key, trace_digest
    from explain.scenes.app.trace_cache import TraceCache, trace_key

    if options.force:
        return False
    trace = TraceCache().get(trace_key(chapter.scene, dict(chapter.assignments)), chapter.scene)
    if trace is None:
        return False
    clip = clip_options(options)
    key = render_key(chapter.scene, trace.params, clip, trace_digest(trace))
    return cached_result(out, key, clip) is not None


def chapter_items(
    lecture: Lecture, paths: LecturePaths, options: LectureOptions
) -> tuple[list[BatchItem], list[str]]:
    """One `explain render` per distinct chapter clip that is not up to date (an MP4 that
    draws the notes GIF from the same frames, or the GIF alone for notes without a video),
    and the scenes of the clips that are."""
    items: dict[Path, BatchItem] = {}
    reused: dict[Path, str] = {}
    for chapter in lecture.chapters:
        out = clip_path(paths, chapter, options)
        if out in items or out in reused:
            continue
        if up_to_date(chapter, out, options):
            reused[out] = chapter.scene
            continue
        label = f"{chapter.number}. {chapter.title[:30]}"
        args = chapter.set_args() + clip_args(options)
        items[out] = BatchItem(chapter.scene, out, args, label)
    return list(items.values()), list(reused.values())


def title_card_trace(title: str, chapter: int | None, chapters: int) -> Trace:
    """What a card shows (``kit.title_card``): ``chapter`` None for the lecture's own.
    Built here, without Manim, so that a lecture whose cards are cached never imports it."""
    params = {"title": title, "chapter": chapter, "chapters": chapters}
    return Trace(scene=TITLE_CARD.name, params=params, tensors={})


def render_cards(lecture: Lecture, paths: LecturePaths, options: LectureOptions) -> list[Path]:
    """The lecture's card and one per chapter, in this process (cached like any render)."""
    count = len(lecture.chapters)
    cards = [(lecture.title, None), *((c.title, c.number) for c in lecture.chapters)]
    outs = []
    for index, (title, number) in enumerate(cards):
        out = paths.cache / "cards" / f"card-{index:02d}.mp4"
        out.parent.mkdir(parents=True, exist_ok=True)
        trace = title_card_trace(title, number, count)
        render_scene(TITLE_CARD, trace, out, options.render, force=options.force)
        outs.append(out)
    return outs


def render_clips(
    lecture: Lecture, paths: LecturePaths, options: LectureOptions, console: Console
) -> tuple[list[Path], list[BatchResult], list[str]]:
    """Chapter clips in parallel processes while this one draws the title cards; the
    cards, the renders' results and the scenes whose clips were up to date."""
    items, reused = chapter_items(lecture, paths, options)
    (paths.cache / "gif").mkdir(parents=True, exist_ok=True)
    # The group is left first: an interrupt here stops the renders before the pool waits.
    with ThreadPoolExecutor(max_workers=1) as pool, ChildGroup() as children:
        batch = pool.submit(render_many, items, options.jobs, console, children)
        cards = render_cards(lecture, paths, options) if options.video else []
        results = batch.result()
    failed = [r for r in results if not r.ok]
    if failed:
        first = failed[0]
        raise LectureRenderError(f"{first.name}: {first.message}"[:300])
    return cards, results, reused


def render_lecture(
    lecture: Lecture, video: Path, options: LectureOptions, console: Console
) -> LectureResult:
    """Render every clip, then write the lecture's files (atomic moves at the end)."""
    from explain.scenes.app.lecture_notes import notes_page
    from explain.scenes.output.join import probe

    paths = LecturePaths(video)
    video.parent.mkdir(exist_ok=True)  # one missing folder, as check_output_path allowed
    paths.cache.mkdir(exist_ok=True)
    cards, results, reused = render_clips(lecture, paths, options, console)
    result = LectureResult(reused=reused)
    for r in results:
        (result.reused if r.message.startswith("up to date") else result.rendered).append(r.name)
    with tempfile.TemporaryDirectory(prefix=f".{paths.stem}.", dir=video.parent) as work_name:
        work = Path(work_name)
        staged: list[tuple[Path, Path]] = []
        if options.video:
            clips = [probe(card) for card in cards[:1]]
            for chapter, card in zip(lecture.chapters, cards[1:]):
                clips += [probe(card), probe(paths.cache / f"{clip_stem(chapter)}.mp4")]
            result.copied = _write_video(lecture, clips, work)
            staged += [(work / "video.mp4", paths.video), (work / "video.srt", paths.subtitles)]
        if options.notes:
            gifs = _stage_gifs(lecture, paths, work / "gifs", options.video)
            page = notes_page(lecture, paths, options.render.lang, gifs, options.video)
            (work / "notes.md").write_text(page, encoding="utf-8")
            staged.append((work / "notes.md", paths.notes))
        _install(work / "gifs" if options.notes else None, paths.gif_dir, staged)
    result.written = [dest for _, dest in staged] + ([paths.gif_dir] if options.notes else [])
    _prune(paths, lecture)
    return result


def _write_video(lecture: Lecture, clips: list[ClipInfo], work: Path) -> bool:
    """The joined MP4 and its subtitles, into ``work``; whether packets were copied."""
    from explain.scenes.output.join import chapter_marks, ffmetadata, join_clips, shifted_subtitles

    groups = [(c.title, 3 if c.number == 1 else 2) for c in lecture.chapters]
    marks = chapter_marks(clips, groups)
    copied = join_clips(clips, ffmetadata(lecture.title, marks), work / "video.mp4", work)
    parts, offset = [], Fraction(0)
    for index, clip in enumerate(clips):
        is_scene = index >= 2 and index % 2 == 0  # card, card, scene, card, scene, ...
        srt = clip.path.with_suffix(".srt")
        if is_scene and srt.is_file():
            parts.append((srt.read_text(encoding="utf-8"), offset, clip.seconds))
        offset += clip.seconds
    (work / "video.srt").write_text(shifted_subtitles(parts), encoding="utf-8")
    return copied


def _stage_gifs(
    lecture: Lecture, paths: LecturePaths, folder: Path, video: bool
) -> dict[int, Path]:
    """Each chapter's GIF copied into ``folder``; chapter number -> its final path."""
    folder.mkdir()
    final: dict[int, Path] = {}
    for chapter in lecture.chapters:
        name = f"{chapter.number:02d}-{chapter.scene}.gif"
        shutil.copyfile(notes_gif(paths, chapter, video), folder / name)
        final[chapter.number] = paths.gif_dir / name
    return final


def _install(gifs: Path | None, gif_dir: Path, staged: list[tuple[Path, Path]]) -> None:
    """Move the new GIF folder (if any) and files into place; the old folder goes last."""
    from explain.scenes.output.files import record_written, signals_held

    old = gif_dir.with_name(f".{gif_dir.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    for src, _ in staged:
        os.chmod(src, 0o644)
    # Renames only, with SIGINT/SIGTERM held back, so an interrupted lecture says truly
    # whether its files were replaced.
    with signals_held() as written:
        if gifs is not None:
            if gif_dir.exists():
                os.replace(gif_dir, old)
            os.replace(gifs, gif_dir)
            record_written(written, gif_dir)
        for src, dest in staged:
            os.replace(src, dest)
            record_written(written, dest)
    shutil.rmtree(old, ignore_errors=True)


def _prune(paths: LecturePaths, lecture: Lecture) -> None:
    """Forget clips (and their stamps) that no chapter of this lecture uses any more."""
    keep = {clip_stem(c) for c in lecture.chapters}
    for folder in (paths.cache, paths.cache / "gif"):
        for path in folder.iterdir():
            stem = path.name.lstrip(".").split(".")[0]
            if path.is_file() and stem not in keep:
                path.unlink(missing_ok=True)


def resolve_options(
    lecture: Lecture, quality: str | None, theme: str | None, lang: str | None
) -> RenderOptions:
    """The command line's settings over the file's, over the defaults."""
    from explain.scenes.app.render import check_options

    options = RenderOptions(
        # An option given, even empty, is checked: only an absent one falls back.
        quality=quality if quality is not None else lecture.quality or "low",
        theme=theme if theme is not None else lecture.theme or "dark",
        lang=lang if lang is not None else lecture.lang or "en",
    )
    check_options(options)
    return replace(options, fmt="mp4")


def check_video_path(video: Path) -> None:
    """The lecture's files are named after the video; the longest, the old notes folder
    kept during the swap, must fit the file system too."""
    from explain.scenes.output.checks import check_names
    from explain.scenes.output.files import check_output_path

    check_output_path(video, "mp4")
    paths = LecturePaths(video)
    old_notes = paths.gif_dir.with_name(f".{paths.gif_dir.name}.old")
    check_names([video, paths.cache, paths.notes, paths.gif_dir, old_notes], video)
    if video.stem.startswith("."):
        raise OutputError("--out: the file name must not start with a dot")


def lecture_dir(lang: str) -> Path:
    """The course's lecture files shipped with explain, in one language."""
    from explain.scenes.app.sources import PACKAGE_ROOT

    return PACKAGE_ROOT / "lectures" / lang


def run_lecture(
    lecture: Lecture,
    video: Path,
    options: LectureOptions,
    console: Console,
) -> LectureResult:
    """Check the output path and jobs, then render (the lecture is already validated)."""
    if not 1 <= options.jobs <= 16:
        raise OutputError("--jobs: must be an integer from 1 to 16")
    check_video_path(video)
    return render_lecture(lecture, video, options, console)


def write_course_index(
    lectures: list[tuple[Lecture, Path]], out_dir: Path, lang: str, video: bool
) -> Path:
    """``out_dir/index.md``: every lecture's title, video and notes."""
    from explain.scenes.app.lecture_notes import course_index
    from explain.scenes.output.files import write_atomic

    page = out_dir / "index.md"
    entries = [
        (lec.title, LecturePaths(path).notes, path if video else None) for lec, path in lectures
    ]
    write_atomic(page, course_index(entries, page, lang).encode())
    return page
