"""Fault injection on every cache explain reads back (issue 21): traces, built text, the
remembered render lengths. Each entry is damaged the ways a disk, a crash or another user
can damage it, and each test asserts the promise: the true value (compared with a fresh
build), no traceback, nothing left behind.

What the seal (scenes/output/cache_store.py) protects against: any change to an entry that
does not also recompute its SHA-256 (a flipped byte, truncation, an edited number, a file
renamed to another key, a file from other code). What it does not: the owner recomputing
the checksum. That is why a folder or entry that others can write is not read at all.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from explain.scenes.app.progress import remember_seconds, remembered_seconds
from explain.scenes.app.trace_cache import TraceCache, trace_key, verified_trace
from explain.scenes.cli import app
from explain.scenes.output import cache_store
from explain.scenes.output.cache_store import CacheFolder, seal, unseal
from explain.scenes.registry import get
from tests.conftest import build_trace
from tests.fault_tools import files_under, full_tmpfs, small_tmpfs

ROOT = Path(__file__).resolve().parent.parent
SCENE = "conv-stride"  # small, and its numbers are what the probe edited
OTHER_UID = 54321  # a user that is not us (the tests run as root, which may chown)


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A cache root of our own, and a fresh once-per-process warning."""
    root = tmp_path / "cache"
    monkeypatch.setenv("EXPLAIN_CACHE_DIR", str(root))
    monkeypatch.setattr(cache_store, "_warned", [])
    monkeypatch.setattr(cache_store, "_swept", set())
    return root


@pytest.fixture(scope="module")
def fresh() -> dict[str, object]:
    """The true trace, built without any cache."""
    return json.loads(build_trace(SCENE).to_json())


def run_trace() -> tuple[dict[str, object], str]:
    """``explain trace conv-stride`` in this process: the trace it printed and its stderr."""
    result = CliRunner().invoke(app, ["trace", SCENE])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert "Traceback" not in result.stdout + result.stderr
    return json.loads(result.stdout), result.stderr


def trace_entry(root: Path) -> Path:
    (entry,) = (root / "traces").glob("*.json")
    return entry


def leftovers(folder: Path) -> list[str]:
    """Temporary or hidden files a write left (``.filler`` is the test's own)."""
    return [
        p.name
        for p in folder.rglob("*")
        if p.name != ".filler" and (p.name.startswith(".") or ".partial" in p.name)
    ]


def reseal(entry: Path, edit: Callable[[dict], object]) -> None:
    """Change the trace inside ``entry`` and recompute its seal, as its owner could."""
    head, _, body = entry.read_bytes().partition(b"\n")
    doc = json.loads(body)
    doc = edit(doc) or doc
    name, fingerprint = json.loads(head)["name"], json.loads(head)["fingerprint"]
    entry.write_bytes(seal(name, fingerprint, json.dumps(doc).encode()))


def first_output(doc: dict) -> float:
    return doc["tensors"]["output"][0][0][0]


def set_first_output(doc: dict, value: float) -> None:
    doc["tensors"]["output"][0][0][0] = value


# --- traces: damaged entries -------------------------------------------------------------


def _random(entry: Path) -> None:
    entry.write_bytes(np.random.default_rng(21).bytes(5000))


def _truncated(entry: Path) -> None:
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])


def _empty(entry: Path) -> None:
    entry.write_bytes(b"")


def _deleted(entry: Path) -> None:
    entry.unlink()


def _a_directory(entry: Path) -> None:
    entry.unlink()
    (entry / "inside").mkdir(parents=True)


def _a_link(entry: Path) -> None:
    target = entry.with_name("elsewhere")
    entry.rename(target)
    entry.symlink_to(target)


def _a_pipe(entry: Path) -> None:
    entry.unlink()
    os.mkfifo(entry)


def _huge(entry: Path) -> None:
    with entry.open("r+b") as fh:  # sparse: two gigabytes that cost no disk
        fh.truncate(1 << 31)


