"""Running `explain notes`: check the paths, plan, render the GIFs in parallel (the batch
renderer, with its progress lines and the render cache) and write the explained note.

Everything the user could get wrong is checked before anything is written: a bad note, a
bad directive or a bad output path leaves no file and no folder behind.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from explain.scenes.app.batch import BatchItem, BatchResult, render_many
from explain.scenes.app.lecture import NOTES_FPS, NOTES_WIDTH
from explain.scenes.app.notes import (
    Note,
    NoteError,
    PlanItem,
    block,
    decode,
    explained,
    parse_note,
    plan_note,
)
from explain.scenes.app.notes_match import description
from explain.scenes.output.errors import shown
from explain.scenes.output.files import OutputError, check_output_path, write_atomic
from explain.scenes.registry import get

NOTE_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True)
class NotesJob:
    note: Path  # the student's file, never written
    out: Path  # the explained copy
    parsed: Note
    plan: list[PlanItem]
    lang: str  # the GIFs' language: --lang, else the note's


def where(note: Path) -> str:
    """The note as the location that leads an error line (``note.md:12: ...``)."""
    return shown(note, quoted=False)


def default_out(note: Path) -> Path:
    return note.with_name(f"{note.stem}.explained.md")


def gifs_dir(out: Path, parsed: Note) -> Path:
    """The folder of GIFs beside the explained note (named like a saved web page's), or
    the one an earlier run linked to when the note is that run's output: so that running
    on its own output changes nothing."""
    folder = parsed.gif_folder
    if folder in (None, ".", ".."):
        folder = f"{out.stem}_files"
    return out.with_name(folder)


def gif_path(job: NotesJob, item: PlanItem) -> Path:
    """A scene's defaults are NAME.gif; a directive's parameters get a name of their own."""
    folder = gifs_dir(job.out, job.parsed)
    if not item.assignments:
        return folder / f"{item.scene}.gif"
    text = json.dumps(sorted(item.assignments.items()), ensure_ascii=False)
    return folder / f"{item.scene}-{hashlib.sha256(text.encode()).hexdigest()[:8]}.gif"


def read_note(note: Path) -> str:
    if not note.is_file():
        raise NoteError(f"{where(note)}: no such note (give a Markdown file)")
    try:
        data = note.read_bytes()
    except OSError as err:
        raise NoteError(f"{where(note)}: cannot read it: {err.strerror}") from None
    return decode(data, where(note))


def check_out(note: Path, out: Path, parsed: Note) -> None:
    if out.suffix.lower() not in NOTE_SUFFIXES:
        raise OutputError(f"--out: the explained note must end in .md (got {shown(out)})")
    if out.resolve() == note.resolve():
        raise OutputError(f"--out: {shown(out)} is the note itself; give another file")
    check_output_path(out, out.suffix.lower().lstrip("."))
    folder = gifs_dir(out, parsed)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"--out: {shown(folder)} (for the GIFs) is a file, not a folder")


def prepare(note: Path, out: Path | None, lang: str | None) -> NotesJob:
    """Read, check and plan; writes nothing (NoteError or OutputError, one line)."""
    text = read_note(note)
    out = default_out(note) if out is None else out
    parsed = parse_note(text)
    check_out(note, out, parsed)
    plan = plan_note(parsed, where(note))
    return NotesJob(note, out, parsed, plan, lang or parsed.lang())


def plan_lines(job: NotesJob) -> list[str]:
    """`--dry-run`: one line per heading to illustrate."""
    lines = []
    for item in job.plan:
        settings = " ".join(f"{k}={v}" for k, v in item.assignments.items())
        lines.append(f"{item.line}: {item.heading} -> {item.scene} {settings}".rstrip())
    return lines


def batch_items(job: NotesJob, theme: str, force: bool) -> list[BatchItem]:
    """One `explain render` per distinct GIF, sized as a lecture's notes GIFs are."""
    base: tuple[str, ...] = ("--format", "gif", "--quality", "low", "--width", str(NOTES_WIDTH))
    base += ("--fps", str(NOTES_FPS), "--lang", job.lang, "--theme", theme)
    base += ("--force",) if force else ()
    items: dict[Path, BatchItem] = {}
    for item in job.plan:
        path = gif_path(job, item)
        settings = tuple(a for k, v in item.assignments.items() for a in ("--set", f"{k}={v}"))
        label = f"{item.line}: {item.heading[:30]}"
        items.setdefault(path, BatchItem(item.scene, path, settings + base, label))
    return list(items.values())


def explained_text(job: NotesJob) -> str:
    from explain.scenes.app.lecture_notes import link, md_text

    blocks = {}
    for item in job.plan:
        alt = md_text(description(item.scene, get(item.scene).description, job.lang))
        target = gif_path(job, item).absolute()
        blocks[item.after] = block(item.scene, alt, link(target, job.out.absolute()))
    return explained(job.parsed, blocks)


def run_notes(job: NotesJob, theme: str, jobs: int, force: bool) -> list[BatchResult]:
    """Render the GIFs, then write the note (only when every GIF rendered)."""
    items = batch_items(job, theme, force)
    results: list[BatchResult] = []
    if items:
        gifs_dir(job.out, job.parsed).mkdir(parents=True, exist_ok=True)
        results = render_many(items, jobs, Console(stderr=True))
    if all(r.ok for r in results):
        write_atomic(job.out, explained_text(job).encode("utf-8"))
    return results
