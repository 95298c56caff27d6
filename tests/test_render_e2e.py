"""End-to-end renders through the CLI, checked by metadata (codec, size, frames), not pixels."""

from __future__ import annotations

from pathlib import Path

import av
import pytest
from PIL import Image
from typer.testing import CliRunner

from scenes.cli import app

pytestmark = pytest.mark.render
runner = CliRunner()
LOW = (854, 480)


def render(tmp_path: Path, *args: str) -> Path:
    fmt = args[args.index("--format") + 1]
    out = tmp_path / f"conv-stride.{fmt}"
    result = runner.invoke(app, ["render", "conv-stride", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    return out


def test_mp4_h264_at_480p15_with_subtitles(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "mp4")
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
    assert "-->" in srt and "window" in srt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv-stride.mp4", "conv-stride.srt"]


def test_gif_loops_with_a_palette_under_1mb(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "gif")
    with Image.open(out) as gif:
        assert gif.format == "GIF"
        assert gif.size == LOW
        assert gif.info.get("loop") == 0  # loops forever
        assert gif.mode == "P"  # palette image
        assert gif.n_frames > 50
    assert out.stat().st_size < 1_000_000


def test_png_is_the_last_frame(tmp_path: Path) -> None:
    out = render(tmp_path, "--format", "png")
    with Image.open(out) as png:
        assert png.format == "PNG" and png.size == LOW
        colours = png.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # drawn, not a blank frame
