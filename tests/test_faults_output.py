"""Fault injection for output sets (issue 21): tampered outputs and stamps, kills at exact
instants of a commit, read-only and full file systems, concurrent renders, hostile paths.

Each test asserts the promise: the old output set or the new one, every file complete and
true to its stamp (or no stamp); a one-line error; nothing left behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from explain.scenes.app import render as render_module
from explain.scenes.cli import app
from explain.scenes.output.commit import Staged, commit_set, remove_stale_temps
from explain.scenes.output.stamp import read_stamp, stamp_path, vouched_files
from tests.fault_tools import files_under, small_tmpfs
from tests.render_fakes import committing_fake

HOOKS = Path(__file__).parent / "fault_hooks"
EXPLAIN = [sys.executable, "-P", "-m", "explain.scenes.cli"]
# The fastest real render: a 2x2 input, a 2x2 kernel, at double speed (about 4 s of video).
SMALL = ["--set", "input_size=2", "--set", "kernel_size=2", "--speed", "2"]
SUFFIXES = (".mp4", ".srt", ".vtt")


# ---------------------------------------------------------------- an output set on disk


def stage(media: Path, tag: str) -> list[Staged]:
    """Three small finished files (video, captions, web captions) in ``media``."""
    media.mkdir(exist_ok=True)
    roles = ("path", "subtitles", "web_subtitles")
    files = []
    for suffix, role in zip(SUFFIXES, roles):
        src = media / f"{tag}{suffix}"
        src.write_bytes(f"{tag} {role} ".encode() * 50)
        files.append(src)
    return [Staged(src, Path(), role) for src, role in zip(files, roles)]


def commit_tagged(folder: Path, tag: str, out_name: str = "a.mp4") -> Path:
    out = folder / out_name
    staged = stage(folder.parent / f"media-{tag}", tag)
    files = [Staged(s.src, out.with_suffix(sfx), s.role) for s, sfx in zip(staged, SUFFIXES)]
    commit_set(files, stamp_path(out), f"key-{tag}")
    return out


def assert_one_true_set(out: Path, allowed: dict[str, dict[str, bytes]]) -> str | None:
    """Every file holds one of the allowed versions, complete; a stamp, if any, names a key
    whose version every file holds and matches byte for byte. Returns that key."""
    for suffix in SUFFIXES:
        data = out.with_suffix(suffix).read_bytes()
        assert any(data == v[suffix] for v in allowed.values()), f"{suffix}: a mix of bytes"
    stamp = read_stamp(stamp_path(out))
    if stamp is None:
        assert not stamp_path(out).exists(), "a stamp that cannot be read was left"
        return None
    key = stamp[0]
    assert vouched_files(out, key) is not None, "a stamp that does not match the files"
    return key


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.rglob("*") if p.name.endswith(".partial")]


# ---------------------------------------------------------------- tampered outputs


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def empty(path: Path) -> None:
    path.write_bytes(b"")


def same_size_other_bytes(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def random_bytes(path: Path) -> None:
    path.write_bytes(os.urandom(path.stat().st_size))


def delete(path: Path) -> None:
    path.unlink()


def folder_in_place(path: Path) -> None:
    path.unlink()
    path.mkdir()


TAMPERS: list[Callable[[Path], None]] = [
    truncate,
    empty,
    same_size_other_bytes,
    random_bytes,
    delete,
    folder_in_place,
]


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("tamper", TAMPERS, ids=lambda f: f.__name__)
def test_a_tampered_file_of_the_set_is_not_up_to_date(
    tmp_path: Path, suffix: str, tamper: Callable[[Path], None]
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = commit_tagged(folder, "old")
    assert vouched_files(out, "key-old") is not None
    tamper(out.with_suffix(suffix))
    assert vouched_files(out, "key-old") is None


def test_files_of_the_old_set_the_new_one_lacks_are_removed_unless_changed(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = commit_tagged(folder, "old")
    out.with_suffix(".vtt").write_text("the user's own file now")
    new = tmp_path / "media-new"
    new.mkdir()
    (new / "v").write_bytes(b"a video without captions")
    commit_set([Staged(new / "v", out)], stamp_path(out), "key-new")
    assert sorted(p.name for p in folder.iterdir()) == [".a.mp4.explain-key", "a.mp4", "a.vtt"]
    assert vouched_files(out, "key-new") is not None


def write_json(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc))


def valid_stamp(out: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(stamp_path(out).read_text())
    return doc


def stamp_damages(out: Path) -> dict[str, Callable[[], None]]:
    stamp = stamp_path(out)
    good = valid_stamp(out)

    def with_file(**changes: Any) -> Callable[[], None]:
        entry = dict(good["files"][0], **changes)
        return lambda: write_json(stamp, dict(good, files=[entry, *good["files"][1:]]))

    def replace_with(action: Callable[[], Any]) -> Callable[[], None]:
        def run() -> None:
            stamp.unlink()
            action()

        return run

    return {
        "random bytes": lambda: stamp.write_bytes(os.urandom(300)),
        "empty": lambda: stamp.write_bytes(b""),
        "truncated": lambda: stamp.write_bytes(stamp.read_bytes()[:40]),
        "not utf-8": lambda: stamp.write_bytes(b"\xff\xfe{}"),
        "a list": lambda: write_json(stamp, [good]),
        "key a number": lambda: write_json(stamp, dict(good, key=7)),
        "files a dict": lambda: write_json(stamp, dict(good, files={})),
        "no files": lambda: write_json(stamp, dict(good, files=[])),
        "format 1": lambda: write_json(stamp, {"key": good["key"], "paths": [str(out)]}),
        "size a string": with_file(size="186426"),
        "size a bool": with_file(size=True),
        "negative size": with_file(size=-1),
        "hash short": with_file(sha256="00"),
        "name elsewhere": with_file(name="../a.mp4"),
        "name a folder": with_file(name="."),
        "unknown role": with_file(role="video"),
        "deep nesting": lambda: stamp.write_text("[" * 50000 + "]" * 50000),
        "huge": lambda: stamp.write_text(json.dumps(dict(good, pad="x" * 200_000))),
        "a folder": replace_with(stamp.mkdir),
        "a fifo": replace_with(lambda: os.mkfifo(stamp)),
        "a link to /dev/zero": replace_with(lambda: stamp.symlink_to("/dev/zero")),
        "a dangling link": replace_with(lambda: stamp.symlink_to(out.with_name("gone"))),
    }


def test_every_damaged_stamp_is_a_miss_never_a_crash(tmp_path: Path) -> None:
    names = list(stamp_damages(commit_tagged(tmp_path, "probe")))
    for index, name in enumerate(names):
        folder = tmp_path / f"case-{index}"
        folder.mkdir()
        out = commit_tagged(folder, "old")
        assert vouched_files(out, "key-old") is not None, name
        stamp_damages(out)[name]()
        assert vouched_files(out, "key-old") is None, name


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=70),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=20,
)
FIELDS = st.fixed_dictionaries(
    {},
    optional={"format": JSON | st.just(2), "key": JSON, "files": JSON},
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(doc=FIELDS | JSON, raw=st.binary(max_size=200))
def test_a_stamp_of_random_json_or_bytes_is_a_miss(tmp_path: Path, doc: Any, raw: bytes) -> None:
    out = tmp_path / "a.mp4"
    out.write_bytes(b"video")
    for data in (json.dumps(doc).encode(), raw):
        stamp_path(out).write_bytes(data)
        assert vouched_files(out, "key") is None  # no key matches, and nothing raises


# ---------------------------------------------------------------- the CLI's "up to date"


def run(*args: str) -> Any:
    return CliRunner().invoke(app, list(args))


def assert_usage_error(result: Any, *words: str) -> None:
    """Exit 2, one line on stderr naming what is wrong, no traceback."""
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize(
    "damage",
    [*TAMPERS[:4], lambda p: stamp_path(p).write_bytes(os.urandom(64))],
    ids=["truncated", "emptied", "one byte changed", "random bytes", "stamp random bytes"],
)
def test_the_cli_renders_again_after_any_tampering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: Callable[[Path], None]
) -> None:
    calls: list[Path] = []
    monkeypatch.setattr(render_module, "render_trace", committing_fake(calls, b"v" * 1000))
    out = tmp_path / "a.mp4"
    for _ in range(2):
        assert run("render", "conv", "--out", str(out)).exit_code == 0
    assert len(calls) == 1  # the second was up to date
    damage(out)
    again = run("render", "conv", "--out", str(out))
    assert again.exit_code == 0 and "up to date" not in again.stdout
    assert len(calls) == 2
    assert out.read_bytes() == b"v" * 1000


# ---------------------------------------------------------------- kills during a commit

DRIVER = """
import signal, sys
from pathlib import Path
from explain.scenes.output.commit import Staged, commit_set
from explain.scenes.output.files import interrupted_message
from explain.scenes.output.stamp import stamp_path
signal.signal(signal.SIGTERM, signal.default_int_handler)  # as the CLI does
media, out = Path(sys.argv[1]), Path(sys.argv[2])
roles = {".mp4": "path", ".srt": "subtitles", ".vtt": "web_subtitles"}
files = [Staged(media / f"new{s}", out.with_suffix(s), r) for s, r in roles.items()]
try:
    commit_set(files, stamp_path(out), "key-new")
