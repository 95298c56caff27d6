"""The course as shipped lecture files: all valid, the notes' order, every scene used, the
same chapters in both languages; `explain course` links every lecture from its index."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from explain.scenes.app import lecture as lecture_module
from explain.scenes.app.lecture import LectureResult, lecture_dir
from explain.scenes.app.lecture_file import read_lecture
from explain.scenes.app.sources import PACKAGE_ROOT
from explain.scenes.cli import app
from explain.scenes.registry import SCENES

COURSE_ORDER = [
    "linear-model",
    "gradient-descent",
    "backpropagation",
    "logistic-regression",
    "multi-feature-input",
    "datasets-and-loaders",
    "softmax-classification",
    "cnn-basics",
    "cnn-advanced",
    "rnn-basics",
]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_course_is_ten_valid_lectures_in_the_notes_order(lang: str) -> None:
    files = sorted(lecture_dir(lang).glob("*.toml"))
    assert [f.stem.split("-", 1)[1] for f in files] == COURSE_ORDER
    for path in files:
        assert read_lecture(path).lang == lang


def test_both_languages_have_the_same_chapters_and_use_every_scene() -> None:
    scenes = {}
    for lang in ("en", "zh"):
        lectures = [read_lecture(f) for f in sorted(lecture_dir(lang).glob("*.toml"))]
        scenes[lang] = [[(c.scene, c.assignments) for c in lec.chapters] for lec in lectures]
    assert scenes["en"] == scenes["zh"]
    used = {scene for lecture in scenes["en"] for scene, _ in lecture}
    assert used == {entry.name for entry in SCENES}


def test_the_example_lecture_is_valid() -> None:
    assert read_lecture(PACKAGE_ROOT / "lectures" / "example.toml").chapters


def test_course_renders_each_lecture_and_links_it_from_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []

    def fake_run(lecture: Any, video: Path, options: Any, console: Any) -> LectureResult:
        calls.append(video)
        assert options.render.lang == "zh" and options.jobs == 1
        for path in (video, video.with_suffix(".md")):
            path.write_text("x", encoding="utf-8")
        return LectureResult(written=[video])

    monkeypatch.setattr(lecture_module, "run_lecture", fake_run)
    out = tmp_path / "course"
    result = CliRunner().invoke(
        app, ["course", "--lang", "zh", "--out-dir", str(out), "--jobs", "1"]
    )
    assert result.exit_code == 0, result.output
    assert len(calls) == len(COURSE_ORDER)
    page = (out / "index.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(<([^>]+)>\)", page)
    assert len(targets) == 2 * len(COURSE_ORDER)
    assert all((out / target).is_file() for target in targets)
    assert "第 1 讲：线性模型" in page


def test_course_in_an_unknown_language_is_a_usage_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["course", "--lang", "fr", "--out-dir", str(tmp_path / "c")])
    assert result.exit_code == 2 and "--lang" in result.stderr
    assert not (tmp_path / "c").exists()
