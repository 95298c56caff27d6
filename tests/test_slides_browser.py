"""The slides page in a real browser: Debian's Chromium, driven by Playwright.

At every pause the page must rest inside the step it just played, never having shown a
frame of the next one (no overshoot), and the frame on screen must be the step's last
frame as the MP4 holds it (decoded independently with PyAV). Before anything plays the
page shows its poster, the first step's finished frame.
"""

from __future__ import annotations

import base64
import io
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image

from explain.scenes.app.render import RenderOptions, render_scene
from explain.scenes.app.slides import build_slides
from explain.scenes.output.stills import frame_shown_at
from explain.scenes.output.subtitles import parse_srt, step_ends
from explain.scenes.registry import get
from tests.conftest import build_trace

pytestmark = pytest.mark.render

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root and offline: no sandbox, and no background connections to refused hosts.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
# Records the media time of every frame the video presents.
LOG_FRAMES = """
window.__shown = [];
document.addEventListener("DOMContentLoaded", () => {
  const video = document.getElementById("video");
  const log = (now, meta) => {
    window.__shown.push(meta.mediaTime);
    video.requestVideoFrameCallback(log);
  };
  video.requestVideoFrameCallback(log);
});
"""
GRAB_FRAME = """() => {
  const video = document.getElementById("video");
  const canvas = document.createElement("canvas");
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  canvas.getContext("2d").drawImage(video, 0, 0);
  return canvas.toDataURL("image/png");
}"""


@pytest.fixture(scope="module")
def slides(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, list[float]]:
    """conv-stride at low quality: the page, its MP4 and the steps' end times."""
    folder = tmp_path_factory.mktemp("slides")
    video = folder / "conv-stride.mp4"
    result = render_scene(get("conv-stride"), build_trace("conv-stride"), video, RenderOptions())
    assert result.subtitles is not None
    page = folder / "conv-stride.html"
    build_slides(video, result.subtitles, page, "conv-stride")
    return page, video, step_ends(parse_srt(result.subtitles.read_text(encoding="utf-8")))


def pixels(png: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(png)) as image:
        return np.asarray(image.convert("RGB"), dtype=np.float64)


def shown_frame(page: Any) -> np.ndarray:
    data_url: str = page.evaluate(GRAB_FRAME)
    return pixels(base64.b64decode(data_url.split(",", 1)[1]))


def difference(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a - b).mean())


def test_every_pause_rests_on_its_steps_last_frame(slides: tuple[Path, Path, list[float]]) -> None:
    sync_playwright = pytest.importorskip("playwright.sync_api").sync_playwright
    page_file, video, ends = slides
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1100, "height": 900})
            page.add_init_script(LOG_FRAMES)
            page.goto(page_file.as_uri())
            page.wait_for_function("document.getElementById('video').readyState >= 2")
            poster = page.get_attribute("#video", "poster") or ""
            first_end = pixels(frame_shown_at(video, ends[0] - 0.01))
            assert difference(pixels(base64.b64decode(poster.split(",", 1)[1])), first_end) < 1
            for k in range(1, len(ends) + 1):
                page.evaluate("window.__shown = []")
                page.keyboard.press("ArrowRight")
                page.wait_for_function(
                    "([k]) => document.getElementById('stage').dataset.state === 'end'"
                    " && document.getElementById('counter').textContent.startsWith(k + ' /')",
                    arg=[k],
                    timeout=30_000,
                )
                check_pause(page, video, ends, k)
        finally:
            browser.close()


def check_pause(page: Any, video: Path, ends: list[float], k: int) -> None:
    """Resting after step ``k``: inside it, nothing of step k+1 shown, its last frame."""
    start = 0.0 if k == 1 else ends[k - 2]
    now = page.evaluate("document.getElementById('video').currentTime")
    shown = page.evaluate("window.__shown")
    assert shown, f"step {k}: no frame was presented"
    if k < len(ends):
        assert start <= now < ends[k - 1], f"step {k} rests at {now:.3f} s"
        assert max(shown) < ends[k - 1], f"step {k} showed {max(shown):.3f} s, past its end"
    expected = pixels(frame_shown_at(video, now))
    on_screen = shown_frame(page)
    assert on_screen.shape == expected.shape
    # Colour conversion differs a little between the browser and PyAV; another frame of
    # a scene that moves differs far more.
    assert difference(on_screen, expected) < 3, f"step {k}: not the frame at {now:.3f} s"
