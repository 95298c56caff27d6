"""What a Dask worker runs for one scene: the same `explain render` command as a local batch,
in a temporary folder of the worker's own, and the finished files' bytes sent back.

Plain functions of an importable module, so Dask pickles them by reference: a worker
needs explain installed (the same version as the client, which scenes/app/cluster.py
checks before submitting anything).
"""

from __future__ import annotations

import os
import signal
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from explain.scenes.app.batch import BatchItem, render_command
from explain.scenes.app.render import code_fingerprint, remove_stale_media
from explain.scenes.output import children

TASK_PREFIX = "explain-cluster-"


@dataclass(frozen=True)
class TaskOutput:
    """What a worker sends back for one scene: the files it made, or why it failed."""

    name: str
    ok: bool
    message: str  # the render's first line of output (its error when it failed)
    seconds: float  # the render's wall time on the worker
    worker: str
    files: dict[str, bytes] = field(default_factory=dict)  # file name -> contents


def identity() -> str:
    """explain's version and a hash of its source: a client and its workers must agree."""
    try:
        version = metadata.version("explain")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return f"explain {version} (code {code_fingerprint()[:12]})"


# The event a task logs when its render starts, so that the client's progress display can
# tell a render running on a worker from one only queued there.
STARTED_TOPIC = "explain-render-started"


def _announce_start() -> str:
    """This worker's address, after telling the scheduler that this task starts rendering."""
    from distributed import get_worker

    try:
        worker = get_worker()
    except ValueError:  # called outside a worker (a direct call)
        return "local"
    worker.log_event(STARTED_TOPIC, {"key": str(worker.get_current_task()), "at": worker.address})
    return str(worker.address)


def render_task(name: str, args: tuple[str, ...], out_name: str, expected: str) -> TaskOutput:
    """Render one scene on this worker and return its files; runs inside a Dask worker.

    ``args`` are `explain render` options (``--set k=v`` included); ``out_name`` is the
    file name the client wants; ``expected`` the client's :func:`identity`.
    """
    worker = _announce_start()
    own = identity()
    if own != expected:
        message = f"worker {worker} runs {own}, the client {expected}"
        return TaskOutput(name, False, message, 0.0, worker)
    # A worker killed mid-task leaves its folder behind: the next task on this machine
    # removes the folders of processes that are gone (the folder names carry the pid).
    remove_stale_media(TASK_PREFIX)
    with tempfile.TemporaryDirectory(prefix=f"{TASK_PREFIX}{os.getpid()}-") as folder:
        item = BatchItem(name, Path(folder) / out_name, args)
        start = time.perf_counter()
        # Tied to the worker: a worker killed outright takes its render with it.
        command = render_command(item)
        proc = children.run(command, death_signal=signal.SIGTERM, capture_output=True, text=True)
        seconds = time.perf_counter() - start
        if proc.returncode < 0:  # killed by a signal: not the scene's fault, so Dask retries
            raise RuntimeError(f"{name}: the render was killed by signal {-proc.returncode}")
        text = (proc.stderr if proc.returncode else proc.stdout).strip().splitlines()
        message = text[0] if text else ""
        if proc.returncode:
            return TaskOutput(name, False, message, seconds, worker)
        files = {
            path.name: path.read_bytes()
            for path in sorted(Path(folder).iterdir())
            if path.is_file() and not path.name.startswith(".")  # not the cache's key stamp
        }
    return TaskOutput(name, True, message, seconds, worker, files)
