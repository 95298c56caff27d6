"""Lecture files: every bad file is one line naming the chapter and the problem, exit 2,
nothing written; random files never raise anything but LectureError."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from explain.scenes.app.lecture_file import LectureError, parse_lecture, read_lecture
from explain.scenes.cli import app

runner = CliRunner()

GOOD = """
title = "Week 3: convolution"
lang = "zh"
[[chapter]]
title = "Stride"
scene = "conv-stride"
set = { stride = 2, bias = true }
[[chapter]]
title = "Pooling"
scene = "maxpool"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "week.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_file_reads_into_chapters_with_set_text(tmp_path: Path) -> None:
    lecture = read_lecture(write(tmp_path, GOOD))
    assert lecture.title == "Week 3: convolution" and lecture.lang == "zh"
    assert [c.scene for c in lecture.chapters] == ["conv-stride", "maxpool"]
    assert lecture.chapters[0].set_args() == ("--set", "stride=2", "--set", "bias=true")
    assert [c.number for c in lecture.chapters] == [1, 2]


def test_lists_and_numbers_become_set_text() -> None:
    doc = {
        "title": "t",
        "chapter": [
            {"title": "c", "scene": "sgd", "set": {"x": [1, 2.5, 3], "y": [2, 5, 6], "lr": 0.1}}
        ],
    }
    chapter = parse_lecture(doc).chapters[0]
    assert dict(chapter.assignments) == {"x": "1,2.5,3", "y": "2,5,6", "lr": "0.1"}


BAD = [
    ('title = "t"\nfoo = 1\n[[chapter]]\ntitle="a"\nscene="maxpool"', ("week.toml", "foo")),
    ('title = "t"', ("chapter",)),
    ('[[chapter]]\ntitle="a"\nscene="maxpool"', ("title",)),
    ('title = "t"\n[[chapter]]\ntitle="Pooling"\nscene="nope"', ("chapter 1", "Pooling", "nope")),
    (
        'title = "t"\n[[chapter]]\ntitle="a"\nscene="maxpool"\n'
        '[[chapter]]\ntitle="Stride"\nscene="conv-stride"\nset={stride=99}',
        ("chapter 2", "Stride", "stride"),
    ),
    ('title = "t"\n[[chapter]]\ntitle="a"\nscene="maxpool"\nspeed=2', ("chapter 1", "speed")),
    ('title = "t"\n[[chapter]]\ntitle="a"\nscene="maxpool"\nset=3', ("chapter 1", "set")),
    ('title = "t"\n[[chapter]]\ntitle="a"\nscene="maxpool"\nset={stride="x"}', ("stride",)),
    ('title = "t"\n[[chapter]]\ntitle="a"\nscene="maxpool"\nset={a={b=1}}', ("set.a",)),
    ('title = 3\n[[chapter]]\ntitle="a"\nscene="maxpool"', ("title",)),
    ('title = "t"\nlang = "fr"\n[[chapter]]\ntitle="a"\nscene="maxpool"', ("lang",)),
    ('title = "t"\n[[chapter]]\ntitle=""\nscene="maxpool"', ("chapter 1", "title")),
    ("title = [", ("TOML",)),
]


@pytest.mark.parametrize(("text", "words"), BAD)
def test_bad_files_are_one_line_exit_2_and_write_nothing(
    tmp_path: Path, text: str, words: tuple[str, ...]
) -> None:
    path = write(tmp_path, text)
    out = tmp_path / "out" / "week.mp4"
    out.parent.mkdir()
    result = runner.invoke(app, ["lecture", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]
    assert list(out.parent.iterdir()) == []


def test_missing_file_and_bad_options_are_usage_errors(tmp_path: Path) -> None:
    good = write(tmp_path, GOOD)
    for args, word in (
        ([str(tmp_path / "none.toml")], "cannot be read"),
        ([str(good), "--quality", "huge"], "--quality"),
        ([str(good), "--theme", "pink"], "--theme"),
        ([str(good), "--out", str(tmp_path / "x.avi")], "--out"),
        ([str(good), "--out", str(tmp_path / "no" / "deeper" / "x.mp4")], "does not exist"),
        ([str(good), "--jobs", "0", "--out", str(tmp_path / "x.mp4")], "--jobs"),
        ([str(good), "--format", "webm"], "--format"),
    ):
        result = runner.invoke(app, ["lecture", *args])
        assert result.exit_code == 2, (args, result.output)
        assert word in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["week.toml"]


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["maxpool", "conv-stride", "softmax", "stride", "title", "scene", "set"]),
)
KEYS = st.one_of(st.sampled_from(["title", "scene", "set", "chapter", "lang", "stride"]), st.text())
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def chapters() -> Any:
    chapter = st.fixed_dictionaries(
        {"title": VALUES, "scene": VALUES},
        optional={"set": st.dictionaries(KEYS, VALUES, max_size=3), "extra": VALUES},
    )
    return st.lists(chapter | VALUES, max_size=3)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {},
        optional={"title": VALUES, "chapter": chapters(), "lang": VALUES, "theme": VALUES},
    )
)
def test_random_documents_raise_only_lecture_errors(doc: dict[str, Any]) -> None:
    try:
        lecture = parse_lecture(doc)
    except LectureError as err:
        assert "\n" not in str(err) and len(str(err)) < 400
    else:
        assert lecture.chapters and all(c.title for c in lecture.chapters)


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_random_bytes_never_raise_anything_else(tmp_path_factory: Any, data: bytes) -> None:
    path = tmp_path_factory.mktemp("lec") / "random.toml"
    path.write_bytes(data)
    with pytest.raises(LectureError):
        read_lecture(path)