def _edited_number(entry: Path) -> None:
    # The reproduction: a number changed by hand, the seal left as it was.
    head, _, body = entry.read_bytes().partition(b"\n")
    doc = json.loads(body)
    set_first_output(doc, 12345.0)
    entry.write_bytes(head + b"\n" + json.dumps(doc).encode())


def _resealed_wrong_types(entry: Path) -> None:
    reseal(entry, lambda doc: doc.update(steps={"not": "a list"}))


def _resealed_not_an_object(entry: Path) -> None:
    reseal(entry, lambda doc: [1, 2, 3])


def _other_code(entry: Path) -> None:
    head, _, body = entry.read_bytes().partition(b"\n")
    entry.write_bytes(seal(json.loads(head)["name"], "another fingerprint", body))


DAMAGE = [
    _random,
    _truncated,
    _empty,
    _deleted,
    _a_directory,
    _a_link,
    _a_pipe,
    _huge,
    _edited_number,
    _resealed_wrong_types,
    _resealed_not_an_object,
    _other_code,
]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_trace_entry_is_rebuilt_true_and_stored_again(
    cache: Path, fresh: dict[str, object], damage: Callable[[Path], None]
) -> None:
    run_trace()
    entry = trace_entry(cache)
    damage(entry)
    printed, stderr = run_trace()
    assert printed == fresh
    assert stderr == ""
    if not entry.is_dir():  # a folder in its place stays: the cache only loses this entry
        # Rebuilt, verified and stored over the damaged entry: the next read is a hit.
        assert TraceCache().get(entry.stem, SCENE) is not None
    assert leftovers(cache) == []


def test_an_entry_renamed_to_another_key_is_a_miss(cache: Path) -> None:
    """A stride-2 trace copied under the name of stride 3 is not served as stride 3."""
    store = TraceCache()
    verified_trace(get(SCENE), {"stride": "2"}, cache=store)
    two = trace_key(SCENE, {"stride": "2"})
    three = trace_key(SCENE, {"stride": "3"})
    (cache / "traces" / f"{three}.json").write_bytes(
        (cache / "traces" / f"{two}.json").read_bytes()
    )
    assert store.get(three, SCENE) is None
    trace = verified_trace(get(SCENE), {"stride": "3"}, cache=store)
    assert trace.to_json() == build_trace(SCENE, stride="3").to_json()


def test_a_resealed_edit_is_what_the_seal_cannot_catch(cache: Path) -> None:
    """The limit, stated: the owner who recomputes the checksum is believed. Others cannot
    do it, because a folder or entry they can write is not read (the tests below)."""
    run_trace()
    reseal(trace_entry(cache), lambda doc: set_first_output(doc, 12345.0))
    printed, _ = run_trace()
    assert first_output(printed) == 12345.0


# --- traces and the others: permissions ---------------------------------------------------


LOOSE = {
    "root writable by all": lambda root: root.chmod(0o777),
    "folder writable by the group": lambda root: (root / "traces").chmod(0o770),
    "folder of another user": lambda root: os.chown(root / "traces", OTHER_UID, -1),
    "entry writable by all": lambda root: trace_entry(root).chmod(0o666),
    "entry of another user": lambda root: os.chown(trace_entry(root), OTHER_UID, -1),
}