except KeyboardInterrupt:
    print(interrupted_message())
    sys.exit(130)
print("done")
"""


def fault_env(spec: str) -> dict[str, str]:
    path = os.pathsep.join([str(HOOKS), os.environ.get("PYTHONPATH", "")])
    return dict(os.environ, PYTHONPATH=path, EXPLAIN_FAULT=spec)


def no_sigint_ignore() -> None:
    # As in a terminal: a test worker may ignore SIGINT, and a child would inherit that.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


# 3 temporary copies and the stamp's are flushed (fsync), then 3 files and the stamp move.
INSTANTS = [("fsync", n) for n in (1, 3, 4)] + [("replace", n) for n in (1, 2, 3, 4)]


@pytest.mark.parametrize("sig", ["SIGINT", "SIGTERM", "SIGKILL"])
@pytest.mark.parametrize(("call", "count"), INSTANTS)
def test_a_kill_at_any_instant_of_a_commit_leaves_one_true_set(
    tmp_path: Path, call: str, count: int, sig: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = commit_tagged(folder, "old")
    stage(tmp_path / "media-new", "new")
    versions = {
        tag: {s: (tmp_path / f"media-{tag}" / f"{tag}{s}").read_bytes() for s in SUFFIXES}
        for tag in ("old", "new")
    }
    spec = f"{call}:{count}:{sig}:{folder}"
    args = [sys.executable, "-c", DRIVER, str(tmp_path / "media-new"), str(out)]
    proc = subprocess.run(
        args, env=fault_env(spec), capture_output=True, text=True, preexec_fn=no_sigint_ignore
    )
    key = assert_one_true_set(out, versions)
    moved = [s for s in SUFFIXES if out.with_suffix(s).read_bytes() == versions["new"][s]]
    if sig == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
        assert key == ("key-old" if call == "fsync" else "key-new" if count == 4 else None)
        remove_stale_temps(folder)  # what the next commit into this folder does first
    elif call == "replace":  # held back until every file and the stamp were in place
        assert (proc.returncode, key, len(moved)) == (130, "key-new", 3)
        assert proc.stdout.startswith("interrupted; these files were written")
        assert all(str(out.with_suffix(s)) in proc.stdout for s in SUFFIXES)
    else:  # while copying: nothing replaced, the old stamp still true
        assert (proc.returncode, key, moved) == (130, "key-old", [])
        assert proc.stdout.strip() == "interrupted; no file was written"
    assert "Traceback" not in proc.stderr
    assert leftovers(folder) == []


# ---------------------------------------------------------------- checked before replacing


@pytest.fixture
def no_render(monkeypatch: pytest.MonkeyPatch) -> None:
    """A bad destination is found before anything renders."""

    def refuse(*_: Any, **__: Any) -> Any:
        raise AssertionError("rendered although a destination was bad")

    monkeypatch.setattr(render_module, "render_trace", refuse)


def test_a_folder_where_the_srt_goes_is_found_before_rendering(
    tmp_path: Path, no_render: None
) -> None:
    (tmp_path / "out").mkdir()
    out = commit_tagged(tmp_path / "out", "x")
    before = files_under(out.parent)
    out.with_suffix(".srt").unlink()
    out.with_suffix(".srt").mkdir()
    result = run("render", "conv", "--out", str(out), "--force")
    assert_usage_error(result, "--out", ".srt", "folder")
    before.pop("a.srt")
    assert files_under(out.parent) == before


@pytest.mark.parametrize(
    ("name_bytes", "words"),
    [
        (255, ["--out", "too long", "at most 242"]),
        (243, ["--out", "too long", "at most 242", "named after it"]),
    ],
)
def test_a_name_too_long_for_the_set_is_one_line_before_rendering(
    tmp_path: Path, no_render: None, name_bytes: int, words: list[str]
) -> None:
    out = tmp_path / ("é" * ((name_bytes - 4) // 2) + "x" * ((name_bytes - 4) % 2) + ".mp4")
    assert len(os.fsencode(out.name)) == name_bytes
    assert_usage_error(run("render", "conv", "--out", str(out)), *words)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("command", ["trace", "slides", "plot"])
def test_other_commands_refuse_a_name_too_long_in_one_line(tmp_path: Path, command: str) -> None:
    suffix = {"trace": ".json", "slides": ".html", "plot": ".png"}[command]
    scene = "linear-loss" if command == "plot" else "conv"
    for out in (tmp_path / ("b" * 260 + suffix), tmp_path / ("c" * 260) / f"x{suffix}"):
        assert_usage_error(run(command, scene, "--out", str(out)), "--out", "too long")
    assert list(tmp_path.iterdir()) == []


def test_folder_and_lecture_names_too_long_are_one_line(tmp_path: Path) -> None:
    too_long = str(tmp_path / ("e" * 260))
    for args in (["render", "--all", "--out-dir", too_long], ["course", "--out-dir", too_long]):
        assert_usage_error(run(*args), "--out-dir", "too long")
    lecture = sorted((Path(__file__).parents[1] / "lectures" / "en").glob("*.toml"))[0]
    out = str(tmp_path / ("f" * 250 + ".mp4"))  # fits, but its notes folder would not
    assert_usage_error(run("lecture", str(lecture), "--out", out), "--out", "too long")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "args",
    [
        ["course", "--quality", ""],
        ["course", "--theme", " "],
        ["course", "--jobs", "0"],
        ["course", "--out-dir", "x", "--jobs", "0"],
        ["lecture", "LECTURE", "--lang", ""],
        ["lecture", "LECTURE", "--jobs", "17"],
        ["plot", "linear-loss", "--lang", " "],
        ["plot", "conv", "--out", "x.png"],
        ["slides", "conv", "--format", "nan"],
        ["render", "conv", "--format", "png", "--at", "nan"],
    ],
)
def test_every_bad_option_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_render: None, args: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    lecture = sorted((Path(__file__).parents[1] / "lectures" / "en").glob("*.toml"))[0]
    result = run(*[str(lecture) if a == "LECTURE" else a for a in args])
    assert_usage_error(result)
    assert result.stdout == ""  # not even a lecture's title: nothing started
    assert list(tmp_path.iterdir()) == []  # no folder made


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("new\nline.mp4", ["control character"]),
        ("tab\there.png", ["control character"]),
        ("/dev/null", ["must end in .mp4"]),
        ("/dev/full", ["must end in .mp4"]),
        ("fifo.mp4", ["not a regular file"]),
        ("missing/deeper/a.mp4", ["does not exist"]),
        ("a.mp4/", ["directory"]),
    ],
)
def test_hostile_out_paths_are_one_line_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, no_render: None, target: str, words: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    os.mkfifo(tmp_path / "fifo.mp4")
    Path("a.mp4").mkdir()
    before = sorted(p.name for p in tmp_path.iterdir())
    assert_usage_error(run("render", "conv", "--out", target), *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == before


def test_a_read_only_file_system_is_found_before_rendering(tmp_path: Path, no_render: None) -> None:
    with small_tmpfs(tmp_path, 256) as mount:
        commit_tagged(mount, "old")
        before = files_under(mount)
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        result = run("render", "conv", "--out", str(mount / "a.mp4"), "--force")
        assert_usage_error(result, "--out", "not writable")
        assert files_under(mount) == before


def test_a_full_disk_during_a_commit_keeps_the_old_set_and_its_stamp(tmp_path: Path) -> None:
    with small_tmpfs(tmp_path, 64) as mount:
        out = commit_tagged(mount, "old")
        before = files_under(mount)
        filler = mount / "filler"
        with open(filler, "wb", buffering=0) as fh:  # full to the last byte
            try:
                while True:
                    fh.write(b"\0" * 4096)
            except OSError:
                pass
        staged = stage(tmp_path / "media-new", "new")
        files = [Staged(s.src, out.with_suffix(x), s.role) for s, x in zip(staged, SUFFIXES)]
        with pytest.raises(Exception, match="No space left") as err:
            commit_set(files, stamp_path(out), "key-new")
        assert str(err.value).count("\n") == 0
        filler.unlink()
        assert files_under(mount) == before
        assert vouched_files(out, "key-old") is not None


# ---------------------------------------------------------------- real renders


def render_proc(out: Path, tmpdir: Path, *args: str, fault: str = "") -> subprocess.Popen[str]:
    env = fault_env(fault) if fault else dict(os.environ)
    env["TMPDIR"] = str(tmpdir)
    cmd = [*EXPLAIN, "render", "conv-single", *SMALL, "--out", str(out), *args]
    return subprocess.Popen(
        cmd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=no_sigint_ignore,
    )


def finish(proc: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=240)
    assert "Traceback" not in err, err
    return proc.returncode, out, err


@pytest.fixture(scope="module")
def old_render(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A real render (seed 1) to start from: a.mp4, a.srt, a.vtt and a true stamp."""
    folder = tmp_path_factory.mktemp("old")
    tmpdir = folder / "tmp"
    tmpdir.mkdir()
    code, _, err = finish(render_proc(folder / "set" / "a.mp4", tmpdir, "--set", "seed=1"))
    assert code == 0, err
    return folder / "set"


