"""Rendering a batch on a Dask cluster: one task per scene, the files sent back as bytes.

Workers share nothing with the client but the scheduler. A task (scenes/app/cluster_task.py)
runs on a worker the same ``explain render`` command a local batch runs, in a temporary
folder of the worker's own, and returns the finished files' bytes (the video, its ``.srt``,
the stills); the client then writes them with the same atomic moves as a local render. A worker
that dies mid-task has its task run again elsewhere (Dask reschedules it); a scene that
fails comes back as a failed result, not an exception, so it is not retried.

Only ``explain render --all --scheduler`` and ``explain gallery --scheduler`` import this
module (and Dask with it): without ``--scheduler`` nothing here is loaded.
"""

from __future__ import annotations

import asyncio
import re
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TaskID, TextColumn, TimeElapsedColumn

from explain.scenes.app import cluster_task
from explain.scenes.app.batch import BatchItem, BatchResult
from explain.scenes.app.cluster_task import TaskOutput, identity, render_task
from explain.scenes.output.files import OutputError, write_atomic

# Connecting to a scheduler that is not there must fail within seconds, not hang.
CONNECT_TIMEOUT_S = 5.0
# With tasks waiting and no worker at all for this long, the batch gives up.
NO_WORKER_TIMEOUT_S = 30.0
# A task raising an unexpected error (not a failed render: one that could not start) runs
# once more, on whichever worker is free.
TASK_RETRIES = 1
POLL_S = 0.2
ADDRESS = re.compile(r"^((tcp|tls|ws|wss|ucx)://)?[A-Za-z0-9_.\-\[\]:]+:\d{1,5}$")


class ClusterError(RuntimeError):
    """The cluster cannot be used (unreachable, no workers, mixed versions); one line."""


def check_address(address: str) -> str:
    """The scheduler address, checked by its shape only (nothing is evaluated)."""
    if not ADDRESS.match(address):
        raise OutputError(
            f"--scheduler: give an address such as tcp://10.0.0.5:8786 (got {address[:80]!r})"
        )
    return address


def connect(address: str) -> Any:
    """A Dask client of the scheduler at ``address``, or ClusterError within seconds."""
    from distributed import Client

    check_address(address)
    try:
        return Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError):
        raise ClusterError(
            f"--scheduler: cannot reach {address} within {CONNECT_TIMEOUT_S:g} s"
            " (is `dask scheduler` running there?)"
        ) from None


def check_workers(client: Any, expected: str) -> list[str]:
    """The workers' addresses, once at least one is there and every one runs ``expected``."""
    try:
        client.wait_for_workers(1, timeout=NO_WORKER_TIMEOUT_S)
    except (TimeoutError, OSError):
        raise ClusterError(
            f"--scheduler: no worker joined within {NO_WORKER_TIMEOUT_S:g} s"
            " (start some with `dask worker ADDRESS`)"
        ) from None
    answers = client.run(cluster_task.identity, on_error="return")  # each worker's own
    for worker, answer in sorted(answers.items()):
        if isinstance(answer, BaseException):
            raise ClusterError(
                f"--scheduler: worker {worker} cannot run explain"
                f" ({str(answer)[:120]}); install the client's version there"
            )
        if answer != expected:
            raise ClusterError(
                f"--scheduler: worker {worker} runs {answer}, this client {expected};"
                " refusing to mix versions"
            )
    return sorted(answers)


def render_on_cluster(items: list[BatchItem], address: str, console: Console) -> list[BatchResult]:
    """Render ``items`` on the Dask cluster at ``address``, showing its progress.

    The cluster counterpart of ``batch.render_many(items, jobs, console)``: the same items
    in, the same results out (in the same order), each finished file written at
    ``item.out`` (and beside it) by an atomic move. Raises ClusterError, before anything
    renders, when the scheduler is unreachable or a worker runs another explain.
    """
    expected = identity()
    client = connect(address)
    started: dict[str, str] = {}  # task key -> the worker where its render last started

    def note_start(event: tuple[float, dict[str, str]]) -> None:
        started[event[1]["key"]] = event[1]["at"]

    try:
        check_workers(client, expected)
        client.subscribe_topic(cluster_task.STARTED_TOPIC, note_start)
        futures = [
            client.submit(
                render_task,
                item.name,
                item.args,
                item.out.name,
                expected,
                key=f"explain-{index}-{item.name}-{uuid.uuid4().hex[:8]}",
                retries=TASK_RETRIES,
                pure=False,
            )
            for index, item in enumerate(items)
        ]
        return _follow(client, items, futures, started, console)
    finally:
        client.close()


