"""`explain notes` through the CLI: the plan (--dry-run, --json), bad input (one line, exit
2, nothing written), the renders it asks for, and one real render whose links resolve."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from explain.scenes.app import notes_render
from explain.scenes.app.batch import BatchItem, BatchResult
from explain.scenes.app.lecture import NOTES_FPS, NOTES_WIDTH
from explain.scenes.cli import app

runner = CliRunner()
ZH_NOTE = "# 卷积\n\n正文，讲卷积核。\n\n##### stride\n<!-- explain: conv-stride stride=1 -->\n"
EN_NOTE = "# Notes\n\n## Max pooling\nThe window keeps its largest value.\n\n## Homework\n"


def run(*args: str) -> Any:
    return runner.invoke(app, ["notes", *args])


def write(folder: Path, text: str | bytes, name: str = "note.md") -> Path:
    path = folder / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path: Path) -> None:
    note = write(tmp_path, ZH_NOTE)
    result = run(str(note), "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["1: 卷积 -> conv", "5: stride -> conv-stride stride=1"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.md"]


def test_json_prints_the_plan_as_objects(tmp_path: Path) -> None:
    note = write(tmp_path, ZH_NOTE)
    result = run(str(note), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [
        {"line": 1, "heading": "卷积", "scene": "conv", "set": {}},
        {"line": 5, "heading": "stride", "scene": "conv-stride", "set": {"stride": "1"}},
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["note.md"]


def assert_one_line_and_nothing_written(result: Any, folder: Path, before: set[str]) -> str:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output
    assert {p.name for p in folder.iterdir()} == before
    return lines[0]


@pytest.mark.parametrize(
    ("text", "args", "words"),
    [
        (ZH_NOTE, ["{dir}/missing.md"], ["missing.md", "no such note"]),
        (b"# \xff\xfe conv\n", ["{dir}/note.md"], ["note.md", "UTF-8"]),
        (ZH_NOTE, ["{dir}/note.md", "--out", "{dir}/./note.md"], ["--out", "the note itself"]),
        (ZH_NOTE, ["{dir}/note.md", "--out", "{dir}/note.html"], ["--out", ".md"]),
        (ZH_NOTE, ["{dir}/note.md", "--out", "{dir}/no/such/x.md"], ["--out", "does not exist"]),
        ("# 卷积\n<!-- explain: convv -->\n", ["{dir}/note.md"], ["note.md:2", "convv"]),
        ("# 卷积\n<!-- explain: conv stride=0 -->\n", ["{dir}/note.md"], ["note.md:2", "stride"]),
        ("# 卷积\n\n## x\n<!-- explain: conv depth=3 -->\n", ["{dir}/note.md"], ["note.md:4"]),
        (ZH_NOTE, ["{dir}/note.md", "--lang", "fr"], ["--lang", "zh"]),
        (ZH_NOTE, ["{dir}/note.md", "--theme", "blue"], ["--theme", "light"]),
        (ZH_NOTE, ["{dir}/note.md", "--jobs", "0"], ["--jobs"]),
    ],
)
def test_bad_input_is_one_line_and_writes_nothing(
    tmp_path: Path, text: str | bytes, args: list[str], words: list[str]
) -> None:
    write(tmp_path, text)
    result = run(*(a.replace("{dir}", str(tmp_path)) for a in args))
    message = assert_one_line_and_nothing_written(result, tmp_path, {"note.md"})
    for word in words:
        assert word in message


class FakeRenders:
    """Stands in for the batch renderer: records the items and writes a small file each."""

    def __init__(self, ok: bool = True) -> None:
        self.items: list[BatchItem] = []
        self.ok = ok

    def __call__(self, items: list[BatchItem], jobs: int, console: Any) -> list[BatchResult]:
        self.items = items
        for item in items:
            item.out.write_bytes(b"GIF89a")
        return [BatchResult(i.name, i.out, 0.1, self.ok, "boom") for i in items]


def test_renders_notes_gifs_in_the_note_s_language(tmp_path: Path, monkeypatch: Any) -> None:
    fake = FakeRenders()
    monkeypatch.setattr(notes_render, "render_many", fake)
    note = write(tmp_path, ZH_NOTE)
    result = run(str(note), "--jobs", "1")
    assert result.exit_code == 0, result.output
    assert [i.name for i in fake.items] == ["conv", "conv-stride"]
    args = fake.items[1].args
    assert args[:2] == ("--set", "stride=1")
    for flag, value in (("--width", NOTES_WIDTH), ("--fps", NOTES_FPS), ("--lang", "zh")):
        assert args[args.index(flag) + 1] == str(value)
    out = (tmp_path / "note.explained.md").read_text("utf-8")
    assert "![二维卷积" in out  # the Chinese description is the alt text
    assert_links_resolve(tmp_path / "note.explained.md", 2)


def test_lang_overrides_the_note_s(tmp_path: Path, monkeypatch: Any) -> None:
    fake = FakeRenders()
    monkeypatch.setattr(notes_render, "render_many", fake)
    note = write(tmp_path, EN_NOTE)
    assert run(str(note), "--lang", "zh", "--out", str(tmp_path / "zh.md")).exit_code == 0
    assert fake.items[0].args[fake.items[0].args.index("--lang") + 1] == "zh"
    assert run(str(note)).exit_code == 0
    assert fake.items[0].args[fake.items[0].args.index("--lang") + 1] == "en"
    assert "![Max pooling: each window" in (tmp_path / "note.explained.md").read_text()


def test_a_failed_gif_leaves_the_note_unwritten(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(notes_render, "render_many", FakeRenders(ok=False))
    note = write(tmp_path, EN_NOTE)
    result = run(str(note))
    assert result.exit_code == 1
    assert "maxpool" in result.stderr and "not written" in result.stderr
    assert not (tmp_path / "note.explained.md").exists()


def assert_links_resolve(page: Path, count: int) -> None:
    links = re.findall(r"^!\[[^\]]+\]\(<([^>]+)>\)$", page.read_text("utf-8"), flags=re.M)
    assert len(links) == count
    for link in links:
        assert (page.parent / link).is_file(), link


@pytest.mark.render
def test_a_real_note_gets_gifs_that_resolve_and_a_second_run_keeps_it(tmp_path: Path) -> None:
    note = write(tmp_path, "# 笔记\n\n## 最大池化\n文字\n\n## 平均池化\n", name="my note.md")
    result = run(str(note))
    assert result.exit_code == 0, result.output
    page = tmp_path / "my note.explained.md"
    assert_links_resolve(page, 2)
    gif = tmp_path / "my note.explained_files" / "maxpool.gif"
    assert gif.read_bytes()[:6] == b"GIF89a"
    again = run(str(page), "--out", str(tmp_path / "again.md"))
    assert again.exit_code == 0, again.output
    assert (tmp_path / "again.md").read_bytes() == page.read_bytes()


def test_out_in_a_new_folder_gets_its_gifs_beside_it(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(notes_render, "render_many", FakeRenders())
    note = write(tmp_path, EN_NOTE)
    page = tmp_path / "site" / "pooling.md"
    assert run(str(note), "--out", str(page)).exit_code == 0
    assert (tmp_path / "site" / "pooling_files" / "maxpool.gif").is_file()
    assert_links_resolve(page, 1)
