"""GIFs made from the frames as they are drawn (scenes/gif.py): the frames ffmpeg's fps
filter keeps, the bytes the old lossless-intermediate graph wrote (mapped to the palette in
one pass or in two halves), how long they last, and no ffmpeg left running or unreaped
after a failure or an interrupt."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from explain.scenes.app.render import RenderOptions, render_trace
from explain.scenes.cli import app
from explain.scenes.output import ffmpeg as ffmpeg_module
from explain.scenes.output import gif as gif_module
from explain.scenes.output.ffmpeg import ffmpeg_executable
from explain.scenes.output.gif import (
    PALETTE_FILTER,
    PALETTE_USE,
    SPLIT_FROM,
    GifError,
    GifWriter,
    _split_gif,
    gif_frame_index,
)
from explain.scenes.registry import get
from explain.scenes.topics.pool import PoolScene
from tests.conftest import build_trace
from tests.test_files import start_render, wait_for_media

pytestmark = [
    pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc"),
    pytest.mark.render,  # every test writes GIFs through ffmpeg
]
SIZE = (96, 64)  # (width, height) of the synthetic frames


def ffmpeg_processes(parent: int | None = None, mentioning: str | None = None) -> list[int]:
    """ffmpeg processes that are children of ``parent`` (zombies too: not yet reaped), or
    whose command line mentions ``mentioning``."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        ppid = int(text[text.rindex(")") + 2 :].split()[1])
        if "ffmpeg" not in comm:
            continue
        if (parent is not None and ppid == parent) or (mentioning and mentioning in cmdline):
            found.append(int(stat.parent.name))
    return found


