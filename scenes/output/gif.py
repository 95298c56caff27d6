"""Looping palette GIFs made from the frames as the scene draws them.

A GIF's palette is made for the whole clip, so no GIF frame can be written before the
last one is drawn. Earlier, Manim encoded a lossless H.264 file and ffmpeg read it after
the render (palettegen, then paletteuse): 0.7 to 4.4 s on top of the MP4's time, and at
1080p ffmpeg held every frame of the clip in memory (2.1 GB for conv-stride).

Now the frames go to an ffmpeg that works on the other core while the scene draws: it
gathers the palette's statistics and keeps the frames in a QuickTime Animation (qtrle)
file, which is lossless and stores only the rows that changed (conv-stride: 5 MB). When the
render ends, two more ffmpegs map that file to the palette, one half of the clip each, on
both cores at once, and the halves are joined into the bytes one pass would have written.
That is all that is left after the render: about 0.3 s for conv-stride at 480p, where
one ffmpeg mapping the file's frames stored as rgb24 took 0.45 s. Memory stays bounded: a
few queued frames here, one frame's working set in each ffmpeg.

Each drawn frame is sent once, with the number of GIF frames it lasts (a ``wait`` is one
frame shown many times), in a NUT stream, which carries timestamps as raw video cannot;
ffmpeg repeats it after converting it, so a held frame costs one conversion.

The GIF is made as the lossless intermediate's was: the frames take the same 4:4:4 YUV
round trip (its rounding merges nearly equal colours: exact RGB made conv-stride's GIF
2.7 % larger), the same frames are kept as by ffmpeg's ``fps`` filter, and the scaling and
palette filters are the same. At the scene's own frame rate (the default) real scenes came
out byte for byte the same; at a lower ``--fps`` some palettes differ by a few levels (the
gallery's 10 fps GIFs: 7 of 25 changed, each within 1 % in size).
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from explain.scenes.output import children, ffmpeg
from explain.scenes.output.frame_sink import FrameSink, end_queue

PALETTE_FILTER = "palettegen=stats_mode=diff"  # counts the colours of changing pixels only
PALETTE_USE = "paletteuse=dither=bayer:bayer_scale=5:diff_mode=rectangle"
# Frames drawn but not yet taken by ffmpeg: enough to ride out its slower moments, few
# enough not to matter in memory (4 x 8 MB at 1080p).
QUEUED_FRAMES = 4
# The pipe to the collecting ffmpeg. Through Linux's default of 64 KB ffmpeg takes a 480p
# frame (1.6 MB) in 26 reads, each waiting for the next write, and the writer waits while
# ffmpeg converts the frame before: fed as fast as it could take them, ffmpeg took 1.7 s
# for rnn-unroll's frames, 1.2 s through 1 MB. 1 MB is the most an unprivileged process
# may ask for (/proc/sys/fs/pipe-max-size).
PIPE_BYTES = 1 << 20
# GIF frames from which the pass after the render is split in two halves, run at once: for
# a shorter clip a second ffmpeg's start (0.06 s) would take most of what it saves.
SPLIT_FROM = 60


class GifError(RuntimeError):
    """ffmpeg could not make the GIF; the message is one line."""


def gif_frame_index(frame: int, frame_rate: Fraction, fps: Fraction) -> int:
    """The first GIF frame at or after the start of drawn frame ``frame``.

    As ffmpeg's ``fps`` filter counts (tests/test_gif.py compares them): a drawn frame's
    start, in GIF frames, rounded half up; each GIF frame shows the last drawn frame that
    starts at or before it. Drawn frame ``i`` is therefore shown
    ``gif_frame_index(i + 1) - gif_frame_index(i)`` times, possibly none.
    """
    return int(frame * fps / frame_rate + Fraction(1, 2))


class GifWriter(FrameSink):
    """Frames in (``add_frame``), a looping GIF with a palette made for the clip out.

    Use it as a context manager around ``scene.render()``: leaving it normally writes
    ``dest``; leaving it by an exception (a failed render, Ctrl-C, SIGTERM) kills and reaps
    ffmpeg and writes nothing. ``work_dir`` receives the palette, the frames file and
    ffmpeg's messages; it belongs to the caller (a render's private media folder).
    """

    def __init__(
        self,
        dest: Path,
        work_dir: Path,
        *,
        size: tuple[int, int],
        frame_rate: float,
        fps: int,
        width: int | None = None,
    ) -> None:
        self.dest = dest
        self.size = size  # (width, height) of the drawn frames
        self.frame_rate = Fraction(frame_rate).limit_denominator(1001)
        self.fps = Fraction(fps)
        self.width = width  # of the GIF, scaled with lanczos; None: the frames' width
        self.work_dir = work_dir
        self.palette = work_dir / "palette.png"
        self.frames_file = work_dir / "frames.mov"
        self.log = work_dir / "ffmpeg.log"
        self.frames_in = 0  # frames drawn, repeats included
        self.frames_out = 0  # GIF frames
        self._proc: subprocess.Popen[bytes] | None = None
        self._queue: queue.Queue[av.VideoFrame | None] = queue.Queue(QUEUED_FRAMES)
        self._thread: threading.Thread | None = None
        self._feed_error: Exception | None = None
        self._end_taken = False  # the feeding thread took the end marker off the queue

    def start(self) -> None:
        """Start the ffmpeg that collects the frames, before the first one is drawn, and
        the thread that feeds it: a write blocks while ffmpeg is busy, and the scene should
        go on drawing meanwhile."""
        with self.log.open("wb") as log:  # a file: a pipe nobody reads could fill and block
            self._proc = children.spawn(
                self._collect_command(),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,  # not the caller's: a reader waits for its end
                stderr=log,
            )
        try:
            assert self._proc.stdin is not None
            _widen_pipe(self._proc.stdin.fileno())
            self._thread = threading.Thread(target=self._feed, name="gif-frames", daemon=True)
            self._thread.start()
        except BaseException:  # Ctrl-C too: __exit__ does not run when __enter__ fails
            self.abort()
            raise

    def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None:
        """A frame listener: ``frame`` (H, W, 4) uint8 RGBA is shown ``num_frames`` times
        at the scene's frame rate. Frames the GIF does not show are not sent."""
        if self._feed_error is not None:
            raise GifError(self._failure("ffmpeg stopped taking frames"))
        first = gif_frame_index(self.frames_in, self.frame_rate, self.fps)
        self.frames_in += num_frames
        count = gif_frame_index(self.frames_in, self.frame_rate, self.fps) - first
        if count <= 0:
            return
        width, height = self.size
        if frame.shape != (height, width, 4) or frame.dtype != np.uint8:
            shape = f"{frame.shape} {frame.dtype}"
            raise GifError(f"a frame of shape {shape}, expected ({height}, {width}, 4) uint8")
        # Not copied: the renderer hands each frame over as a fresh array, unchanged after
        # this call (Mp4Writer queues them as they are too), and ffmpeg's frame keeps it
        # alive. A copy (from_ndarray) took 0.85 ms a frame at 480p in the drawing thread,
        # which waits for it: two fresh 1.6 MB buffers.
        frame = np.ascontiguousarray(frame)
        try:
            video = av.VideoFrame.from_numpy_buffer(frame, format="rgba")
        except ValueError:  # a PyAV that cannot wrap rgba: a copy, as before
            video = av.VideoFrame.from_ndarray(frame, format="rgba")
        video.pts, video.duration, video.time_base = first, count, 1 / self.fps
        self.frames_out += count
        self._queue.put(video)

    def finish(self) -> None:
        """Wait for ffmpeg to store the frames and the palette, then write ``dest``."""
        proc = self._stop_feeding()
        self._close_pipe()
        code = proc.wait()
        if self.frames_out == 0:
            raise GifError("the scene drew no frames")
        if code != 0 or self._feed_error is not None:
            raise GifError(self._failure("ffmpeg could not collect the frames"))
        try:
            if self.frames_out < SPLIT_FROM:
                self._map_frames([(None, None, self.dest)])
            else:
                self.dest.write_bytes(self._map_halves())
        except BaseException:
            self.dest.unlink(missing_ok=True)
            raise

    def _map_halves(self) -> bytes:
        """The GIF, mapped to the palette in two halves at once, one on each core (the
        render is over, so both are free): rnn-unroll's pass took 0.5 s, its halves 0.3 s.

        The halves' bytes are those of one pass over the clip. Bayer dithering maps a
        pixel by its colour and position alone, so a frame maps the same whatever came
        before it (``diff_mode=rectangle`` only skips pixels that would map the same).
        The GIF encoder stores a frame as its difference to the one before, and the
        muxer gives a frame the delay until the next: so each half takes one frame
        beyond the cut, which only settles its neighbour's bytes and is then dropped.
        """
        n, cut = self.frames_out, self._middle()
        halves = [self.work_dir / "half-0.gif", self.work_dir / "half-1.gif"]
        self._map_frames([(None, cut + 1, halves[0]), (cut - 1, None, halves[1])])
        head, first, _ = _split_gif(halves[0].read_bytes())
        _, second, tail = _split_gif(halves[1].read_bytes())
        if len(first) != cut + 1 or len(second) != n - cut + 1:
            counts = f"{len(first)} + {len(second)}"
            raise GifError(f"ffmpeg wrote {counts} GIF frames, expected {cut + 1} + {n - cut + 1}")
        return head + b"".join(first[:-1]) + b"".join(second[1:]) + tail

    def _middle(self) -> int:
        """The GIF frame that splits the mapping's work in halves: where half the frames
        file's bytes are behind. Its packets hold the rows that changed, which the
        mapping (``diff_mode=rectangle``) and the GIF's encoding mostly spend their time
        on: rnn-unroll's first half of frames holds 58 % of them."""
        n = self.frames_out
        with av.open(str(self.frames_file)) as container:  # a few ms: packets, not frames
            sizes = [packet.size for packet in container.demux(video=0) if packet.size]
        if len(sizes) != n:  # one packet per GIF frame, repeats too; if not, by count
            return n // 2
        half, behind = sum(sizes) / 2, 0
        for i, size in enumerate(sizes):
            behind += size
            if behind >= half:
                return min(max(i, 1), n - 1)  # each half needs a frame of its own
        return n // 2

    def _map_frames(self, spans: list[tuple[int | None, int | None, Path]]) -> None:
        """Map spans of GIF frames (first, end: None for the clip's) to the palette, each
        into its file, one ffmpeg per span, all at once."""
        cmds = []
        for first, end, gif in spans:
            trim = [f"start_frame={first}"] if first is not None else []
            trim += [f"end_frame={end}"] if end is not None else []
            frames = f"[0:v]trim={':'.join(trim)}[f];[f]" if trim else "[0:v]"
            cmd = [ffmpeg.ffmpeg_executable(), "-v", "error", "-nostdin", "-y"]
            cmd += ["-i", str(self.frames_file), "-i", str(self.palette)]
            cmd += ["-filter_complex", f"{frames}[1:v]{PALETTE_USE}", "-loop", "0", str(gif)]
            cmds.append(cmd)
        logs = [self.work_dir / f"paletteuse-{i}.log" for i in range(len(spans))]
        for code, log in zip(_run_together(cmds, logs), logs, strict=True):
            if code != 0:
                reason = _last_line(log.read_bytes()) or f"exit code {code}"
                raise GifError(f"ffmpeg could not write the GIF: {reason}")

    def abort(self) -> None:
        """Kill and reap ffmpeg, end the feeding thread; nothing is written. Safe at any
        point after ``start``, and more than once."""
        if self._proc is None:
            return
        self._proc.kill()  # the feeding thread's blocked write then fails at once
        if self._thread is not None and self._thread.ident is not None:  # started
            self._stop_feeding(drop=True)
        self._close_pipe()
        self._proc.wait()

    def _collect_command(self) -> list[str]:
        """ffmpeg: NUT on stdin -> palette.png (statistics) and frames.mov (the frames)."""
        chain = ["format=yuv444p"]  # the old intermediate's colours: see the module docstring
        if self.width:
            chain.append(f"scale={self.width}:-2:flags=lanczos")
        # Each drawn frame is converted once, to the old graph's bgra. The palette's
        # statistics take each drawn frame once: with stats_mode=diff a repeat adds nothing.
        # The frames file takes them repeated to the GIF's rate, converted to qtrle's argb
        # before the fps filter: its repeats are then references to one image. Converted
        # after it, each repeat would be an image of its own, and ffmpeg queues all the
        # repeats of a frame at once (conv-stride's last hold, 30 frames: 250 MB at 1080p).
        # argb, not qtrle's rgb24: the pass after the render turns it back into bgra for
        # paletteuse by a byte shuffle, where rgb24 took a conversion costing a third of
        # that pass (rnn-unroll: 0.2 of 0.65 s); the file is 25 % larger.
        chain += ["format=bgra", "split[a][b]"]
        graph = ",".join(chain) + f";[a]{PALETTE_FILTER}[p];[b]format=argb,fps={self.fps}[v]"
        cmd = [ffmpeg.ffmpeg_executable(), "-v", "error", "-y", "-f", "nut", "-i", "pipe:0"]
        cmd += ["-filter_complex", graph, "-map", "[p]", str(self.palette)]
        cmd += ["-map", "[v]", "-c:v", "qtrle", str(self.frames_file)]
        return cmd

    def _feed(self) -> None:
        """The feeding thread. After a failure it still takes frames off the queue (and
        drops them) until the end marker, so that the scene never waits on a queue nobody
        empties; the failure is raised by ``add_frame`` at the next frame, or by
        ``finish``. (The failure may also come after the end marker, when the stream's
        end is written to an ffmpeg killed by ``abort``.)"""
        try:
            self._mux_frames()
        except Exception as err:  # BrokenPipeError when ffmpeg exited; raised elsewhere
            self._feed_error = err
            while not self._end_taken:  # a second wait for it would never end
                self._take()

    def _take(self) -> av.VideoFrame | None:
        """The next queued frame, or None: the end, after which nothing is queued."""
        video = self._queue.get()
        if video is None:
            self._end_taken = True
        return video

    def _mux_frames(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        # FFmpeg writes to the pipe's descriptor itself, with the GIL released (PyAV's
        # mux). Through a Python file object every 32 KB written would need the GIL,
        # which the drawing thread holds.
        container = av.open(f"pipe:{self._proc.stdin.fileno()}", mode="w", format="nut")
        try:
            stream = container.add_stream("rawvideo", rate=self.fps)
            stream.width, stream.height = self.size
            stream.pix_fmt = "rgba"
            last = None
            while (video := self._take()) is not None:
                container.mux(stream.encode(video))
                last = video
            if last is not None and last.pts is not None and last.duration > 1:
                # ffmpeg's fps filter ends the clip where the last frame starts, so a
                # held last frame is sent again at the last GIF frame it is shown in.
                last.pts, last.duration = last.pts + last.duration - 1, 1
                container.mux(stream.encode(last))
            container.mux(stream.encode(None))
        finally:
            container.close()

    def _stop_feeding(self, *, drop: bool = False) -> subprocess.Popen[bytes]:
        """Tell the feeding thread that no frame follows and wait for it to end; with
        ``drop``, frames still queued are dropped, not sent."""
        assert self._proc is not None and self._thread is not None
        end_queue(self._queue, self._thread, drop=drop)
        return self._proc

    def _close_pipe(self) -> None:
        assert self._proc is not None and self._proc.stdin is not None
        # End of input: ffmpeg finishes its files. OSError: ffmpeg is gone already, and its
        # exit code says why.
        with contextlib.suppress(OSError):
            self._proc.stdin.close()

    def _failure(self, what: str) -> str:
        """``what``, with ffmpeg's last message or the feeding thread's error."""
        try:
            detail = _last_line(self.log.read_bytes())
        except OSError:
            detail = ""
        if not detail and self._feed_error is not None:
            detail = f"{type(self._feed_error).__name__}: {self._feed_error}"
        return f"{what}: {detail}"[:300] if detail else what


def _widen_pipe(fd: int) -> None:
    """Give the pipe ``fd`` writes to ``PIPE_BYTES`` where the system lets us (Linux)."""
    with contextlib.suppress(ImportError, AttributeError, OSError):  # else the default
        import fcntl

        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _run_together(cmds: list[list[str]], logs: list[Path]) -> list[int]:
    """Run the commands at once, each one's messages going to its log; their exit codes.
    An interrupt (or any failure) kills and reaps those still running."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        for cmd, log in zip(cmds, logs, strict=True):
            with log.open("wb") as err:  # a file: a pipe could fill while another is waited for
                procs.append(
                    children.spawn(
                        cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err
                    )
                )
        return [proc.wait() for proc in procs]
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                proc.wait()


def _split_gif(data: bytes) -> tuple[bytes, list[bytes], bytes]:
    """A GIF's bytes as its head (header, screen and palette, the loop extension), its
    frames (each an image with the extensions before it: its delay) and its end."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        raise GifError("ffmpeg wrote no GIF")
    head_end: int | None = None
    frames = []
    try:
        pos = start = 13 + _table_size(data[10])
        while data[pos] != 0x3B:  # the trailer
            if head_end is None and (data[pos] == 0x2C or data[pos : pos + 2] == b"\x21\xf9"):
                head_end = start = pos  # the first frame's delay, or its image
            if data[pos] == 0x21:  # an extension: introducer, label, sub-blocks
                pos = _skip_sub_blocks(data, pos + 2)
            elif data[pos] == 0x2C:  # an image: descriptor, palette, LZW code size, data
                pos = _skip_sub_blocks(data, pos + 11 + _table_size(data[pos + 9]))
                frames.append(data[start:pos])
                start = pos
            else:
                raise GifError(f"ffmpeg's GIF has a byte {data[pos]:#x} at {pos}")
    except IndexError:
        raise GifError("ffmpeg's GIF is cut short") from None
    if head_end is None:
        raise GifError("ffmpeg's GIF has no frame")
    return data[:head_end], frames, data[start:]


def _table_size(flags: int) -> int:
    """Bytes of the colour table that ``flags`` (a screen's or an image's) announce."""
    return 3 << ((flags & 7) + 1) if flags & 0x80 else 0


def _skip_sub_blocks(data: bytes, pos: int) -> int:
    """The position after the sub-blocks that start at ``pos``."""
    while data[pos]:
        pos += data[pos] + 1
    return pos + 1


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode(errors="replace").splitlines()]
    lines = [line for line in lines if line]
    return lines[-1][:200] if lines else ""
