"""Faults around the process (issue 21): stdout full, closed or a broken pipe for every
command that prints; batches killed (SIGKILL), interrupted (SIGINT) or terminated (SIGTERM)
while their renders and ffmpegs run; and the per-scene progress a batch reads from them.

No wall-clock assertion: a wait for processes to go polls with a generous timeout.
"""

from __future__ import annotations

import errno
import io
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from explain.scenes.app.progress import (
    FrameBar,
    ProgressLines,
    parse_progress_line,
    progress_line,
)
from explain.scenes.output import children
from explain.scenes.output.stamp import holds, read_stamp

EXPLAIN = [sys.executable, "-P", "-m", "explain.scenes.cli"]
GONE_TIMEOUT = 90.0  # seconds a test waits for processes to end; far above what they take


# --- stdout --------------------------------------------------------------------------------


def run_with_stdout(args: list[str], how: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    """``explain ARGS`` with stdout ``full`` (/dev/full), ``closed`` (>&-) or ``pipe`` (a
    pipe whose reader is already gone: the first write is a broken pipe)."""
    cmd = [*EXPLAIN, *args]
    if how == "closed":  # as a shell does it, so that Python starts without a stdout
        cmd = ["sh", "-c", 'exec "$@" >&-', "sh", *cmd]
        return subprocess.run(cmd, stderr=subprocess.PIPE, cwd=cwd, timeout=300)
    if how == "full":
        with open("/dev/full", "wb") as full:
            return subprocess.run(cmd, stdout=full, stderr=subprocess.PIPE, cwd=cwd, timeout=300)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(cmd, stdout=write_end, stderr=subprocess.PIPE, cwd=cwd, timeout=300)
    finally:
        os.close(write_end)


REASONS = {"full": "No space left on device", "closed": "Bad file descriptor"}
LIGHT_COMMANDS = [
    ["list"],
    ["info", "conv-stride"],
    ["--version"],
    ["--help"],
    ["render", "--help"],
    ["--show-completion", "bash"],
    ["trace", "conv-single"],
]


def assert_stdout_failure(done: subprocess.CompletedProcess[bytes], how: str) -> None:
    err = done.stderr.decode(errors="replace")
    assert done.returncode == 1, err
    assert "Traceback" not in err and "Exception ignored" not in err, err
    if how == "pipe":
        assert err == ""  # a broken pipe is a quiet exit, as `head` expects
    else:
        assert err.splitlines() == [f"error: cannot write to stdout: {REASONS[how]}"]


@pytest.mark.parametrize("how", ["full", "closed", "pipe"])
@pytest.mark.parametrize("args", LIGHT_COMMANDS, ids=" ".join)
def test_every_printing_command_treats_stdout_failures_as_unix_tools_do(
    args: list[str], how: str, tmp_path: Path
) -> None:
    assert_stdout_failure(run_with_stdout(args, how, tmp_path), how)


class FailingStream(io.StringIO):
    def __init__(self, error: int) -> None:
        super().__init__()
        self.error = error

    def flush(self) -> None:
        raise OSError(self.error, os.strerror(self.error))


@pytest.mark.parametrize(("error", "said"), [(errno.ENOSPC, True), (errno.EPIPE, False)])
def test_in_process_the_handler_reports_and_gives_stdout_back(
    error: int, said: bool, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from explain.scenes.cli import main

    failing = FailingStream(error)
    monkeypatch.setattr(sys, "stdout", failing)
    with pytest.raises(SystemExit) as exit_info:
        main(["list"])
    assert exit_info.value.code == 1
    assert sys.stdout is failing  # given back; descriptor 1 untouched when called so
    expected = [f"error: cannot write to stdout: {os.strerror(error)}"] if said else []
    assert capsys.readouterr().err.splitlines() == expected


@pytest.fixture(scope="module")
def rendered_still(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """A small render done once: the stdout tests repeat it, and it prints "up to date"."""
    out = tmp_path_factory.mktemp("still") / "conv-single.png"
    args = ["render", "conv-single", "--format", "png", "--at", "0.5", "--out", str(out)]
    subprocess.run([*EXPLAIN, *args], check=True, capture_output=True, timeout=300)
    return args


@pytest.mark.render
@pytest.mark.parametrize("how", ["full", "pipe"])
def test_a_renders_summary_and_a_plots_report_fail_the_same_way(
    how: str, tmp_path: Path, rendered_still: list[str]
) -> None:
    assert_stdout_failure(run_with_stdout(rendered_still, how, tmp_path), how)
    plot = ["plot", "linear-loss", "--out", str(tmp_path / "loss.png")]
    assert_stdout_failure(run_with_stdout(plot, how, tmp_path), how)
    assert (tmp_path / "loss.png").exists()  # the work is done; only the report failed


# --- children tied to their parent ---------------------------------------------------------


def process_alive(pid: int) -> bool:
    """Running (a zombie waiting for its reaper has ended)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def processes_naming(marker: str) -> list[int]:
    """Live processes whose command line contains ``marker`` (a test's own folder)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, UnicodeDecodeError):
                continue
            if marker in cmdline and process_alive(int(entry.name)):
                found.append(int(entry.name))
    return found


def wait_until(condition: Callable[[], bool], what: str) -> None:
    end = time.monotonic() + GONE_TIMEOUT
    while not condition():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting until {what}")
        time.sleep(0.1)


def command_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def batch_command(kind: str, tmp_path: Path) -> list[str]:
    """``render --all`` of two GIFs (each render runs ffmpegs), or a lecture of four
    chapters (whose title cards this process draws meanwhile)."""
    if kind == "lecture":
        from explain.scenes.app.lecture import lecture_dir

        lecture = lecture_dir("en") / "02-gradient-descent.toml"
        return ["lecture", str(lecture), "--out", str(tmp_path / "out" / "gd.mp4"), "--force"]
    # Medium quality: renders long enough to be stopped midway, whatever the machine.
    args = ["render", "--all", "--only", "maxpool,avgpool", "--format", "gif", "--force"]
    return [*args, "--quality", "medium", "--out-dir", str(tmp_path / "out"), "--jobs", "2"]


@pytest.fixture
def batch_run(tmp_path: Path) -> Iterator[Callable[[str], subprocess.Popen[bytes]]]:
    """Starts a batch in ``tmp_path``; kills whatever of it is left at the end, so that a
    failing test leaves nothing running."""
    started: list[subprocess.Popen[bytes]] = []

    def start(kind: str) -> subprocess.Popen[bytes]:
        (tmp_path / "tmp").mkdir()
        env = dict(os.environ, TMPDIR=str(tmp_path / "tmp"))
        proc = subprocess.Popen(
            [*EXPLAIN, *batch_command(kind, tmp_path)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            # As from a terminal: a test runner's worker may ignore SIGINT.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        started.append(proc)
        return proc

    yield start
    for pid in processes_naming(str(tmp_path)):
        os.kill(pid, signal.SIGKILL)
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()


def parent_of(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def wait_for_children(tmp_path: Path, parent: subprocess.Popen[bytes], ffmpeg: bool) -> None:
    """Until the batch's renders run (and, with ``ffmpeg``, one of their ffmpegs too)."""

    def running() -> bool:
        assert parent.poll() is None, parent.communicate()[1].decode()[-2000:]
        pids = processes_naming(str(tmp_path))
        renders = [p for p in pids if parent_of(p) == parent.pid and " render " in command_of(p)]
        return bool(renders) and (not ffmpeg or any("ffmpeg" in command_of(p) for p in pids))

    wait_until(running, "the batch's renders started")


def assert_nothing_left(tmp_path: Path) -> None:
    """No process of the run, no media folder, and in the output folder only complete sets
    true to their stamps: a render the signal caught in its commit finishes that commit
    (signals are held for its few moves), every other one leaves nothing, not a .partial."""
    wait_until(lambda: not processes_naming(str(tmp_path)), "every child of the batch ended")
    out = tmp_path / "out"
    present = {p.name for p in out.iterdir()} if out.exists() else set()
    vouched: set[str] = set()
    for stamp in out.glob(".*.explain-key") if out.exists() else []:
        saved = read_stamp(stamp)
        assert saved is not None, stamp
        assert all(holds(out, digest) for digest in saved[1]), stamp
        vouched |= {stamp.name, *(digest.name for digest in saved[1])}
    assert present == vouched
    assert list((tmp_path / "tmp").glob("explain-media-*")) == []


@pytest.mark.render
@pytest.mark.parametrize("instant", ["renders-started", "ffmpeg-running", "frames-drawn"])
def test_a_killed_batch_leaves_no_child_running(
    instant: str, tmp_path: Path, batch_run: Callable[[str], subprocess.Popen[bytes]]
) -> None:
    parent = batch_run("render-all")
    wait_for_children(tmp_path, parent, ffmpeg=instant != "renders-started")
    if instant == "frames-drawn":
        time.sleep(1.5)  # where the kill lands, not a speed assertion
    parent.kill()
    parent.communicate()
    assert_nothing_left(tmp_path)


@pytest.mark.render
def test_a_killed_lecture_leaves_no_chapter_render_running(
    tmp_path: Path, batch_run: Callable[[str], subprocess.Popen[bytes]]
) -> None:
    parent = batch_run("lecture")
    wait_for_children(tmp_path, parent, ffmpeg=False)
    parent.kill()
    parent.communicate()
    # Only the processes: this process's own title card, killed outright, cannot clean up
    # (its media folder goes at the next render).
    wait_until(lambda: not processes_naming(str(tmp_path)), "every chapter render ended")
    assert list((tmp_path / "out").glob(".gd.lecture/*.mp4")) == []  # stopped, not finished


@pytest.mark.render
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_batch_stops_its_renders_and_says_so_in_one_line(
    sig: signal.Signals,
    code: int,
    tmp_path: Path,
    batch_run: Callable[[str], subprocess.Popen[bytes]],
) -> None:
    parent = batch_run("render-all")
    wait_for_children(tmp_path, parent, ffmpeg=True)
    parent.send_signal(sig)
    _, err_bytes = parent.communicate(timeout=GONE_TIMEOUT)
    err = err_bytes.decode(errors="replace")
    assert parent.returncode == code, err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "interrupted" in errors[0], err
    assert err.rstrip().endswith(errors[0])
    assert_nothing_left(tmp_path)


PARENT_OF_A_SLEEP = textwrap.dedent(
    """
    import sys, time
    from explain.scenes.output import children
    child = children.spawn(["sleep", "300"])
    print(child.pid, flush=True)
    time.sleep(300)
    """
)


def test_a_tied_child_dies_with_its_killed_parent() -> None:
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT_OF_A_SLEEP], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = int(parent.stdout.readline())
    try:
        assert process_alive(child)
        parent.kill()
        parent.wait()
        wait_until(lambda: not process_alive(child), "the orphaned child ended")
    finally:
        if process_alive(child):
            os.kill(child, signal.SIGKILL)


def test_a_stopped_group_kills_a_child_that_ignores_sigterm_and_starts_no_more(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(children, "STOP_GRACE_SECONDS", 0.5)
    stubborn = [sys.executable, "-c", "import signal, time\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\nprint(1, flush=True)\n"
                "time.sleep(300)"]  # fmt: skip
    group = children.ChildGroup()
    proc = group.spawn(stubborn, stdout=subprocess.PIPE)
    assert proc is not None and proc.stdout is not None
    proc.stdout.readline()  # its handler is in place
    group.stop()
    assert proc.returncode == -signal.SIGKILL
    assert group.spawn(["true"]) is None


def test_a_group_left_by_an_exception_stops_its_children() -> None:
    with pytest.raises(KeyboardInterrupt), children.ChildGroup() as group:
        proc = group.spawn(["sleep", "300"])
        raise KeyboardInterrupt
    assert proc is not None and proc.returncode == -signal.SIGTERM


# --- progress of a batch -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "parsed"),
    [
        ("explain-progress: frames 120/480\n", (120, 480)),
        ("explain-progress: frames 0/?", (0, None)),
        ("  explain-progress: frames 7/7  \r\n", (7, 7)),
        ("error: --set: no parameter 'x'", None),
        ("explain-progress: frames -1/4", None),
        ("explain-progress: frames 1/4 and more", None),
        ("explain-progress: frames 1234567890/4", None),  # longer than any real count
        ("explain-progress: frames 1/", None),
        ("", None),
    ],
)
def test_progress_lines_are_parsed_and_anything_else_is_a_message(
    line: str, parsed: tuple[int, int | None] | None
) -> None:
    assert parse_progress_line(line) == parsed


@pytest.mark.parametrize(
    ("lines", "said"),
    [
        (["warning: slow\n", "error: no 'x'\n", "error: more\n"], "error: no 'x'"),
        (["Traceback (most recent call last):\n", '  File "x.py"\n', "OSError\n"], "OSError"),
        (["\n", "  \n"], ""),
        ([], ""),
    ],
)
def test_a_failed_renders_summary_line_says_why(lines: list[str], said: str) -> None:
    from explain.scenes.app.batch import failure_line

    assert failure_line(lines) == said


class Scene:
    animations: list[object] = []


def test_a_renders_frame_count_goes_out_as_lines_the_batch_reads_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from explain.scenes.app import progress

    monkeypatch.setattr(progress, "REFRESH_SECONDS", 0.0)
    for total in (None, 30):
        stream = io.StringIO()
        counter = FrameBar(Scene(), "conv", total, ProgressLines(stream))
        counter.on_frame(None, 1)
        counter.on_frame(None, 9)  # a held frame, shown nine times
        lines = stream.getvalue().splitlines(keepends=True)
        assert [parse_progress_line(line) for line in lines] == [(1, total), (10, total)]
        assert progress_line(10, total) == lines[-1]


@pytest.mark.render
def test_a_batch_shows_the_frames_its_renders_report_and_a_failures_one_line(
    tmp_path: Path,
) -> None:
    import av
    from rich.console import Console

    from explain.scenes.app.batch import BatchItem, render_many

    good = BatchItem("conv-single", tmp_path / "conv-single.mp4", ("--force",))
    bad = BatchItem("conv-single", tmp_path / "bad.mp4", ("--set", "nonsense=1"))
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=100)
    done, failed = render_many([good, bad], 2, console)
    assert done.ok and not failed.ok
    with av.open(str(good.out)) as video:
        frames = sum(1 for _ in video.decode(video=0))
    assert done.frames == frames  # every frame drawn was reported, the last one too
    assert f"{frames} frames" in screen.getvalue()
    assert failed.message.startswith("error: ") and "nonsense" in failed.message
    assert "explain-progress" not in failed.message