@pytest.mark.parametrize("loosen", LOOSE.values(), ids=LOOSE.keys())
def test_a_cache_others_can_write_is_not_read_and_said_once(
    cache: Path,
    fresh: dict[str, object],
    loosen: Callable[[Path], None],
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The warning goes through logging (a real process prints it on stderr: the test
    after this one); here it is counted as a log record."""
    run_trace()
    reseal(trace_entry(cache), lambda doc: set_first_output(doc, 12345.0))  # a planted trace
    loosen(cache)
    printed, _ = run_trace()
    assert printed == fresh
    run_trace()
    warnings = [r.getMessage() for r in caplog.records if r.name == "explain.cache"]
    assert len(warnings) == 1, warnings  # one per process, not one per read
    assert warnings[0].startswith("explain: not using the cache ") and "delete" in warnings[0]


def test_explain_makes_its_folders_private(cache: Path) -> None:
    run_trace()
    remember_seconds(SCENE, {}, 1.0, 3.0)
    for folder in (cache, cache / "traces", cache / "lengths"):
        assert folder.stat().st_mode & 0o777 == 0o700
    assert trace_entry(cache).stat().st_mode & 0o077 == 0


def test_the_warning_names_the_folder_in_a_real_process(tmp_path: Path) -> None:
    """The one line a user sees, from the installed CLI's code path, and no traceback."""
    root = tmp_path / "cache"
    root.mkdir(mode=0o700)
    (root / "traces").mkdir(mode=0o700)
    (root / "traces").chmod(0o777)
    env = dict(os.environ, EXPLAIN_CACHE_DIR=str(root), PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "explain.scenes.cli", "trace", SCENE],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0
    assert json.loads(done.stdout) == json.loads(build_trace(SCENE).to_json())
    assert done.stderr.splitlines() == [
        f"explain: not using the cache folder {str(root / 'traces')!r}: other users can write "
        "to it or own it; run 'chmod 700' on it (as its owner) or delete it"
    ]
    assert list((root / "traces").iterdir()) == []  # nor written into


@pytest.mark.parametrize("kind", ["text", "lengths"])
def test_the_other_caches_refuse_a_loose_folder_too(
    cache: Path, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    from explain.scenes.kit.theme import DARK
    from explain.scenes.kit.widgets.numbers import TextFactory
    from explain.scenes.kit.widgets.text_cache import TextDiskCache

    TextFactory(DARK, TextDiskCache()).text("−0.25", 24)
    remember_seconds(SCENE, {}, 1.0, 3.0)
    (cache / kind).chmod(0o777)
    before = files_under(cache / kind)
    if kind == "lengths":
        assert remembered_seconds(SCENE, {}, 1.0) is None
        remember_seconds(SCENE, {}, 1.0, 4.0)
    else:
        disk = TextDiskCache()
        assert disk.get(("−0.25", 24.0, DARK.text, "NORMAL", DARK.font)) is None
        TextFactory(DARK, disk).text("7", 24)  # built, and not stored there
    assert files_under(cache / kind) == before
    assert [r.name for r in caplog.records] == ["explain.cache"]


def test_a_partial_left_by_a_killed_write_is_swept_once_old(cache: Path) -> None:
    folder = cache / "traces"
    folder.mkdir(parents=True, mode=0o700)
    cache.chmod(0o700)
    old, recent = folder / ".killed.json.abc.partial", folder / ".writing.json.def.partial"
    for partial in (old, recent):
        partial.write_bytes(b"half a trace")
    os.utime(old, (1_000_000_000, 1_000_000_000))  # 2001: long dead
    run_trace()  # a miss, so a write, the first of this process in that folder
    assert not old.exists() and recent.exists()


def test_a_trace_too_large_to_be_read_back_is_not_stored(
    cache: Path, monkeypatch: pytest.MonkeyPatch, fresh: dict[str, object]
) -> None:
    from explain.scenes.app import trace_cache

    monkeypatch.setattr(trace_cache, "MAX_TRACE_BYTES", 1000)  # conv-stride's is about 4 KB
    printed, _ = run_trace()
    assert printed == fresh
    assert not (cache / "traces").exists() or list((cache / "traces").iterdir()) == []


# --- full and read-only file systems ------------------------------------------------------


def test_a_full_cache_disk_costs_speed_and_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: dict[str, object]
) -> None:
    from explain.scenes.kit.theme import DARK
    from explain.scenes.kit.widgets.numbers import TextFactory
    from explain.scenes.kit.widgets.text_cache import TextDiskCache

    with full_tmpfs(tmp_path) as disk:
        monkeypatch.setenv("EXPLAIN_CACHE_DIR", str(disk / "cache"))
        printed, stderr = run_trace()
        text = TextFactory(DARK, TextDiskCache()).text("−0.25", 24)
        remember_seconds(SCENE, {}, 1.0, 3.0)
        assert printed == fresh and stderr == ""
        assert text.original_text == "−0.25" and text.width > 0
        assert remembered_seconds(SCENE, {}, 1.0) is None
        assert files_under(disk) == {}  # folders at most: no entry, no .partial


def test_a_disk_that_fills_during_a_write_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: dict[str, object]
) -> None:
    """Room for the folders and part of an entry (a trace is about 4 KB): the write fails
    midway, and its temporary file goes with it."""
    with small_tmpfs(tmp_path, 8) as disk:
        monkeypatch.setenv("EXPLAIN_CACHE_DIR", str(disk / "cache"))
        (disk / ".filler").write_bytes(b"\0" * 4096)  # one of its two pages
        printed, _ = run_trace()
        assert printed == fresh
        assert leftovers(disk) == []


