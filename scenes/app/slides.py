"""A rendered scene as click-through slides: one self-contained HTML file, one step a caption.

Every render writes an ``.srt`` beside its MP4, one entry per ``say()`` of the scene. Each
entry becomes a step: the page pauses the video at the end of every step, and a key or a
click plays the next one. The file holds everything (the MP4 as a base64 data URI, inline
CSS and JS), so it opens from ``file://`` offline in Chromium and Firefox and can be mailed.

Why not manim-slides: its HTML output loads reveal.js from a CDN (or downloads it with
``--offline``), and it hooks Manim's scene internals, which changed in Manim 0.22. A scene's
captions already mark its steps, so a page over the finished video needs neither.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import json
import tempfile
from pathlib import Path
from typing import Any

from explain.mlcore.trace import Trace
from explain.scenes.app.render import RenderOptions, render_scene
from explain.scenes.kit.i18n import tr
from explain.scenes.output.files import OutputError, check_output_path, write_atomic
from explain.scenes.output.stills import frame_shown_at
from explain.scenes.output.subtitles import Cue, parse_srt, step_ends
from explain.scenes.registry import SceneEntry

CSS = """
:root { color-scheme: dark; }
body { margin: 0; background: #111; color: #eee;
  font: 18px/1.45 system-ui, "Noto Sans CJK SC", "WenQuanYi Micro Hei", sans-serif; }
