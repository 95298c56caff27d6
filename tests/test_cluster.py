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
import time
from collections.abc import Iterator
from pathlib import Path

import av
import pytest
from PIL import Image
from rich.console import Console
from typer.testing import CliRunner

from explain.scenes.app import cluster
from explain.scenes.app.batch import BatchItem, BatchResult
from explain.scenes.app.cluster_task import STARTED_TOPIC, TaskOutput, identity, render_task
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


def kill_the_worker_that_starts(
    scheduler: str, key_prefix: str, ready: threading.Event, killed: list[int]
) -> None:
    """SIGKILL the worker where a task whose key starts with ``key_prefix`` starts rendering."""
    with distributed.Client(scheduler, set_as_default=False) as client:
        pids = client.run(os.getpid)
        started: dict[str, str] = {}

        def on_start(event: tuple[float, dict[str, str]]) -> None:
            if event[1]["key"].startswith(key_prefix):
                started.setdefault("worker", event[1]["at"])

        client.subscribe_topic(STARTED_TOPIC, on_start)
        ready.set()
        for _ in range(1200):  # at most about a minute
            if "worker" in started:
                time.sleep(0.5)  # well into the render
                os.kill(pids[started["worker"]], signal.SIGKILL)
                killed.append(pids[started["worker"]])
                return
            time.sleep(0.05)


@pytest.mark.render
def test_a_worker_killed_mid_task_is_replaced(scheduler: str, tmp_path: Path) -> None:
    items = [BatchItem(n, tmp_path / f"{n}.mp4", ("--format", "mp4")) for n in ("maxpool", "sgd")]
    killed: list[int] = []
    ready = threading.Event()
    killer = threading.Thread(
        target=kill_the_worker_that_starts, args=(scheduler, "explain-0-maxpool", ready, killed)
    )
    killer.start()
    try:
        assert ready.wait(30)
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


class FakeFuture:
    """A task that is queued for ``queued`` polls, then runs, then is done."""

    def __init__(self, key: str, output: TaskOutput, polls_until_done: int) -> None:
        self.key = key
        self.output = output
        self.polls_left = polls_until_done

    def done(self) -> bool:
        return self.polls_left <= 0

    def result(self) -> TaskOutput:
        return self.output

    def release(self) -> None:
        pass


class FakeClient:
    """The scheduler's view: each poll, every unfinished task is assigned to worker A."""

    def __init__(self, futures: list[FakeFuture], started: dict[str, str]) -> None:
        self.futures = futures
        self.started = started
        self.seen: list[dict[str, list[str]]] = []

    def processing(self) -> dict[str, list[str]]:
        for future in self.futures:
            future.polls_left -= 1
        live = [f for f in self.futures if not f.done()]
        if live:  # the first unfinished task starts rendering; the others are queued
            self.started[live[0].key] = "tcp://A"
        view = {"tcp://A": [f.key for f in live]}
        self.seen.append(view)
        return view


def test_the_display_tells_running_from_queued_and_writes_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cluster, "POLL_S", 0.0)
    ok = TaskOutput("avgpool", True, "", 1.5, "tcp://A", {"avgpool.mp4": b"v", "avgpool.srt": b"s"})
    bad = TaskOutput("maxpool", False, "error: stride: must be ...", 0.1, "tcp://A")
    futures = [FakeFuture("k0", ok, 2), FakeFuture("k1", bad, 4)]
    started: dict[str, str] = {}
    client = FakeClient(futures, started)
    items = [
        BatchItem("avgpool", tmp_path / "out" / "avgpool.mp4", ()),
        BatchItem("maxpool", tmp_path / "out" / "maxpool.mp4", ()),
    ]
    calls: list[tuple[str, ...]] = []
    for method in ("running", "queued"):
        monkeypatch.setattr(
            cluster._Board,
            method,
            lambda self, i, worker, m=method: calls.append((m, items[i].name, worker)),
        )
    text = io.StringIO()
    results = cluster._follow(client, items, futures, started, Console(file=text, width=120))
    assert [(r.name, r.ok, r.message) for r in results] == [
        ("avgpool", True, "done on tcp://A"),
        ("maxpool", False, "error: stride: must be ..."),
    ]
    assert (tmp_path / "out" / "avgpool.mp4").read_bytes() == b"v"
    assert (tmp_path / "out" / "avgpool.srt").read_bytes() == b"s"
    assert not (tmp_path / "out" / "maxpool.mp4").exists()
    # First poll: avgpool renders on A, maxpool waits behind it; then maxpool runs.
    assert calls[:3] == [
        ("running", "avgpool", "tcp://A"),
        ("queued", "maxpool", "tcp://A"),
        ("running", "maxpool", "tcp://A"),
    ]
    shown = text.getvalue()
    assert "cluster, 1 worker(s): 2 done, 0 running, 0 waiting" in shown
    assert "avgpool: done on tcp://A" in shown and "maxpool: FAILED" in shown


def test_a_worker_cannot_write_outside_the_folder(tmp_path: Path) -> None:
    evil = TaskOutput("avgpool", True, "", 1.0, "tcp://B", {"../escape.mp4": b"x"})
    item = BatchItem("avgpool", tmp_path / "avgpool.mp4", ())
    result = cluster._collect(item, FakeFuture("k", evil, 0))
    assert not result.ok and "unexpected file name" in result.message
    assert list(tmp_path.parent.glob("escape.mp4")) == []
