"""End-to-end renders through the CLI, checked by metadata (codec, size, frames), not pixels."""

from __future__ import annotations

import io
from pathlib import Path

import av
import pytest
from PIL import Image
from typer.testing import CliRunner

from explain.scenes.cli import app

pytestmark = pytest.mark.render
runner = CliRunner()
LOW = (854, 480)


def render(tmp_path: Path, *args: str) -> Path:
    fmt = args[args.index("--format") + 1]
    out = tmp_path / f"conv-stride.{fmt}"
    result = runner.invoke(app, ["render", "conv-stride", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    assert f"wrote {out.with_suffix('')}" in result.stdout
    return out


def test_mp4_h264_at_480p15_with_chinese_subtitles(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "mp4", "--lang", "zh")
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        assert (stream.width, stream.height) == LOW
        assert abs(float(stream.average_rate) - 15) < 0.01
        frames = sum(1 for _ in container.decode(stream))
    duration = float(stream.duration * stream.time_base) if stream.duration else frames / 15
    assert 8 < duration < 30
    assert abs(frames - duration * 15) <= 2
    srt = out.with_suffix(".srt").read_text()
    assert "-->" in srt and "窗口" in srt  # the captions, in Chinese
    times = [line.split(" --> ") for line in srt.splitlines() if " --> " in line]
    assert len(times) >= 3
    assert all(start < end for start, end in times)
    assert all(times[i][1] <= times[i + 1][0] for i in range(len(times) - 1))  # in order
    names = sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith("."))
    assert names == ["conv-stride.mp4", "conv-stride.srt", "conv-stride.vtt"]
    vtt = out.with_suffix(".vtt").read_text()
    assert vtt.startswith("WEBVTT\n\n") and "窗口" in vtt
    vtt_times = [line.split(" --> ") for line in vtt.splitlines() if " --> " in line]
    assert vtt_times == [[t.replace(",", ".") for t in pair] for pair in times]


def test_gif_loops_with_a_palette_under_1mb(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "gif")
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.size == LOW
        assert gif.info.get("loop") == 0  # loops forever
        assert gif.mode == "P"  # palette image
        assert gif.n_frames > 50
    assert out.stat().st_size < 1_000_000


def test_small_gif_for_notes(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "gif", "--width", "480", "--fps", "10")
    with Image.open(out) as gif:
        assert gif.size == (480, 270)
        assert gif.info.get("duration") == 100  # ms per frame: 10 fps
        assert gif.info.get("loop") == 0


def test_png_stills_at_chosen_moments(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "png", "--frames", "3")
    stills = sorted(p for p in tmp_path.iterdir() if p.suffix == ".png")
    assert len(stills) == 3 and not out.exists()
    for still in stills:
        with Image.open(still) as png:
            assert png.size == LOW


def test_parallel_renders_do_not_collide(tmp_path: Path) -> None:
    from rich.console import Console

    from explain.scenes.app.batch import BatchItem, render_many

    args = ("--format", "png")
    items = [BatchItem(n, tmp_path / f"{n}.png", args) for n in ("conv-stride", "conv-padding")]
    results = render_many(items, jobs=2, console=Console(file=io.StringIO()))
    assert all(r.ok for r in results), [r.message for r in results]
    for item in items:
        with Image.open(item.out) as png:
            assert png.size == LOW


def test_png_is_the_last_frame(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "png")
    with Image.open(out) as png:
        assert png.format == "PNG" and png.size == LOW
        colours = png.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # drawn, not a blank frame


def test_mp4_carries_a_language_tagged_subtitle_track(tmp_path: Path) -> None:
    """Players toggle the captions: a mov_text track tagged zho (or eng), with every cue."""
    out = render(tmp_path, "--format", "mp4", "--lang", "zh")
    with av.open(str(out)) as container:
        (track,) = container.streams.subtitles
        assert track.codec_context.name == "mov_text"
        assert track.metadata.get("language") == "zho"
        # mov_text fills the gaps between captions with empty samples (2 bytes: no text)
        cues = sum(1 for packet in container.demux(track) if packet.size > 2)
    srt = out.with_suffix(".srt").read_text()
    assert cues == srt.count(" --> ")


def test_last_frame_png_is_opaque_unless_transparent(tmp_path: Path) -> None:
    """An opaque still carries no alpha channel; --transparent keeps one, see-through."""
    opaque = tmp_path / "a.png"
    see_through = tmp_path / "b.png"
    for out, extra in ((opaque, ()), (see_through, ("--transparent",))):
        args = ["render", "maxpool", "--format", "png", "--out", str(out), *extra]
        assert runner.invoke(app, args).exit_code == 0
    with Image.open(opaque) as image:
        assert image.mode == "RGB"
    with Image.open(see_through) as image:
        assert image.mode == "RGBA"
        assert image.getextrema()[3][0] == 0  # the background is transparent
