"""Verified traces kept on disk, so that drawing a scene again does not import torch.

Importing torch takes about a second, a third of a low-quality render, and a teacher
re-renders the same computation many times (another theme, language, format or quality,
or after changing how a scene draws). A trace is looked up by the scene's name, the
``key=value`` text exactly as typed, and a fingerprint of everything that computes it:
mlcore's source, the registry (scene defaults) and the torch and numpy versions. Only a
trace that its torch verifier accepted is stored, so a hit is as checked as a fresh build.

Files are sealed JSON (scenes/output/cache_store.py): each carries its key, the
fingerprint and a SHA-256 of the trace, checked on every read, in a folder only the user
may write. One that is damaged, edited, renamed, too large, of the wrong shape or names
another scene is a miss: the trace is built, verified and stored again. Delete the folder
freely.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from explain.mlcore.trace import Trace
from explain.scenes.app.sources import PACKAGE_ROOT, relative_name, source_files
from explain.scenes.output.cache_store import CacheFolder

if TYPE_CHECKING:
    from explain.scenes.registry import SceneEntry

# Larger pictures are refused by mlcore/image.py anyway (its MAX_FILE_BYTES).
MAX_HASHED_BYTES = 100_000_000
# Bump when the stored form changes, so that old files are not read.
TRACE_FORMAT = 2
# The largest default trace is under a megabyte; a file far larger is not one of ours.
MAX_TRACE_BYTES = 64_000_000


@cache
def computation_fingerprint() -> str:
    """A hash of what a trace depends on besides its parameters."""
    digest = hashlib.sha256(f"format {TRACE_FORMAT}".encode())
    for path in [*source_files("mlcore"), PACKAGE_ROOT / "scenes" / "registry.py"]:
        digest.update(relative_name(path))
        digest.update(path.read_bytes())
    for package in ("torch", "numpy"):
        try:
            digest.update(f"{package} {metadata.version(package)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{package} missing".encode())
    return digest.hexdigest()


def picture_digest(values: Mapping[str, object]) -> str:
    """SHA-256 of the file named by an ``image`` parameter ('' without one or unreadable):
    the same path with another picture in it is another computation."""
    path = values.get("image")
    if not isinstance(path, str) or not path:
        return ""
    try:
        file = Path(path)
        # Only regular files of a size the build accepts (never /dev/zero or a pipe); the
        # build refuses the others with a one-line error.
        if not file.is_file() or file.stat().st_size > MAX_HASHED_BYTES:
            return ""
        with file.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except (OSError, ValueError):  # a NUL in the name, unreadable: the build says so
        return ""


def data_fingerprint(assignments: Mapping[str, str]) -> str:
    """What the user's ``data`` file or folder holds: the same path with new contents is
    another computation. A file is hashed whole; a folder by its files' names, sizes and
    modification times (data sets are large, and a changed file changes one of them)."""
    value = assignments.get("data", "").strip()
    if not value:
        return ""
    path = Path(value).expanduser()
    try:
        if path.is_file():
            return hashlib.sha256(path.read_bytes()).hexdigest()
        if path.is_dir():
            entries = sorted(
                f"{p.relative_to(path)} {p.stat().st_size} {p.stat().st_mtime_ns}"
                for p in path.rglob("*")
                if p.is_file()
            )
            return hashlib.sha256("\n".join(entries).encode()).hexdigest()
    except (OSError, ValueError, RuntimeError):  # unreadable, a NUL, a link loop: the build says
        pass
    return "missing"


def trace_key(scene: str, assignments: Mapping[str, str]) -> str:
    doc = {"scene": scene, "set": dict(sorted(assignments.items()))}
    if "image" in assignments:
        doc["image_sha256"] = picture_digest(assignments)
    ident = json.dumps(doc, sort_keys=True) + computation_fingerprint()
    ident += data_fingerprint(assignments)
    return hashlib.sha256(ident.encode()).hexdigest()


class TraceCache:
    """Traces by ``trace_key``; a failure to read or write only means a miss."""

    def __init__(self, folder: Path | None = None) -> None:
        self.store = CacheFolder(folder) if folder else CacheFolder.named("traces")
        self.folder = self.store.folder

    def get(self, key: str, scene: str) -> Trace | None:
        body = self.store.load(f"{key}.json", computation_fingerprint(), MAX_TRACE_BYTES)
        if body is None:
            return None
        try:
            doc = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, nested too deep
            return None
        return trace_of_shape(doc, scene)

    def put(self, key: str, trace: Trace) -> None:
        body = trace.to_json().encode()
        if len(body) > MAX_TRACE_BYTES:  # it would never be read back
            return
        self.store.store(f"{key}.json", computation_fingerprint(), body)


def trace_of_shape(doc: object, scene: str) -> Trace | None:
    """The trace in ``doc`` if it has a trace's shape and names ``scene``, else None."""
    if not isinstance(doc, dict) or doc.get("scene") != scene:
        return None
    parts = (doc.get("params"), doc.get("tensors"), doc.get("steps"))
    if not (isinstance(parts[0], dict) and isinstance(parts[1], dict)):
        return None
    if not isinstance(parts[2], list) or not all(isinstance(s, dict) for s in parts[2]):
        return None
    return Trace.from_dict(doc)


def verified_trace(
    entry: SceneEntry,
    assignments: Mapping[str, str],
    *,
    verify: bool = True,
    cache: TraceCache | None = None,
) -> Trace:
    """The scene's trace for the user's ``key=value`` text: from the cache when it was
    built and verified before, else built (and verified, then stored)."""
    store = cache or TraceCache()
    key = trace_key(entry.name, assignments)
    # A plugin's code is not in the fingerprint: its traces are always built afresh.
    verify_and_keep = verify and entry.plugin is None
    if verify_and_keep:
        hit = store.get(key, entry.name)
        if hit is not None:
            return hit
    built = entry.build(entry.make_params(assignments))
    if verify:
        entry.verify(built)
    # Drawn from its JSON form either way, so that a render is the same hit or miss.
    trace = Trace.from_json(built.to_json())
    if verify_and_keep:
        store.put(key, trace)
    return trace