def copy_old(old_render: Path, tmp_path: Path) -> tuple[Path, dict[str, bytes], Path]:
    folder = tmp_path / "set"
    shutil.copytree(old_render, folder, symlinks=True)
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    return folder / "a.mp4", files_under(folder), tmpdir


def media_folders(tmpdir: Path) -> list[Path]:
    return list(tmpdir.glob("explain-media-*"))


def stamp_key(out: Path) -> str | None:
    found = read_stamp(stamp_path(out))
    return None if found is None else found[0]


@pytest.mark.render
def test_sigint_between_the_moves_of_a_real_render_is_held_and_reported(
    old_render: Path, tmp_path: Path
) -> None:
    out, old, tmpdir = copy_old(old_render, tmp_path)
    fault = f"replace:1:SIGINT:{out.parent}"
    code, _, err = finish(render_proc(out, tmpdir, "--set", "seed=2", fault=fault))
    assert code == 130
    assert err.strip().startswith("error: interrupted; these files were written")
    assert str(out) in err and str(out.with_suffix(".srt")) in err
    key = stamp_key(out)
    assert key is not None and vouched_files(out, key) is not None  # the new set, true
    assert files_under(out.parent)["a.mp4"] != old["a.mp4"]
    assert leftovers(out.parent) == [] and media_folders(tmpdir) == []