header, #outline, footer { max-width: 1100px; margin: 0 auto; padding: 0 16px; }
h1 { font-size: 18px; font-weight: 600; color: #aaa; margin: 12px 0 8px; }
#stage { display: flex; flex-direction: column; max-width: 1100px; margin: 0 auto;
  background: #000; }
#stage video { display: block; width: 100%; max-height: calc(100vh - 140px);
  object-fit: contain; background: #000; cursor: pointer; }
#stage:fullscreen { max-width: none; width: 100vw; height: 100vh; }
#stage:fullscreen video { flex: 1; min-height: 0; max-height: none; }
#bar { display: flex; gap: 16px; align-items: baseline; padding: 10px 16px;
  background: #1b1b1b; }
#counter { flex: none; font-variant-numeric: tabular-nums; color: #fc6; }
#stage.ready #counter::before { content: "▶ "; }
#keys { margin: 0; color: #999; font-size: 15px; }
#outline { color: #999; font-size: 15px; margin-top: 12px; padding-left: 48px; }
#outline li { cursor: pointer; white-space: pre-line; }
#outline li.current { color: #fc6; }
footer { color: #777; font-size: 14px; margin: 12px auto 24px; }
"""

# Steps are numbered from 1. `done` says whether the current step has played to its end;
# the video rests either at the start of the current step or at its end. EPS keeps a resting
# frame inside its step: a boundary frame already shows the next caption.
JS = """
"use strict";
const video = document.getElementById("video");
const stage = document.getElementById("stage");
const counter = document.getElementById("counter");
const items = Array.from(document.querySelectorAll("#outline li"));
const ends = JSON.parse(document.getElementById("step-ends").textContent);
const frame = 1 / JSON.parse(document.getElementById("frame-rate").textContent);
const EPS = 0.01;
// A pause lands a frame or two after it is asked for, and the first frame past a step's
// end already shows the next caption and highlight: stop two frames early, then seek to
// the step's last frame.
const EARLY = 2 * frame;
let step = 1, done = false, stopAt = null;

const startOf = (k) => (k === 1 ? 0 : ends[k - 2] + EPS);
function endOf(k) {  // the last step runs to the end of the video
  const last = k === ends.length && isFinite(video.duration);
  return (last ? video.duration : ends[k - 1]) - EPS;
}

function show(k, played, playing) {
  step = k;
  done = played;
  counter.textContent = k + " / " + ends.length;
  stage.classList.toggle("ready", !played && !playing);
  stage.dataset.state = playing ? "playing" : played ? "end" : "start";
  items.forEach((li, i) => li.classList.toggle("current", i === k - 1));
}

function rest(k, played) {
  stopAt = null;
  video.pause();
  video.currentTime = played ? endOf(k) : startOf(k);
  show(k, played, false);
}

function play(k) {
  video.currentTime = startOf(k);
  show(k, false, true);
  stopAt = endOf(k);
  video.play().catch(() => {});
  watch();
}

// requestVideoFrameCallback reports each frame as it is presented (Chromium, Safari,
// Firefox 132+); elsewhere the page's animation frames poll the clock.
const perFrame = "requestVideoFrameCallback" in HTMLVideoElement.prototype;
function watch() {
  if (perFrame) video.requestVideoFrameCallback((now, meta) => check(meta.mediaTime));
  else requestAnimationFrame(() => check(video.currentTime));
}

function check(mediaTime) {
  if (stopAt === null) return;
  if (mediaTime + EARLY >= stopAt || video.ended) rest(step, true);
  else watch();
}

function next() {
  if (stopAt !== null) rest(step, true);  // playing: jump to the end of this step
  else if (!done) play(step);
  else if (step < ends.length) play(step + 1);
}

const back = () => rest(Math.max(1, step - 1), false);

function fullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else stage.requestFullscreen();
}

const KEYS = {
  ArrowRight: next, PageDown: next, " ": next, ArrowLeft: back, PageUp: back,
  Home: () => rest(1, false), End: () => rest(ends.length, true), f: fullscreen, F: fullscreen,
};
document.addEventListener("keydown", (e) => {
  const action = KEYS[e.key];
  if (!action || e.ctrlKey || e.altKey || e.metaKey) return;
  e.preventDefault();
  action();
});
video.addEventListener("click", next);
video.addEventListener("ended", () => check(video.currentTime));
items.forEach((li, i) => li.addEventListener("click", () => rest(i + 1, false)));
show(1, false, false);
"""


def _script_json(value: Any) -> str:
    """JSON that is safe inside <script>: no '<', '>' or '&' can end or open a tag."""
    text = json.dumps(value)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def slides_html(
    video_mp4: bytes,
    cues: list[Cue],
    title: str,
    lang: str = "en",
    *,
    poster_png: bytes | None = None,
    frame_rate: float = 15,
) -> str:
    """The whole page as text; every caption and the title HTML-escaped. The poster (the
    first step's finished frame) is what the page shows before anything plays; the
    captions are burned into the video, so the bar below shows only where you are."""
    ends = step_ends(cues)
    poster = ""
    if poster_png is not None:
        poster = ' poster="data:image/png;base64,' + base64.b64encode(poster_png).decode() + '"'

    ui = {"keys": tr("slides.keys", lang), "video": tr("slides.video", lang)}
    data_uri = "data:video/mp4;base64," + base64.b64encode(video_mp4).decode("ascii")
    outline = "\n".join(f"<li>{html.escape(c.text)}</li>" for c in cues)
    esc = html.escape
    return f"""<!DOCTYPE html>
<html lang="{esc(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
<style>{CSS}</style>
</head>
<body>
<header><h1>{esc(title)}</h1></header>
<main id="stage" class="ready">
<video id="video" aria-label="{esc(ui["video"])}" preload="auto" muted playsinline{poster}
 src="{data_uri}"></video>
<div id="bar"><span id="counter" aria-live="polite">1 / {len(ends)}</span>
<p id="keys">{esc(ui["keys"])}</p></div>
</main>
<ol id="outline">
{outline}
</ol>
<script id="step-ends" type="application/json">{_script_json(ends)}</script>
<script id="frame-rate" type="application/json">{_script_json(frame_rate)}</script>
<script>{JS}</script>
</body>
</html>
"""


def build_slides(video: Path, subtitles: Path, out: Path, title: str, lang: str = "en") -> None:
    """Write the slides page for a rendered MP4 and its .srt to ``out`` (atomically)."""
    cues = parse_srt(subtitles.read_text(encoding="utf-8"))
    poster, rate = _poster_and_rate(video, step_ends(cues)[0])
    page = slides_html(video.read_bytes(), cues, title, lang, poster_png=poster, frame_rate=rate)
    write_atomic(out, page.encode("utf-8"))


def _poster_and_rate(video: Path, first_end: float) -> tuple[bytes | None, float]:
    """The first step's last frame as PNG, and the frame rate; (None, 15) for a file that
    does not decode (the page then opens on the video's own first frame)."""
    import av

    try:
        with av.open(str(video)) as container:
            rate = float(container.streams.video[0].average_rate or 15)
        return frame_shown_at(video, first_end - 0.01), rate
    except (av.error.FFmpegError, IndexError, ValueError):
        return None, 15.0


SLIDE_FORMATS = ("html", "pptx")


def render_slides(
    entry: SceneEntry,
    trace: Trace,
    out: Path,
    options: RenderOptions,
    *,
    title: str | None = None,
    fmt: str = "html",
) -> Path:
    """Render the (verified) trace as an MP4 with subtitles in a temporary folder, then
    write the slides at ``out``: one HTML page, or a PowerPoint deck (``fmt="pptx"``)."""
    if fmt not in SLIDE_FORMATS:
        raise OutputError(f"--format: slides are one of {', '.join(SLIDE_FORMATS)} (got {fmt!r})")
    check_output_path(out, fmt)
    mp4_options = dataclasses.replace(options, fmt="mp4")
    with tempfile.TemporaryDirectory(prefix="explain-slides-") as folder:
        video = Path(folder) / f"{entry.name}.mp4"
        result = render_scene(entry, trace, video, mp4_options, force=True)
        if result.subtitles is None:
            raise ValueError(f"{entry.name}: the render wrote no subtitles to make steps of")
        if fmt == "pptx":
            from explain.scenes.app.pptx_deck import build_deck

            cues = parse_srt(result.subtitles.read_text(encoding="utf-8"))
            step_ends(cues)  # refuses captions without steps, or overlapping ones
            build_deck(video, cues, _duration(video), out, Path(folder))
        else:
            build_slides(video, result.subtitles, out, title or entry.name, options.lang)
    return out


def _duration(video: Path) -> float:
    import av

    with av.open(str(video)) as container:
        return float(container.duration or 0) / av.time_base