def test_a_read_only_cache_still_serves_its_hits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh: dict[str, object]
) -> None:
    with small_tmpfs(tmp_path, 1024) as disk:
        monkeypatch.setenv("EXPLAIN_CACHE_DIR", str(disk / "cache"))
        run_trace()
        remember_seconds(SCENE, {}, 1.0, 3.0)
        before = files_under(disk)
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        printed, stderr = run_trace()
        remember_seconds(SCENE, {}, 1.0, 4.0)  # cannot be kept: only the total is lost
        assert printed == fresh and stderr == ""
        assert remembered_seconds(SCENE, {}, 1.0) == 3.0
        assert files_under(disk) == before


# --- built text ---------------------------------------------------------------------------


@pytest.fixture
def text_disk(cache: Path) -> Iterator[Path]:
    from explain.scenes.kit.theme import DARK
    from explain.scenes.kit.widgets.numbers import TextFactory
    from explain.scenes.kit.widgets.text_cache import TextDiskCache

    TextFactory(DARK, TextDiskCache()).text("−0.25", 24)
    yield cache / "text"


def glyph_points(content: str) -> list[np.ndarray]:
    """The glyphs a new factory gives for ``content`` (through the disk cache)."""
    from explain.scenes.kit.theme import DARK
    from explain.scenes.kit.widgets.numbers import TextFactory
    from explain.scenes.kit.widgets.text_cache import TextDiskCache

    text = TextFactory(DARK, TextDiskCache()).text(content, 24)
    return [m.points for m in text.family_members_with_points()]


def _replace_node(entry: Path, edit: Callable[[dict], object]) -> None:
    """Edit the JSON form of the cached Text (its ``nodes`` and shared ``values``) and
    recompute the seal, as the owner could."""
    head, _, body = entry.read_bytes().partition(b"\n")
    doc = json.loads(body)
    edit(doc)
    seal_of = json.loads(head)
    entry.write_bytes(seal(seal_of["name"], seal_of["fingerprint"], json.dumps(doc).encode()))


def _set_last_glyph(doc: dict, attr: str, encoded: object) -> None:
    doc["values"].append(encoded)
    doc["nodes"][-1]["attrs"][attr] = len(doc["values"]) - 1


def _planted_pickle(entry: Path) -> None:
    import pickle

    head, _, _ = entry.read_bytes().partition(b"\n")
    name, fingerprint = json.loads(head)["name"], json.loads(head)["fingerprint"]
    entry.write_bytes(seal(name, fingerprint, pickle.dumps(os.getcwd)))


def _unknown_class(entry: Path) -> None:
    _replace_node(entry, lambda doc: doc["nodes"][0].update({"class": "Popen"}))


def _points_as_text(entry: Path) -> None:
    _replace_node(entry, lambda doc: _set_last_glyph(doc, "points", "0 0 0"))


def _a_loop(entry: Path) -> None:
    loop = {"list": [{"node": 0}]}  # the last glyph holds the whole Text
    _replace_node(entry, lambda doc: _set_last_glyph(doc, "submobjects", loop))


def _bad_array(entry: Path) -> None:
    array = {"array": "object", "shape": [1], "raw": "AA==", "scalar": False}
    _replace_node(entry, lambda doc: _set_last_glyph(doc, "points", array))