@pytest.mark.render
def test_sigterm_while_copying_a_real_render_keeps_the_old_set(
    old_render: Path, tmp_path: Path
) -> None:
    out, old, tmpdir = copy_old(old_render, tmp_path)
    fault = f"fsync:1:SIGTERM:{out.parent}"
    code, _, err = finish(render_proc(out, tmpdir, "--set", "seed=2", fault=fault))
    assert (code, err.strip()) == (143, "error: interrupted; no file was written")
    assert files_under(out.parent) == old
    assert media_folders(tmpdir) == []


@pytest.mark.render
def test_sigkill_between_moves_leaves_no_stamp_and_the_next_render_repairs(
    old_render: Path, tmp_path: Path
) -> None:
    out, old, tmpdir = copy_old(old_render, tmp_path)
    fault = f"replace:2:SIGKILL:{out.parent}"
    code, _, _ = finish(render_proc(out, tmpdir, "--set", "seed=2", fault=fault))
    assert code == -signal.SIGKILL
    assert not stamp_path(out).exists()  # removed first: nothing vouches for the mix
    now = files_under(out.parent)
    assert now["a.mp4"] != old["a.mp4"] and now["a.vtt"] == old["a.vtt"]
    code, stdout, _ = finish(render_proc(out, tmpdir, "--set", "seed=2"))
    assert code == 0 and "up to date" not in stdout
    key = stamp_key(out)
    assert key is not None and vouched_files(out, key) is not None
    assert leftovers(out.parent) == []  # the killed commit's copies are gone
    assert media_folders(tmpdir) == []  # and its media folder