@dataclass
class _Board:
    """The progress display: one line for the cluster, one per scene."""

    progress: Progress
    items: list[BatchItem]
    overall: TaskID = field(init=False)
    rows: list[TaskID] = field(init=False)

    def __post_init__(self) -> None:
        self.overall = self.progress.add_task("cluster: starting", total=len(self.items))
        self.rows = [self.progress.add_task(f"{i.name}: waiting", total=1) for i in self.items]

    def running(self, index: int, worker: str) -> None:
        name = self.items[index].name
        self.progress.update(self.rows[index], description=f"{name}: running on {worker}")

    def queued(self, index: int, worker: str) -> None:
        name = self.items[index].name
        self.progress.update(self.rows[index], description=f"{name}: queued on {worker}")

    def finished(self, index: int, result: BatchResult) -> None:
        state = result.message if result.ok else "FAILED"
        text = f"{result.name}: {state}"
        self.progress.update(self.rows[index], description=text, completed=1)

    def totals(self, workers: int, done: int, running: int) -> None:
        waiting = len(self.items) - done - running
        text = f"cluster, {workers} worker(s): {done} done, {running} running, {waiting} waiting"
        self.progress.update(self.overall, description=text, completed=done)


def _follow(
    client: Any,
    items: list[BatchItem],
    futures: list[Any],
    started: dict[str, str],
    console: Console,
) -> list[BatchResult]:
    """Poll the scheduler until every task is done, writing each scene's files as it lands."""
    results: dict[int, BatchResult] = {}
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        board = _Board(progress, items)
        no_worker_since: float | None = None
        while True:
            workers, where = _poll(client)
            running = 0
            for index, future in enumerate(futures):
                if index in results:
                    continue
                if future.done():
                    results[index] = _collect(items[index], future)
                    future.release()  # the worker may now drop the files' bytes
                    board.finished(index, results[index])
                elif future.key in where and started.get(future.key) == where[future.key]:
                    running += 1  # assigned to a worker and its render started there
                    board.running(index, where[future.key])
                elif future.key in where:
                    board.queued(index, where[future.key])
            board.totals(workers, len(results), running)
            if len(results) == len(items):
                return [results[i] for i in range(len(items))]
            no_worker_since = _watch_workers(workers, no_worker_since)
            time.sleep(POLL_S)


def _poll(client: Any) -> tuple[int, dict[str, str]]:
    """How many workers the scheduler has, and which worker each task is assigned to
    (running there, or queued behind the one running)."""
    try:
        processing = client.processing()
    except (OSError, TimeoutError) as err:
        raise ClusterError(f"--scheduler: lost the scheduler ({type(err).__name__})") from None
    where = {str(key): worker for worker, keys in processing.items() for key in keys}
    return len(processing), where


def _watch_workers(workers: int, since: float | None) -> float | None:
    """When the scheduler first had no worker; ClusterError after NO_WORKER_TIMEOUT_S."""
    if workers:
        return None
    now = time.monotonic()
    if since is not None and now - since > NO_WORKER_TIMEOUT_S:
        raise ClusterError(
            f"--scheduler: no worker left for {NO_WORKER_TIMEOUT_S:g} s; tasks are waiting"
        )
    return since if since is not None else now


def _collect(item: BatchItem, future: Any) -> BatchResult:
    """The result of one finished task; a successful render's files written beside item.out."""
    try:
        output: TaskOutput = future.result()
    except (Exception, asyncio.CancelledError) as err:
        # KilledWorker (the task's workers died too often), an error raised on both tries,
        # or a task the scheduler cancelled (it restarted).
        return BatchResult(item.name, item.out, 0.0, False, f"{type(err).__name__}: {err}"[:200])
    if not output.ok:
        return BatchResult(item.name, item.out, output.seconds, False, output.message)
    for file_name in output.files:
        if Path(file_name).name != file_name or file_name.startswith("."):
            message = f"worker {output.worker} sent an unexpected file name {file_name[:60]!r}"
            return BatchResult(item.name, item.out, output.seconds, False, message)
    try:
        item.out.parent.mkdir(parents=True, exist_ok=True)  # only now: a failed batch makes none
        for file_name, data in output.files.items():
            write_atomic(item.out.parent / file_name, data)
    except OSError as err:
        message = f"cannot write into {str(item.out.parent)[:80]!r}: {err.strerror}"
        return BatchResult(item.name, item.out, output.seconds, False, message)
    except OutputError as err:  # write_atomic says which file and why
        return BatchResult(item.name, item.out, output.seconds, False, str(err))
    message = f"done on {output.worker}"
    return BatchResult(item.name, item.out, output.seconds, True, message)
