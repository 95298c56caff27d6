"""`explain slides --format pptx`: a deck python-pptx reads back and LibreOffice opens.

One slide per step; each holds the step's own clip (the right length, checked with PyAV),
set to play by itself when the slide opens, and the step's caption in the speaker notes.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import av
import pytest

from explain.scenes.app.pptx_deck import build_deck, step_spans
from explain.scenes.app.render import RenderOptions, render_scene
from explain.scenes.app.slides import render_slides
from explain.scenes.output.files import OutputError
from explain.scenes.output.subtitles import Cue, parse_srt
from explain.scenes.registry import get
from tests.conftest import build_trace

P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
P14 = "{http://schemas.microsoft.com/office/powerpoint/2010/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def test_steps_cover_the_video_without_gaps() -> None:
    cues = [Cue(0.8, 2.9, "a"), Cue(2.9, 8.4, "b"), Cue(8.4, 14.0, "c")]
    assert step_spans(cues, 16.8) == [(0.0, 2.9), (2.9, 8.4), (8.4, 16.8)]


def test_unknown_slide_format_is_refused_before_rendering(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="--format"):
        render_slides(
            get("maxpool"), build_trace("maxpool"), tmp_path / "x.ppt", RenderOptions(), fmt="ppt"
        )
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Cue], float]:
    """conv-stride rendered at low quality, made into a deck: the deck, its captions and
    the video's length (read from the render, independently of the deck)."""
    folder = tmp_path_factory.mktemp("deck")
    video = folder / "conv-stride.mp4"
    result = render_scene(get("conv-stride"), build_trace("conv-stride"), video, RenderOptions())
    assert result.subtitles is not None
    cues = parse_srt(result.subtitles.read_text(encoding="utf-8"))
    seconds = media_seconds(video.read_bytes(), folder)
    out = folder / "conv-stride.pptx"
    build_deck(video, cues, seconds, out, folder)
    return out, cues, seconds


def media_seconds(data: bytes, folder: Path) -> float:
    clip = folder / "clip-check.mp4"
    clip.write_bytes(data)
    with av.open(str(clip)) as container:
        return float(container.duration or 0) / av.time_base


@pytest.mark.render
def test_one_slide_per_step_with_its_clip_playing_on_entry(
    deck: tuple[Path, list[Cue], float], tmp_path: Path
) -> None:
    from pptx import Presentation
    from pptx.enum.shapes import MSO_SHAPE_TYPE

    out, cues, seconds = deck
    slides = list(Presentation(str(out)).slides)
    assert len(slides) == len(cues) >= 3
    for slide, cue, (start, end) in zip(slides, cues, step_spans(cues, seconds)):
        (movie,) = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.MEDIA]
        assert slide.notes_slide.notes_text_frame.text == cue.text
        timing = slide.element.find(f"{P}timing")
        assert timing is not None
        play = [c for c in timing.iter(f"{P}cmd") if c.get("cmd") == "playFrom(0.0)"]
        assert len(play) == 1
        effect = play[0].getparent().getparent()  # p:cmd in p:childTnLst in the effect p:cTn
        assert effect.get("presetClass") == "mediacall" and effect.get("nodeType") == "afterEffect"
        assert play[0].find(f".//{P}spTgt").get("spid") == str(movie.shape_id)
        (media,) = [e for e in movie._element.iter() if e.tag == f"{P14}media"]
        data = slide.part.related_part(media.get(f"{R}embed")).blob
        assert abs(media_seconds(data, tmp_path) - (end - start)) < 0.15


@pytest.mark.render
def test_libreoffice_opens_the_deck(deck: tuple[Path, list[Cue], float], tmp_path: Path) -> None:
    out, cues, _ = deck
    soffice = shutil.which("soffice")
    assert soffice, "LibreOffice Impress is installed by scripts/setup.sh --tests"
    home = tmp_path / "home"  # a private profile: parallel conversions must not share one
    cmd = [soffice, f"-env:UserInstallation={home.as_uri()}", "--headless"]
    cmd += ["--convert-to", "pdf", "--outdir", str(tmp_path), str(out)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / "conv-stride.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) == len(cues)