@pytest.mark.render
def test_a_full_disk_fails_a_real_render_in_one_line_and_keeps_the_old_set(
    old_render: Path, tmp_path: Path
) -> None:
    size_kb = sum(-(-p.stat().st_size // 4096) * 4 for p in old_render.iterdir()) + 8
    with small_tmpfs(tmp_path, size_kb) as mount:
        for path in old_render.iterdir():
            shutil.copy2(path, mount / path.name)
        before = files_under(mount)
        tmpdir = tmp_path / "tmp"
        tmpdir.mkdir()
        code, _, err = finish(render_proc(mount / "a.mp4", tmpdir, "--set", "seed=2"))
        assert code == 2 and err.count("\n") == 1 and "No space left" in err
        assert files_under(mount) == before
        assert leftovers(mount) == [] and media_folders(tmpdir) == []


@pytest.mark.render
def test_concurrent_renders_to_one_output_end_as_one_true_set(
    old_render: Path, tmp_path: Path
) -> None:
    out, _, tmpdir = copy_old(old_render, tmp_path)
    procs = [render_proc(out, tmpdir, "--set", f"seed={seed}") for seed in (3, 4)]
    assert [finish(p)[0] for p in procs] == [0, 0]
    key = stamp_key(out)
    assert key is not None and vouched_files(out, key) is not None
    assert leftovers(out.parent) == []


@pytest.mark.render
def test_an_odd_name_through_a_symlinked_folder_is_written_there(tmp_path: Path) -> None:
    real = tmp_path / "real folder"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    out = tmp_path / "link" / "-ünï cödé ✓ 名字.mp4"
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    code, stdout, err = finish(render_proc(out, tmpdir))
    assert code == 0, err
    written = sorted(p.name for p in real.iterdir())
    stem = "-ünï cödé ✓ 名字"
    assert written == sorted([f".{stem}.mp4.explain-key", *(f"{stem}{s}" for s in SUFFIXES)])
    key = stamp_key(out)
    assert key is not None and vouched_files(out, key) is not None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real folder", "tmp"]
