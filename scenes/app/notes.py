"""`explain notes NOTE.md`: read a student's Markdown note, plan a GIF under each heading
that names a topic, and write the note back with those GIFs inserted and nothing else
changed.

Pure functions over text, no rendering: ``parse_note`` splits the note into lines and
says what each line is (code, front matter, HTML, heading, text), dropping the blocks an
earlier run inserted, so that running on its own output changes nothing; ``plan_note``
picks a scene per heading (the author's directive, else ``notes_match``); ``explained``
writes the note with the new blocks. An inserted block is three lines::

    <!-- explain:begin conv-stride -->
    ![alt text](NOTE.explained_files/conv-stride.gif)
    <!-- explain:end -->
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field

from explain.mlcore.params import ParamError, parse_assignments
from explain.scenes.app.notes_match import detect_lang, match_heading
from explain.scenes.registry import UnknownSceneError, get

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})(.*)$")
_HEADING = re.compile(r"^\ufeff? {0,3}(#{1,6})(?:[ \t]+(.*?))?[ \t]*$")
_CLOSING_HASHES = re.compile(r"(?:^|[ \t]+)#+$")
_DIRECTIVE = re.compile(r"^ {0,3}<!--\s*explain:(\s.*?)?-->\s*$")  # not explain:end
_BEGIN = re.compile(r"^<!-- explain:begin [a-z0-9-]+ -->$")
_END = "<!-- explain:end -->"
# An inserted GIF's link: one folder beside the note, which a run on this output reuses.
_GIF_LINK = re.compile(r"^!\[.*\]\(<([^/<>\\]+)/[^/<>\\]+\.gif>\)$")
_HTML_RAW = re.compile(r"^ {0,3}<(script|pre|style|textarea)(?:[\s>]|$)", re.I)
_HTML_TAG = re.compile(r"^ {0,3}(?:<!--|<\?|<![A-Za-z]|</?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$))")
_HTML_ENDS = {"<!--": "-->", "<?": "?>", "<![CDATA[": "]]>", "<!": ">"}


class NoteError(ValueError):
    """The note cannot be read or one of its directives is wrong; the message is one line."""


@dataclass(frozen=True)
class Line:
    number: int  # 1-based, in the file as it was read
    text: str  # without its line ending
    end: str  # "\n", "\r\n", "\r", or "" for a last line without one
    kind: str = "text"  # text | heading | code | front | html


@dataclass(frozen=True)
class PlanItem:
    line: int  # the heading's line number in the file as read
    heading: str  # the heading's text, without the #s
    scene: str
    assignments: dict[str, str] = field(default_factory=dict)  # from a directive
    after: int = 0  # index (in Note.lines) of the line the block goes under

    def as_json(self) -> dict[str, object]:
        return {
            "line": self.line,
            "heading": self.heading,
            "scene": self.scene,
            "set": dict(self.assignments),
        }


@dataclass(frozen=True)
class Note:
    lines: tuple[Line, ...]  # the note without the blocks an earlier run inserted
    eol: str  # the line ending new lines get where a line has none
    gif_folder: str | None = None  # where an earlier run's blocks link to, if any

    def headings(self) -> list[tuple[int, int, str]]:
        """(index, level, text) of every ATX heading outside code, front matter and HTML."""
        found = []
        for index, line in enumerate(self.lines):
            if line.kind == "heading":
                level, text = heading_parts(line.text)
                found.append((index, level, text))
        return found

    def lang(self) -> str:
        prose = [line.text for line in self.lines if line.kind == "text"]
        return detect_lang([text for _, _, text in self.headings()], prose)


def heading_parts(text: str) -> tuple[int, str]:
    match = _HEADING.match(text)
    assert match is not None, "only called on heading lines"
    title = _CLOSING_HASHES.sub("", match.group(2) or "").strip()
    return len(match.group(1)), title


def decode(data: bytes, source: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise NoteError(f"{source}: not UTF-8 text (byte {err.start}); save it as UTF-8") from None


def split_lines(text: str) -> list[Line]:
    """Lines with their own endings: joining text + end gives ``text`` back byte for byte."""
    pieces = re.findall(r"([^\r\n]*)(\r\n|\n|\r|$)", text)
    if pieces and pieces[-1] == ("", ""):
        pieces.pop()  # findall's empty match at the very end
    return [Line(n, body, end) for n, (body, end) in enumerate(pieces, start=1)]


def _front_matter_end(lines: list[Line]) -> int:
    """How many lines YAML front matter takes at the top (0: none)."""
    if not lines or lines[0].text.rstrip() != "---":
        return 0
    for index in range(1, len(lines)):
        if lines[index].text.rstrip() in ("---", "..."):
            return index + 1
    return 0


def _html_end(first: str) -> str | None:
    """What ends the HTML block ``first`` opens: a closing string, or None for a blank line."""
    raw = _HTML_RAW.match(first)
    if raw:
        return f"</{raw.group(1).lower()}>"
    opener = first.lstrip()
    for start, end in _HTML_ENDS.items():
        if opener.startswith(start):  # in order: "<!--" is tried before "<!"
            return end
    return None


def _block_span(lines: list[Line], start: int) -> int:
    """Lines an inserted block takes from ``start`` (its begin marker), or 0 if it is not one."""
    if not _BEGIN.match(lines[start].text):
        return 0
    for index in range(start + 1, min(start + 4, len(lines))):
        if lines[index].text == _END:
            return index - start + 1
    return 0


def _html_span(lines: list[Line], start: int) -> int:
    """Lines the HTML block opening at ``start`` takes (CommonMark's end conditions)."""
    end = _html_end(lines[start].text)
    for index in range(start, len(lines)):
        text = lines[index].text
        if end is None and index > start and not text.strip():
            return index - start
        if end is not None and end in (text.lower() if end.startswith("</") else text):
            return index - start + 1
    return len(lines) - start


def _fence_span(lines: list[Line], start: int, fence: str) -> int:
    """Lines a code fence takes from its opening line (to the end when never closed)."""
    closing = re.compile(rf"^ {{0,3}}{fence[0]}{{{len(fence)},}}[ \t]*$")
    for index in range(start + 1, len(lines)):
        if closing.match(lines[index].text):
            return index - start + 1
    return len(lines) - start


def classify(lines: list[Line]) -> tuple[list[Line], list[Line]]:
    """The note's lines, each with its kind, without the blocks an earlier run inserted;
    and those blocks' lines."""
    kept: list[Line] = [_kind(line, "front") for line in lines[: _front_matter_end(lines)]]
    inserted: list[Line] = []
    index = len(kept)
    while index < len(lines):
        line = lines[index]
        fence = _FENCE.match(line.text)
        if fence and not (fence.group(1)[0] == "`" and "`" in fence.group(2)):
            span, kind = _fence_span(lines, index, fence.group(1)), "code"
        elif span := _block_span(lines, index):
            inserted += lines[index : index + span]
            index += span
            continue
        elif _HEADING.match(line.text):
            span, kind = 1, "heading"
        elif _HTML_TAG.match(line.text):
            span, kind = _html_span(lines, index), "html"
        else:
            span, kind = 1, "text"
        kept += [_kind(each, kind) for each in lines[index : index + span]]
        index += span
    if kept and lines and kept[-1].end and not lines[-1].end:
        # A block inserted under the last line, in a note without a final newline.
        kept[-1] = Line(kept[-1].number, kept[-1].text, "", kept[-1].kind)
    return kept, inserted


def _kind(line: Line, kind: str) -> Line:
    return Line(line.number, line.text, line.end, kind)


def parse_note(text: str) -> Note:
    lines = split_lines(text)
    ends = [line.end for line in lines if line.end]
    kept, inserted = classify(lines)
    folders = [m.group(1) for line in inserted if (m := _GIF_LINK.match(line.text))]
    return Note(tuple(kept), ends[0] if ends else "\n", folders[0] if folders else None)


def directive(line: Line, source: str) -> tuple[str, dict[str, str]] | None:
    """The author's ``<!-- explain: SCENE key=value ... -->`` (scene "none": skip), checked
    as ``--set`` is, or None when the line is not a directive. Nothing is evaluated."""
    match = _DIRECTIVE.match(line.text)
    if match is None or line.kind != "html":
        return None
    where = f"{source}:{line.number}"
    try:
        words = shlex.split(match.group(1))
    except ValueError as err:
        raise NoteError(f"{where}: explain directive: {err}") from None
    if not words:
        raise NoteError(f"{where}: explain directive: name a scene (`explain list`) or none")
    if words[0] == "none":
        if len(words) > 1:
            raise NoteError(f"{where}: explain directive: none takes no parameters")
        return "none", {}
    try:
        assignments = parse_assignments(words[1:], option="explain directive")
        get(words[0]).make_params(assignments)
    except (ParamError, UnknownSceneError) as err:
        raise NoteError(f"{where}: {err}") from None
    return words[0], assignments


def plan_note(note: Note, source: str) -> list[PlanItem]:
    """One item per heading to illustrate: the directive's scene, else the matched topic,
    unless a heading above it (an ancestor) already shows that scene."""
    plan: list[PlanItem] = []
    open_headings: list[tuple[int, str | None]] = []  # (level, scene) of the ancestors
    for index, level, title in note.headings():
        while open_headings and open_headings[-1][0] >= level:
            open_headings.pop()
        after = index
        chosen = directive(note.lines[index + 1], source) if index + 1 < len(note.lines) else None
        if chosen is not None:
            after = index + 1
            scene: str | None = None if chosen[0] == "none" else chosen[0]
            assignments = chosen[1]
        else:
            scene, assignments = match_heading(title), {}
            if scene in {s for _, s in open_headings}:
                scene = None
        open_headings.append((level, scene))
        if scene is not None:
            line = note.lines[index].number
            plan.append(PlanItem(line, title, scene, assignments, after))
    return plan


def block(scene: str, alt: str, link: str) -> list[str]:
    """The lines of one inserted block; ``alt`` and ``link`` are Markdown already."""
    return [f"<!-- explain:begin {scene} -->", f"![{alt}]({link})", _END]


def explained(note: Note, blocks: Mapping[int, list[str]]) -> str:
    """The note with ``blocks[i]`` under line ``i``; every other byte as it was."""
    out: list[str] = []
    for index, line in enumerate(note.lines):
        out += [line.text, line.end]
        if index not in blocks:
            continue
        eol = line.end or note.eol
        if not line.end:  # the last line, without a final newline: the note keeps none
            out += [eol, eol.join(blocks[index])]
        else:
            out += [text + eol for text in blocks[index]]
    return "".join(out)