def clip(n: int, seed: int = 0) -> list[tuple[np.ndarray, int]]:
    """``n`` frames, each with a repeat count: a square sliding over stripes, a hold now
    and then (as ``wait`` gives), a long hold at the end."""
    rng = np.random.default_rng(seed)
    width, height = SIZE
    base = np.zeros((height, width, 4), np.uint8)
    base[..., 3] = 255
    base[..., 0] = (np.arange(width) * 255 // width)[None, :]
    base[::8, :, 1] = 200
    frames = []
    for i in range(n):
        frame = base.copy()
        x, y = (5 * i) % (width - 16), (3 * i) % (height - 16)
        frame[y : y + 16, x : x + 16, :3] = rng.integers(0, 256, 3, dtype=np.uint8)
        frames.append((frame, int(rng.choice([1, 1, 1, 2, 7]))))
    frames[-1] = (frames[-1][0], 12)
    return frames


def old_graph_gif(
    frames: list[tuple[np.ndarray, int]], rate: int, fps: int, width: int | None, dest: Path
) -> None:
    """The GIF as the old path made it: every drawn frame, repeats too, at the scene's rate
    through the lossless intermediate's 4:4:4 YUV, then fps, scale and the palette graph in
    one ffmpeg (the removed ``mp4_to_gif``)."""
    raw = b"".join(frame.tobytes() * count for frame, count in frames)
    filters = ["format=yuv444p", f"fps={fps}"]
    if width:
        filters.append(f"scale={width}:-2:flags=lanczos")
    graph = ",".join([*filters, "split[a][b]"]) + f";[a]{PALETTE_FILTER}[p];[b][p]{PALETTE_USE}"
    cmd = [ffmpeg_executable(), "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "rgba"]
    cmd += ["-s", f"{SIZE[0]}x{SIZE[1]}", "-r", str(rate), "-i", "pipe:0"]
    cmd += ["-filter_complex", graph, "-loop", "0", str(dest)]
    subprocess.run(cmd, input=raw, check=True, capture_output=True)


def write_gif(
    frames: list[tuple[np.ndarray, int]], dest: Path, rate: int, fps: int, width: int | None = None
) -> GifWriter:
    writer = GifWriter(dest, dest.parent, size=SIZE, frame_rate=rate, fps=fps, width=width)
    with writer:
        for frame, count in frames:
            writer.add_frame(frame, count)
    return writer


def ffmpeg_fps_filter(n: int, rate: int, fps: int) -> list[int]:
    """Which of ``n`` frames at ``rate`` ffmpeg's ``fps=fps`` filter shows, in order."""
    frames = np.zeros((n, 4, 4, 3), np.uint8)
    frames[:, :, :, 0] = (np.arange(n) % 256)[:, None, None]
    frames[:, :, :, 1] = (np.arange(n) // 256)[:, None, None]
    cmd = [ffmpeg_executable(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "rgb24"]
    cmd += ["-s", "4x4", "-r", str(rate), "-i", "pipe:0", "-vf", f"fps={fps}"]
    cmd += ["-f", "rawvideo", "-pix_fmt", "rgb24", "pipe:1"]
    out = subprocess.run(cmd, input=frames.tobytes(), capture_output=True, check=True).stdout
    shown = np.frombuffer(out, np.uint8).reshape(-1, 4, 4, 3)
    return [int(f[0, 0, 0]) + 256 * int(f[0, 0, 1]) for f in shown]


@pytest.mark.parametrize(
    ("rate", "fps", "n"),
    [(15, 15, 9), (15, 10, 37), (60, 15, 61), (30, 7, 20), (15, 60, 5), (24, 10, 1)],
)
def test_frames_shown_are_those_of_ffmpegs_fps_filter(rate: int, fps: int, n: int) -> None:
    def index(i: int) -> int:
        return gif_frame_index(i, Fraction(rate), Fraction(fps))

    ours = [i for i in range(n) for _ in range(index(i + 1) - index(i))]
    assert ours == ffmpeg_fps_filter(n, rate, fps)


@pytest.mark.parametrize(
    ("rate", "fps", "width"), [(15, 15, None), (15, 10, None), (60, 15, None), (15, 15, 64)]
)
def test_gif_is_the_old_graphs_gif_byte_for_byte(
    tmp_path: Path, rate: int, fps: int, width: int | None
) -> None:
    frames = clip(40)
    writer = write_gif(frames, tmp_path / "new.gif", rate, fps, width)
    old_graph_gif(frames, rate, fps, width, tmp_path / "old.gif")
    assert (tmp_path / "new.gif").read_bytes() == (tmp_path / "old.gif").read_bytes()
    drawn = sum(count for _, count in frames)
    with Image.open(tmp_path / "new.gif") as gif:
        assert (
            gif.n_frames
            == writer.frames_out
            == gif_frame_index(drawn, Fraction(rate), Fraction(fps))
        )
        assert gif.info.get("loop") == 0
        assert gif.size == ((width, width * SIZE[1] // SIZE[0]) if width else SIZE)
    # The 60 fps clip (31 GIF frames) is mapped in one pass, the others in two halves.
    assert (writer.frames_out >= SPLIT_FROM) == (rate != 60)


@pytest.mark.parametrize("cut", ["middle", "first", "in-last-hold", "last"])
def test_gif_mapped_in_halves_is_the_one_pass_gif(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, cut: str
) -> None:
    frames = clip(12, seed=3)  # 30 GIF frames, the last 12 one held frame
    monkeypatch.setattr(gif_module, "SPLIT_FROM", 10**9)
    write_gif(frames, tmp_path / "one.gif", 15, 15)
    monkeypatch.setattr(gif_module, "SPLIT_FROM", 2)
    cuts = {"first": 1, "in-last-hold": 24, "last": 29}
    if cut in cuts:
        monkeypatch.setattr(GifWriter, "_middle", lambda self: cuts[cut])
    writer = write_gif(frames, tmp_path / "halves.gif", 15, 15)
    assert writer.frames_out == 30
    data = (tmp_path / "halves.gif").read_bytes()
    assert data == (tmp_path / "one.gif").read_bytes()
    head, gif_frames, tail = _split_gif(data)
    assert head + b"".join(gif_frames) + tail == data and len(gif_frames) == 30
    assert tail == b";"


def test_an_interrupt_while_mapping_kills_and_reaps_both_ffmpegs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wait = subprocess.Popen.wait
    mapping: list[subprocess.Popen[bytes]] = []

    def interrupted_wait(proc: subprocess.Popen[bytes], timeout: float | None = None) -> int:
        if "paletteuse" in " ".join(proc.args) and proc not in mapping:  # type: ignore[arg-type]
            mapping.append(proc)
            if len(mapping) == 1:  # both are running: they start before either is waited for
                raise KeyboardInterrupt
        return wait(proc, timeout)

    monkeypatch.setattr(subprocess.Popen, "wait", interrupted_wait)
    dest = tmp_path / "x.gif"
    with pytest.raises(KeyboardInterrupt):
        write_gif(clip(40), dest, 15, 15)
    assert len(mapping) == 2 and all(proc.returncode is not None for proc in mapping)
    assert ffmpeg_processes(parent=os.getpid()) == []  # neither running nor a zombie
    assert not dest.exists()


def zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True  # reaped already
    return stat[stat.rindex(")") + 2] == "Z"


def raised_within(seconds: float, action: Callable[[], None]) -> BaseException | None:
    """What ``action`` raised, run in a thread so that a hang fails the test instead of
    stalling it."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as err:
            raised.append(err)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s: a hang"
    return raised[0] if raised else None


@pytest.mark.parametrize("ffmpeg_died_first", [False, True])
def test_an_exception_in_the_render_kills_and_reaps_ffmpeg(
    tmp_path: Path, ffmpeg_died_first: bool
) -> None:
    dest = tmp_path / "x.gif"
    writer = GifWriter(dest, tmp_path, size=SIZE, frame_rate=15, fps=15)

    def draw_then_fail() -> None:
        with writer:
            for frame, count in clip(10):
                writer.add_frame(frame, count)
            pids = ffmpeg_processes(parent=os.getpid())
            assert pids, "ffmpeg is not running"
            if ffmpeg_died_first:
                # ffmpeg ends while the feeding thread waits for a frame (as when a
                # terminal's Ctrl-C reaches it too): that thread's writes fail only after
                # it has taken the end marker.
                time.sleep(0.5)
                os.kill(pids[0], signal.SIGKILL)
                end = time.monotonic() + 10
                while not zombie(pids[0]) and time.monotonic() < end:
                    time.sleep(0.01)
            raise RuntimeError("drawing failed")

    assert str(raised_within(30, draw_then_fail)) == "drawing failed"
    assert ffmpeg_processes(parent=os.getpid()) == []
    assert not dest.exists()


def test_ffmpeg_dying_midway_stops_the_render_with_its_message(tmp_path: Path) -> None:
    writer = GifWriter(tmp_path / "x.gif", tmp_path, size=SIZE, frame_rate=15, fps=15)
    frames = clip(200)

    def draw() -> None:
        with writer:
            writer.add_frame(*frames[0])
            for pid in ffmpeg_processes(parent=os.getpid()):
                os.kill(pid, signal.SIGKILL)
            for frame, count in frames[1:]:  # the next frames notice it
                writer.add_frame(frame, count)

    raised = raised_within(30, draw)
    assert isinstance(raised, GifError) and "ffmpeg" in str(raised), raised
    assert ffmpeg_processes(parent=os.getpid()) == []
    assert not (tmp_path / "x.gif").exists()


def test_frames_of_another_size_are_refused(tmp_path: Path) -> None:
    writer = GifWriter(tmp_path / "x.gif", tmp_path, size=(64, 64), frame_rate=15, fps=15)
    with pytest.raises(GifError, match=r"expected \(64, 64, 4\)"), writer:
        writer.add_frame(clip(1)[0][0], 1)
    assert ffmpeg_processes(parent=os.getpid()) == []


class FailsAfterHalfASecond(PoolScene):
    """maxpool, failing once half a second is drawn (``wait`` plays too)."""

    def play(self, *args: Any, **kwargs: Any) -> None:
        if self.renderer.time > 0.5:
            raise RuntimeError("drawing failed")
        super().play(*args, **kwargs)


def test_a_failed_gif_render_leaves_neither_file_nor_ffmpeg(tmp_path: Path) -> None:
    entry = dataclasses.replace(get("maxpool"), scene="tests.test_gif:FailsAfterHalfASecond")
    out = tmp_path / "pool.gif"
    out.write_bytes(b"previous")
    with pytest.raises(RuntimeError, match="drawing failed"):
        render_trace(entry, build_trace("maxpool"), out, RenderOptions(fmt="gif"))
    assert ffmpeg_processes(parent=os.getpid()) == []
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["pool.gif"]


def test_ffmpeg_failure_is_one_line_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'Unknown encoder qtrle' >&2\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(ffmpeg_module, "ffmpeg_executable", lambda: str(fake))
    out = tmp_path / "pool.gif"
    result = CliRunner().invoke(app, ["render", "maxpool", "--out", str(out), "--force"])
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "GifError" in lines[0] and "Unknown encoder qtrle" in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ffmpeg"]


def test_gif_lasts_as_long_as_the_mp4_with_no_subtitles(tmp_path: Path) -> None:
    runner = CliRunner()
    for fmt in ("mp4", "gif"):
        out = tmp_path / fmt / f"maxpool.{fmt}"
        out.parent.mkdir()
        result = runner.invoke(app, ["render", "maxpool", "--format", fmt, "--out", str(out)])
        assert result.exit_code == 0, result.output
    with av.open(str(tmp_path / "mp4" / "maxpool.mp4")) as container:
        stream = container.streams.video[0]
        mp4_frames = sum(1 for _ in container.decode(stream))
    with Image.open(tmp_path / "gif" / "maxpool.gif") as gif:
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert abs(len(durations) - mp4_frames) <= 1  # both at 15 fps
    assert abs(sum(durations) / 1000 - mp4_frames / 15) <= 1 / 15
    written = [p.name for p in (tmp_path / "gif").iterdir() if not p.name.startswith(".")]
    assert written == ["maxpool.gif"]  # no subtitles


def test_gif_of_a_3d_scene(tmp_path: Path) -> None:
    out = tmp_path / "saddle.gif"
    args = ["render", "saddle-3d", "--format", "gif", "--width", "320", "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    with Image.open(out) as gif:
        assert gif.size == (320, 180) and gif.info.get("loop") == 0
        assert gif.n_frames > 100  # about 10 s at 15 fps, every frame drawn
        first = np.asarray(gif.convert("RGB"))
        gif.seek(gif.n_frames - 1)
        last = np.asarray(gif.convert("RGB"))
    assert np.abs(first.astype(int) - last).mean() > 5  # the surface moved and turned


def test_interrupted_gif_render_kills_ffmpeg_and_keeps_previous_output(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "conv.gif"
    out.write_bytes(b"previous render")
    proc = start_render(out, tmpdir, "--format", "gif")
    wait_for_media(tmpdir, proc)
    end = time.monotonic() + 30
    while not ffmpeg_processes(mentioning=str(tmpdir)) and time.monotonic() < end:
        time.sleep(0.05)
    assert ffmpeg_processes(mentioning=str(tmpdir)), "ffmpeg never started"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and b"Traceback" not in err
    assert ffmpeg_processes(mentioning=str(tmpdir)) == []
    assert out.read_bytes() == b"previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv.gif", "tmp"]
    assert list(tmpdir.glob("explain-media-*")) == []  # its media folder is gone
