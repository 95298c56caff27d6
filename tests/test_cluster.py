"""Rendering on a Dask cluster: a real LocalCluster (two worker processes on 127.0.0.1).

Checks that every file arrives valid, that a worker killed mid-task costs nothing but
time, that a failing scene is reported while the others land, and that an unreachable
scheduler or workers of another version are one line and a non-zero exit.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from PIL import Image
from rich.console import Console
from typer.testing import CliRunner

from explain.scenes.app import cluster
from explain.scenes.app.batch import BatchItem, BatchResult
from explain.scenes.app.cluster_task import identity, render_task
from explain.scenes.cli import app

distributed = pytest.importorskip("distributed")
runner = CliRunner()


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """A two-worker cluster of processes on loopback, closed even when a test fails."""
    with distributed.LocalCluster(
        n_workers=2,
        processes=True,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local.scheduler_address


def quiet() -> Console:
    return Console(file=io.StringIO(), width=120)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def assert_video(path: Path) -> None:
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.width, stream.height) == (854, 480)
        assert sum(1 for _ in container.decode(stream)) > 100


@pytest.mark.render
def test_render_all_on_the_cluster_writes_every_file(scheduler: str, tmp_path: Path) -> None:
    out_dir = tmp_path / "course"  # made by the batch, when the first file arrives
    args = ["render", "--all", "--only", "maxpool,avgpool", "--format", "gif"]
    result = runner.invoke(app, [*args, "--out-dir", str(out_dir), "--scheduler", scheduler])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out_dir.iterdir()) == ["avgpool.gif", "maxpool.gif"]
    for gif in out_dir.iterdir():
        assert gif.read_bytes()[:6] == b"GIF89a"
        with Image.open(gif) as image:
            assert image.n_frames > 50 and image.size == (854, 480)


def kill_first_worker_to_run(scheduler: str, key_prefix: str, killed: list[int]) -> None:
    """Wait until a task whose key starts with ``key_prefix`` runs, then SIGKILL its worker."""
    with distributed.Client(scheduler, set_as_default=False) as client:
        pids = client.run(os.getpid)
        for _ in range(600):
            for worker, keys in client.processing().items():
                if any(str(k).startswith(key_prefix) for k in keys):
                    os.kill(pids[worker], signal.SIGKILL)
                    killed.append(pids[worker])
                    return
            threading.Event().wait(0.05)


@pytest.mark.render
def test_a_worker_killed_mid_task_is_replaced(scheduler: str, tmp_path: Path) -> None:
    items = [BatchItem(n, tmp_path / f"{n}.mp4", ("--format", "mp4")) for n in ("maxpool", "sgd")]
    killed: list[int] = []
    killer = threading.Thread(
        target=kill_first_worker_to_run, args=(scheduler, "explain-0-maxpool", killed)
    )
    killer.start()
    try:
        results = cluster.render_on_cluster(items, scheduler, quiet())
    finally:
        killer.join()
    assert killed, "no worker was killed: the test did not test anything"
    assert [r.ok for r in results] == [True, True], [r.message for r in results]
    for item in items:
        assert_video(item.out)
        assert "-->" in item.out.with_suffix(".srt").read_text()


@pytest.mark.render
def test_a_failing_scene_is_reported_and_the_others_land(scheduler: str, tmp_path: Path) -> None:
    items = [
        BatchItem("maxpool", tmp_path / "maxpool.png", ("--format", "png", "--set", "stride=99")),
        BatchItem("avgpool", tmp_path / "avgpool.png", ("--format", "png")),
    ]
    results = cluster.render_on_cluster(items, scheduler, quiet())
    assert [r.ok for r in results] == [False, True]
    assert "stride" in results[0].message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["avgpool.png"]
    with Image.open(tmp_path / "avgpool.png") as png:
        assert png.size == (854, 480)


@pytest.mark.render
def test_the_exit_code_says_a_scene_failed(scheduler: str, tmp_path: Path) -> None:
    # A still at 14 s: past the end of maxpool (13.4 s), inside conv-single (16.8 s).
    args = ["render", "--all", "--only", "maxpool,conv-single", "--format", "png", "--at", "14"]
    result = runner.invoke(app, [*args, "--out-dir", str(tmp_path), "--scheduler", scheduler])
    assert result.exit_code == 1
    assert "1 scene(s) failed: maxpool" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["conv-single.png"]  # one still


def test_an_unreachable_scheduler_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "CONNECT_TIMEOUT_S", 1.0)
    address = f"tcp://127.0.0.1:{closed_port()}"
    out_dir = tmp_path / "never"
    args = ["render", "--all", "--out-dir", str(out_dir), "--scheduler", address]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: --scheduler: cannot reach {address} within 1 s"
        " (is `dask scheduler` running there?)"
    )
    assert not out_dir.exists()


def test_workers_of_another_version_are_refused(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "identity", lambda: "explain 0.0.1 (code 000000000000)")
    args = ["render", "--all", "--out-dir", str(tmp_path / "never"), "--scheduler", scheduler]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    line = result.output.strip()
    assert "\n" not in line and "refusing to mix versions" in line
    assert "this client explain 0.0.1" in line and identity() in line
    assert not (tmp_path / "never").exists()


def test_a_task_refuses_to_render_for_another_version(tmp_path: Path) -> None:
    output = render_task("maxpool", ("--format", "png"), "maxpool.png", "explain 0.0.1 (code x)")
    assert not output.ok and output.files == {}
    assert f"runs {identity()}, the client explain 0.0.1" in output.message


@pytest.mark.parametrize("address", ["foo bar", "tcp://host", "http://x:1", "x:1; rm -rf /"])
def test_a_malformed_scheduler_address_is_a_usage_error(address: str) -> None:
    result = runner.invoke(app, ["render", "--all", "--scheduler", address])
    assert result.exit_code == 2
    assert result.output.startswith("error: --scheduler: give an address such as")


def test_scheduler_and_out_dir_only_go_with_all() -> None:
    result = runner.invoke(app, ["render", "maxpool", "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 2 and "only with --all" in result.output


def test_gallery_sends_every_scene_to_the_cluster(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from explain.scenes import cli
    from explain.scenes.registry import SCENES

    seen: dict[str, object] = {}

    def fake_cluster(items: list[BatchItem], address: str, console: Console) -> list[BatchResult]:
        seen.update(items=items, address=address)
        for item in items:  # as render_on_cluster does when a task's files arrive
            item.out.parent.mkdir(parents=True, exist_ok=True)
            item.out.write_bytes(b"GIF89a")
        return [BatchResult(i.name, i.out, 1.0, True, "done on w") for i in items]

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(cli, "_render_on_cluster", fake_cluster)
    result = runner.invoke(app, ["gallery", "--scheduler", "tcp://127.0.0.1:8786"])
    assert result.exit_code == 0, result.output
    assert seen["address"] == "tcp://127.0.0.1:8786"
    items = seen["items"]
    assert isinstance(items, list)
    assert [i.name for i in items] == [e.name for e in SCENES]
    assert all(i.out == Path("renders/gallery") / f"{i.name}.gif" for i in items)
    assert (tmp_path / "renders" / "README.md").is_file()
