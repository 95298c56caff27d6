"""Interrupted, killed and concurrent renders: previous output intact, no partial files."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.render
EXPLAIN = [sys.executable, "-P", "-m", "explain.scenes.cli"]


def start_render(out: Path, tmpdir: Path, *args: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, TMPDIR=str(tmpdir))
    cmd = [*EXPLAIN, "render", "conv-stride", "--out", str(out), "--force", *args]
    # As in a terminal: a test runner's worker (or a shell's background job) may ignore
    # SIGINT, and a child inherits that, so restore the default for the render.
    return subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def wait_for_media(tmpdir: Path, proc: subprocess.Popen[bytes], timeout: float = 60) -> None:
    """Until the render has created its media folder (it is drawing frames then)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end and proc.poll() is None:
        if any(tmpdir.glob("explain-media-*")):
            time.sleep(1.0)
            return
        time.sleep(0.1)
    pytest.fail("the render never started")


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_render_keeps_previous_output(tmp_path: Path, sig: signal.Signals) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "conv.mp4"
    out.write_bytes(b"previous render")
    proc = start_render(out, tmpdir)
    wait_for_media(tmpdir, proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0
    assert b"Traceback" not in err
    assert out.read_bytes() == b"previous render"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv.mp4", "tmp"]
    assert list(tmpdir.glob("explain-media-*")) == []  # its media folder is gone


def test_killed_render_leaves_no_partial_file_and_is_cleaned_up_later(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    out = tmp_path / "conv.png"
    proc = start_render(tmp_path / "conv.mp4", tmpdir)
    wait_for_media(tmpdir, proc)
    proc.kill()
    proc.wait()
    assert list(tmpdir.glob("explain-media-*"))  # SIGKILL cannot clean up...
    assert not (tmp_path / "conv.mp4").exists()
    done = start_render(out, tmpdir, "--format", "png")
    assert done.wait(timeout=120) == 0
    assert list(tmpdir.glob("explain-media-*")) == []  # ...the next render does
    assert out.exists()


def test_two_renders_of_one_scene_to_different_files_at_once(tmp_path: Path) -> None:
    outs = [tmp_path / "a.png", tmp_path / "b.png"]
    procs = [start_render(out, tmp_path, "--format", "png") for out in outs]
    assert [p.wait(timeout=180) for p in procs] == [0, 0]
    assert all(out.stat().st_size > 1000 for out in outs)
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partial")]
