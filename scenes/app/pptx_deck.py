"""A rendered scene as a PowerPoint deck: one slide per step, its clip playing on entry.

Lecturers present from PowerPoint and Keynote. Each caption of the scene is a step (as in
the HTML slides): the step's stretch of the video is cut into its own clip, embedded
full-bleed on a 16:9 slide with the step's finished frame as its poster (what thumbnails,
handouts and the PDF show), set to start by
itself when the slide opens, and the caption goes into the speaker notes.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from pptx.util import Emu

from explain.scenes.output import ffmpeg
from explain.scenes.output.files import write_atomic
from explain.scenes.output.stills import frame_shown_at
from explain.scenes.output.subtitles import Cue

SLIDE_WIDTH, SLIDE_HEIGHT = Emu(12_192_000), Emu(6_858_000)  # PowerPoint's 16:9, 13.33 x 7.5 in

# PowerPoint's own timing for a video set to "Start: Automatically": the slide's main
# sequence begins with a media call that plays the clip from its start after the slide
# appears, and the media node that owns the clip. {spid} is the movie shape, {ms} its length.
AUTOPLAY_TIMING = """<p:timing xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main">
<p:tnLst><p:par><p:cTn id="1" dur="indefinite" restart="never" nodeType="tmRoot"><p:childTnLst>
<p:seq concurrent="1" nextAc="seek"><p:cTn id="2" dur="indefinite" nodeType="mainSeq">
<p:childTnLst><p:par><p:cTn id="3" fill="hold"><p:stCondLst><p:cond delay="indefinite"/>
<p:cond evt="onBegin" delay="0"><p:tn val="2"/></p:cond></p:stCondLst><p:childTnLst>
<p:par><p:cTn id="4" fill="hold"><p:stCondLst><p:cond delay="0"/></p:stCondLst><p:childTnLst>
<p:par><p:cTn id="5" presetID="1" presetClass="mediacall" presetSubtype="0" fill="hold"
 nodeType="afterEffect"><p:stCondLst><p:cond delay="0"/></p:stCondLst><p:childTnLst>
<p:cmd type="call" cmd="playFrom(0.0)"><p:cBhvr><p:cTn id="6" dur="{ms}" fill="hold"/>
<p:tgtEl><p:spTgt spid="{spid}"/></p:tgtEl></p:cBhvr></p:cmd></p:childTnLst></p:cTn></p:par>
</p:childTnLst></p:cTn></p:par></p:childTnLst></p:cTn></p:par></p:childTnLst></p:cTn>
<p:prevCondLst><p:cond evt="onPrev" delay="0"><p:tgtEl><p:sldTgt/></p:tgtEl></p:cond>
</p:prevCondLst><p:nextCondLst><p:cond evt="onNext" delay="0"><p:tgtEl><p:sldTgt/></p:tgtEl>
</p:cond></p:nextCondLst></p:seq><p:video><p:cMediaNode vol="80000"><p:cTn id="7" fill="hold"
 display="0"><p:stCondLst><p:cond delay="indefinite"/></p:stCondLst></p:cTn><p:tgtEl>
<p:spTgt spid="{spid}"/></p:tgtEl></p:cMediaNode></p:video></p:childTnLst></p:cTn></p:par>
</p:tnLst></p:timing>"""


class DeckError(RuntimeError):
    """A step's clip could not be cut; the message is ffmpeg's last line."""


def step_spans(cues: list[Cue], duration: float) -> list[tuple[float, float]]:
    """(start, end) of every step in seconds: steps follow each other without gaps, the
    first from 0, the last to the end of the video (as in the HTML slides)."""
    ends = [c.end for c in cues[:-1]] + [duration]
    starts = [0.0, *ends[:-1]]
    return list(zip(starts, ends))


def cut_clip(video: Path, start: float, end: float, dest: Path) -> None:
    """Re-encode ``video`` from ``start`` to ``end`` into ``dest``, frame-accurate."""
    failure = ffmpeg.run_ffmpeg(
        [
            *("-v", "error", "-nostdin", "-y", "-ss", f"{start:.3f}", "-i", str(video)),
            *("-t", f"{end - start:.3f}", "-map", "0:v:0", "-c:v", "libx264"),
            *("-preset", "veryfast", "-crf", "20", "-pix_fmt", "yuv420p"),
            *("-movflags", "+faststart", str(dest)),
        ]
    )
    if failure is not None:
        raise DeckError(f"ffmpeg could not cut a step's clip: {failure}")


def build_deck(video: Path, cues: list[Cue], duration: float, out: Path, work: Path) -> None:
    """Write the .pptx for a rendered MP4 and its captions to ``out`` (atomically);
    ``work`` is a temporary folder for the clips."""
    from pptx import Presentation

    deck = Presentation()
    deck.slide_width, deck.slide_height = SLIDE_WIDTH, SLIDE_HEIGHT
    blank = deck.slide_layouts[6]
    for number, (cue, (start, end)) in enumerate(zip(cues, step_spans(cues, duration)), 1):
        clip = work / f"step-{number:02d}.mp4"
        cut_clip(video, start, end, clip)
        slide = deck.slides.add_slide(blank)
        poster = io.BytesIO(frame_shown_at(video, end - 0.01))
        movie = slide.shapes.add_movie(
            str(clip), 0, 0, SLIDE_WIDTH, SLIDE_HEIGHT, poster, mime_type="video/mp4"
        )
        _play_on_entry(slide, movie.shape_id, end - start)
        slide.notes_slide.notes_text_frame.text = cue.text
    buf = io.BytesIO()
    deck.save(buf)
    write_atomic(out, buf.getvalue())


def _play_on_entry(slide: Any, shape_id: int, seconds: float) -> None:
    """Replace the click-to-play timing python-pptx writes with PowerPoint's autoplay."""
    from pptx.oxml import parse_xml

    element = slide.element
    for old in element.findall(
        "{http://schemas.openxmlformats.org/presentationml/2006/main}timing"
    ):
        element.remove(old)
    timing = AUTOPLAY_TIMING.format(spid=shape_id, ms=max(1, round(seconds * 1000)))
    element.append(parse_xml(timing))
