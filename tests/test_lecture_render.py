"""A small lecture rendered end to end (two one-window pooling scenes, low quality): its
chapter markers, its subtitles' timing, its notes page's links, and the render cache."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import srt
from typer.testing import CliRunner

from explain.scenes.cli import app
from explain.scenes.output.join import JoinError

pytestmark = [
    pytest.mark.render,
    pytest.mark.skipif(shutil.which("ffprobe") is None, reason="needs ffprobe"),
]

LECTURE = """
title = "Pooling, briefly"
[[chapter]]
title = "Max [pooling]"
scene = "maxpool"
set = {{ input_size = 2 }}
[[chapter]]
title = "Average pooling"
scene = "avgpool"
set = {{ input_size = {size} }}
"""
runner = CliRunner()


def lecture(folder: Path, size: int = 2, *extra: str) -> Any:
    source = folder / "small.toml"
    source.write_text(LECTURE.format(size=size), encoding="utf-8")
    args = ["lecture", str(source), "--out", str(folder / "small.mp4"), "--jobs", "2", *extra]
    return runner.invoke(app, args)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("lecture")
    result = lecture(folder)
    assert result.exit_code == 0, result.output
    assert "2 clip(s) rendered, 0 reused" in result.stdout
    return folder


def ffprobe(path: Path, *what: str) -> Any:
    command = ["ffprobe", "-v", "error", "-of", "json", *what, str(path)]
    return json.loads(subprocess.run(command, capture_output=True, check=True).stdout)


def test_one_chapter_marker_per_chapter_named_by_its_title(rendered: Path) -> None:
    doc = ffprobe(rendered / "small.mp4", "-show_chapters", "-show_format")
    chapters = doc["chapters"]
    assert [c["tags"]["title"] for c in chapters] == ["Max [pooling]", "Average pooling"]
    assert float(chapters[0]["start_time"]) == 0
    assert chapters[0]["end_time"] == chapters[1]["start_time"]
    assert float(chapters[1]["end_time"]) == pytest.approx(
        float(doc["format"]["duration"]), abs=0.1
    )
    assert doc["format"]["tags"]["title"] == "Pooling, briefly"


def test_clips_are_joined_without_reencoding(rendered: Path) -> None:
    streams = ffprobe(rendered / "small.mp4", "-show_streams", "-select_streams", "v")["streams"]
    assert [(s["codec_name"], s["width"], s["height"]) for s in streams] == [("h264", 854, 480)]
    cached = sorted((rendered / ".small.lecture").glob("*.mp4"))
    total = sum(int(ffprobe(c, "-show_streams")["streams"][0]["nb_frames"]) for c in cached)
    cards = sorted((rendered / ".small.lecture" / "cards").glob("*.mp4"))
    total += sum(int(ffprobe(c, "-show_streams")["streams"][0]["nb_frames"]) for c in cards)
    assert int(streams[0]["nb_frames"]) == total


def test_subtitles_are_in_order_without_overlap_inside_their_chapters(rendered: Path) -> None:
    subs = list(srt.parse((rendered / "small.srt").read_text(encoding="utf-8")))
    chapters = ffprobe(rendered / "small.mp4", "-show_chapters")["chapters"]
    assert len(subs) >= 4
    assert all(a.end <= b.start for a, b in zip(subs, subs[1:]))
    scene_srts = [
        list(srt.parse(p.read_text(encoding="utf-8")))
        for p in sorted((rendered / ".small.lecture").glob("*.srt"), key=lambda p: p.name[0])
    ]  # avgpool-..., maxpool-...: the second chapter's first
    first_count = len(scene_srts[1])
    assert [s.content for s in subs] == [s.content for s in scene_srts[1] + scene_srts[0]]
    for index, part in enumerate((subs[:first_count], subs[first_count:])):
        start, end = float(chapters[index]["start_time"]), float(chapters[index]["end_time"])
        assert all(
            start + 2 <= s.start.total_seconds() and s.end.total_seconds() <= end + 0.01
            for s in part
        )


def test_every_link_on_the_notes_page_resolves(rendered: Path) -> None:
    page = (rendered / "small.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(<([^>]+)>\)", page)
    assert len(targets) == 4  # video, subtitles, two GIFs
    for target in targets:
        assert (rendered / target).is_file(), target
    assert "# Pooling, briefly" in page and "## 1. Max \\[pooling\\]" in page
    assert "| output size | 1×1×1 |" in page  # input 2, window 2, stride 2: from the trace
    assert page.count("![") == 2


def test_rerun_renders_nothing_then_only_the_changed_chapter(rendered: Path) -> None:
    cache = rendered / ".small.lecture"
    kept = {p: p.stat().st_mtime_ns for p in cache.glob("maxpool-*.mp4")}
    again = lecture(rendered)
    assert again.exit_code == 0, again.output
    assert "0 clip(s) rendered, 2 reused" in again.stdout
    assert "rendering" not in again.stderr and "done" not in again.stderr  # no process
    changed = lecture(rendered, 4)
    assert changed.exit_code == 0, changed.output
    assert "1 clip(s) rendered, 1 reused" in changed.stdout
    assert {p: p.stat().st_mtime_ns for p in cache.glob("maxpool-*.mp4")} == kept
    assert len(list(cache.glob("avgpool-*.mp4"))) == 1  # the old clip was pruned
    lecture(rendered)  # back to the fixture's lecture for the other tests


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("explain.scenes.output.join.join_clips", JoinError("ffmpeg could not join: test")),
        ("explain.scenes.app.lecture.render_cards", RuntimeError("a card failed")),
    ],
)
def test_a_failure_keeps_the_previous_lecture_in_one_line(
    rendered: Path, monkeypatch: pytest.MonkeyPatch, target: str, error: Exception
) -> None:
    before = {p.name: p.read_bytes() for p in rendered.glob("small.*")}

    def broken(*_: Any) -> Any:
        raise error

    monkeypatch.setattr(target, broken)
    result = lecture(rendered)
    assert result.exit_code == 1 and "previous files kept" in result.stderr
    lines = result.stderr.strip().splitlines()  # the chapters' progress, then the error
    assert lines[-1].startswith("error: ") and "Traceback" not in result.output
    assert {p.name: p.read_bytes() for p in rendered.glob("small.*")} == before
    work = [p for p in rendered.iterdir() if p.name.startswith(".small.") and p.is_dir()]
    assert [p.name for p in work] == [".small.lecture"]


def test_notes_gifs_are_palette_gifs_at_notes_width(rendered: Path) -> None:
    for gif in (rendered / "small-notes").glob("*.gif"):
        head = gif.read_bytes()[:10]
        assert head[:6] == b"GIF89a" and int.from_bytes(head[6:8], "little") == 480


def test_notes_only_writes_the_page_and_gifs_without_a_video(tmp_path: Path) -> None:
    source = tmp_path / "one.toml"
    source.write_text(
        'title = "One"\n[[chapter]]\ntitle = "Max"\nscene = "maxpool"\nset = { input_size = 2 }\n',
        encoding="utf-8",
    )
    out = tmp_path / "one.mp4"
    result = runner.invoke(app, ["lecture", str(source), "--out", str(out), "--notes-only"])
    assert result.exit_code == 0, result.output
    assert not out.exists() and not out.with_suffix(".srt").exists()
    page = out.with_suffix(".md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(<([^>]+)>\)", page)
    assert targets == ["one-notes/01-maxpool.gif"] and (tmp_path / targets[0]).is_file()
    assert "\n- " in page  # the captions, from the GIF render's subtitles
