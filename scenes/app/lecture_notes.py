"""A lecture's notes page (Markdown) and the course's index page.

The page holds the lecture's title, then per chapter: a heading, its GIF (a relative
link into the folder beside the page), its key numbers read from its trace
(``app.key_numbers``) and its captions as text (the GIF render's subtitles). Titles are
the lecturer's text: Markdown's special characters are escaped, so a title is shown as
typed and never becomes a link or an HTML tag.
"""

from __future__ import annotations

import re
from pathlib import Path

from explain.scenes.app.key_numbers import key_numbers
from explain.scenes.app.lecture_file import Chapter, Lecture
from explain.scenes.app.lecture_paths import LecturePaths, notes_gif
from explain.scenes.kit.i18n import tr

# What would start emphasis, code, a link, an HTML tag or a table cell anywhere in a line.
_SPECIAL = re.compile(r"([\\`*_\[\]<>#|~])")


def md_text(text: str) -> str:
    """Plain text for Markdown: every special character escaped, lines joined."""
    return _SPECIAL.sub(r"\\\1", " ".join(text.split()))


def link(target: Path, page: Path) -> str:
    """``target`` relative to the folder of ``page``, with spaces and the like escaped."""
    relative = target.relative_to(page.parent).as_posix()
    return "<" + relative.replace("<", "%3C").replace(">", "%3E") + ">"


def captions(srt_path: Path) -> list[str]:
    """The text of each caption in a SubRip file, in order (none if there is no file)."""
    import srt

    if not srt_path.is_file():
        return []
    return [" ".join(sub.content.split()) for sub in srt.parse(srt_path.read_text("utf-8"))]


def chapter_section(
    chapter: Chapter, gif: Path, paths: LecturePaths, lang: str, video: bool
) -> list[str]:
    from explain.scenes.app.trace_cache import verified_trace
    from explain.scenes.registry import get

    title = md_text(chapter.title)
    lines = [f"## {chapter.number}. {title}", "", f"![{title}]({link(gif, paths.notes)})", ""]
    trace = verified_trace(get(chapter.scene), dict(chapter.assignments))
    rows = key_numbers(trace, lang)
    if rows:
        lines += [f"**{tr('lecture.notes.key_numbers', lang)}**", "", "| | |", "|---|---|"]
        lines += [f"| {md_text(label)} | {md_text(value)} |" for label, value in rows]
        lines.append("")
    said = captions(notes_gif(paths, chapter, video).with_suffix(".srt"))
    if said:
        lines += [f"**{tr('lecture.notes.captions', lang)}**", ""]
        lines += [f"- {md_text(text)}" for text in said]
        lines.append("")
    return lines


def notes_page(
    lecture: Lecture, paths: LecturePaths, lang: str, gifs: dict[int, Path], video: bool
) -> str:
    lines = [f"# {md_text(lecture.title)}", ""]
    if video:
        watch = tr("lecture.notes.video", lang)
        subs = tr("lecture.notes.subtitles", lang)
        lines += [
            f"[{watch}]({link(paths.video, paths.notes)}) · "
            f"[{subs}]({link(paths.subtitles, paths.notes)})",
            "",
        ]
    for chapter in lecture.chapters:
        lines += chapter_section(chapter, gifs[chapter.number], paths, lang, video)
    return "\n".join(lines).rstrip() + "\n"


def course_index(entries: list[tuple[str, Path, Path | None]], page: Path, lang: str) -> str:
    """The course's page: each lecture's title linking its video (when rendered) and notes."""
    lines = [f"# {tr('lecture.course.title', lang)}", ""]
    notes_word = tr("lecture.course.notes", lang)
    for number, (title, notes, video) in enumerate(entries, start=1):
        head = md_text(title) if video is None else f"[{md_text(title)}]({link(video, page)})"
        lines.append(f"{number}. {head} · [{notes_word}]({link(notes, page)})")
    return "\n".join(lines) + "\n"