TEXT_DAMAGE = [
    _random,
    _truncated,
    _empty,
    _a_directory,
    _a_pipe,
    _huge,
    _other_code,
    _planted_pickle,
    _unknown_class,
    _points_as_text,
    _a_loop,
    _bad_array,
]


@pytest.mark.parametrize("damage", TEXT_DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_text_entry_is_built_again(
    text_disk: Path, damage: Callable[[Path], None], tmp_path: Path
) -> None:
    (entry,) = text_disk.iterdir()
    damage(entry)
    got = glyph_points("−0.25")
    expected = [m.points for m in _built("−0.25").family_members_with_points()]
    assert len(got) == len(expected) > 0
    assert all(np.array_equal(a, b) for a, b in zip(got, expected, strict=True))
    assert leftovers(text_disk) == []


def _built(content: str) -> object:
    from manim import Text

    from explain.scenes.kit.theme import DARK

    return Text(content, font=DARK.font, font_size=24, color=DARK.text)


def test_a_planted_pickle_never_runs(text_disk: Path, tmp_path: Path) -> None:
    """The attack the issue names: code in a cache file. A pickle that would create a file
    when loaded, sealed properly, is refused as not JSON; the file never appears."""
    import pickle

    marker = tmp_path / "ran"

    class Planted:
        def __reduce__(self) -> tuple[object, tuple[str, str]]:
            return (open, (str(marker), "w"))

    (entry,) = text_disk.iterdir()
    head = json.loads(entry.read_bytes().partition(b"\n")[0])
    entry.write_bytes(seal(head["name"], head["fingerprint"], pickle.dumps(Planted())))
    glyph_points("−0.25")
    assert not marker.exists()


# --- remembered render lengths ------------------------------------------------------------


@pytest.mark.parametrize(
    "damage", [_random, _truncated, _empty, _a_directory, _a_pipe, _huge, _other_code]
)
def test_a_damaged_length_only_loses_the_total(cache: Path, damage: Callable[[Path], None]) -> None:
    remember_seconds(SCENE, {}, 1.0, 3.0)
    (entry,) = (cache / "lengths").iterdir()
    damage(entry)
    assert remembered_seconds(SCENE, {}, 1.0) is None
    remember_seconds(SCENE, {}, 1.0, 5.0)
    if not entry.is_dir():
        assert remembered_seconds(SCENE, {}, 1.0) == 5.0
    assert leftovers(cache) == []


def test_a_resealed_length_of_the_wrong_kind_is_unknown(cache: Path) -> None:
    remember_seconds(SCENE, {}, 1.0, 3.0)
    (entry,) = (cache / "lengths").iterdir()
    for body in (b"nan", b"-3", b"1e400", b"\xff"):
        entry.write_bytes(seal(entry.name, "seconds 1", body))
        assert remembered_seconds(SCENE, {}, 1.0) is None


# --- the seal itself ----------------------------------------------------------------------


def test_the_seal_names_entry_fingerprint_and_bytes() -> None:
    body = b'{"a": 1}'
    sealed = seal("x.json", "code 1", body)
    assert unseal(sealed, "x.json", "code 1") == body
    assert unseal(sealed, "y.json", "code 1") is None
    assert unseal(sealed, "x.json", "code 2") is None
    assert unseal(sealed.replace(b"1}", b"2}"), "x.json", "code 1") is None
    assert unseal(b"", "x.json", "code 1") is None
    assert unseal(b"\n" + body, "x.json", "code 1") is None
    assert hashlib.sha256(body).hexdigest().encode() in sealed


def test_a_missing_cache_is_trusted_and_made_on_first_write(tmp_path: Path) -> None:
    folder = CacheFolder(tmp_path / "root" / "kind")
    assert folder.trusted() and folder.load("e", "f", 10) is None
    folder.store("e", "f", b"body")
    assert folder.load("e", "f", 10) == b"body"
    assert folder.load("e", "f", 2) is None  # larger than the caller's bound: a miss
