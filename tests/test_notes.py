"""`explain notes`, the pure part: which lines are headings, the plan (directives, the
ancestor rule), and the written note: everything but the inserted blocks byte for byte,
and the same note again when run on its own output."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explain.scenes.app.notes import NoteError, block, explained, parse_note, plan_note

NOTE = """\
---
title: "# 不是标题"
tags: [卷积]
---
# PyTorch 深度学习实践

## 卷积神经网络（CNN）

### 卷积层
#### 单通道卷积
![截图](img/conv1.png) 见 [官方文档](https://pytorch.org/docs) <!-- 注释 -->

#### 多通道卷积

```python
# 卷积
## stride
conv = torch.nn.Conv2d(3, 2, kernel_size=3)
```

~~~
##### padding
~~~

<div align="center">
## MaxPooling inside HTML
</div>

##### stride
<!-- explain: conv-stride stride=1 padding=0 -->
正文。

### 作业
    # 缩进的代码，不是标题
#5 也不是标题
### 卷积运算
<!-- explain: none -->
### MaxPooling ###
"""


def strip_blocks(text: str) -> str:
    """The note with every inserted block removed, found here independently of the code."""
    lines = text.splitlines(keepends=True)
    kept: list[str] = []
    skipping = False
    for line in lines:
        if line.startswith("<!-- explain:begin "):
            skipping = True
        if not skipping:
            kept.append(line)
        if line.rstrip("\r\n") == "<!-- explain:end -->":
            skipping = False
    out = "".join(kept)
    if not text.endswith(("\n", "\r")):  # a block under the last line adds its newline
        out = re.sub(r"(\r\n|\n|\r)$", "", out)
    return out


def explain_text(text: str, source: str = "note.md") -> str:
    note = parse_note(text)
    plan = plan_note(note, source)
    blocks = {item.after: block(item.scene, "alt", f"<f/{item.scene}.gif>") for item in plan}
    return explained(note, blocks)


def plan_of(text: str) -> list[tuple[int, str, dict[str, str]]]:
    return [(i.line, i.scene, i.assignments) for i in plan_note(parse_note(text), "note.md")]


def test_the_plan_of_a_course_note() -> None:
    assert plan_of(NOTE) == [
        (7, "cnn-shapes", {}),
        (9, "conv", {}),
        (10, "conv-single", {}),
        (13, "conv-multichannel", {}),
        (29, "conv-stride", {"stride": "1", "padding": "0"}),
        (38, "maxpool", {}),
    ]


def test_headings_in_code_front_matter_and_html_are_not_headings() -> None:
    headings = [text for _, _, text in parse_note(NOTE).headings()]
    assert "不是标题" not in " ".join(headings)
    assert "stride" in headings and headings.count("stride") == 1  # not the one in the fence
    assert "padding" not in headings and "MaxPooling inside HTML" not in headings
    assert "MaxPooling" in headings  # the closing #s are not part of the text


def test_a_topic_under_an_ancestor_showing_it_is_not_repeated() -> None:
    note = "# 卷积\n## 卷积运算\n### stride\n# 附录\n## 卷积\n"
    assert plan_of(note) == [(1, "conv", {}), (3, "conv-stride", {}), (5, "conv", {})]


def test_none_skips_the_heading_and_a_directive_elsewhere_is_text() -> None:
    note = "# 卷积\n<!-- explain: none -->\n\n<!-- explain: maxpool -->\n## 步长\n"
    assert plan_of(note) == [(5, "conv-stride", {})]


def test_a_directive_may_pick_a_scene_the_ancestors_show() -> None:
    note = "# 卷积\n## 例子\n<!-- explain: conv stride=1 -->\n"
    assert plan_of(note) == [(1, "conv", {}), (2, "conv", {"stride": "1"})]


@pytest.mark.parametrize(
    ("directive", "words"),
    [
        ("nonsense", ["note.md:3", "scene", "nonsense"]),
        ("conv-stride stride=99", ["note.md:3", "stride"]),
        ("conv-stride colour=red", ["note.md:3", "colour"]),
        ("conv-stride stride", ["note.md:3", "key=value"]),
        ('backprop expr="(w*x', ["note.md:3", "quotation"]),
        ("", ["note.md:3", "none"]),
        ("none stride=1", ["note.md:3", "none"]),
        ("conv-stride expr=__import__('os')", ["note.md:3", "expr"]),
    ],
)
def test_a_bad_directive_is_one_line_naming_its_line(directive: str, words: list[str]) -> None:
    note = f"intro\n## 卷积\n<!-- explain: {directive} -->\n"
    with pytest.raises(NoteError) as err:
        plan_note(parse_note(note), "note.md")
    message = str(err.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_everything_but_the_blocks_is_kept_byte_for_byte() -> None:
    out = explain_text(NOTE)
    assert out != NOTE and out.count("<!-- explain:begin ") == 6
    assert strip_blocks(out) == NOTE
    directive = "<!-- explain: conv-stride stride=1 padding=0 -->"
    assert f"##### stride\n{directive}\n<!-- explain:begin conv-stride -->" in out


def test_crlf_and_a_missing_final_newline_are_kept() -> None:
    note = "# 卷积\r\n正文\r\n\r\n## stride"
    out = explain_text(note)
    first = ["<!-- explain:begin conv -->", "![alt](<f/conv.gif>)", "<!-- explain:end -->"]
    assert out.startswith("# 卷积\r\n" + "\r\n".join(first) + "\r\n正文\r\n")
    last = ["<!-- explain:begin conv-stride -->", "![alt](<f/conv-stride.gif>)"]
    assert out.endswith("## stride\r\n" + "\r\n".join(last) + "\r\n<!-- explain:end -->")
    assert strip_blocks(out) == note
    assert explain_text(out) == out


def test_running_on_its_own_output_changes_nothing() -> None:
    once = explain_text(NOTE)
    assert explain_text(once) == once
    assert parse_note(once).gif_folder == "f"
    assert [i.line for i in plan_note(parse_note(once), "x")][:2] == [7, 12]  # its own lines


def test_a_block_marker_inside_code_is_the_note_s_own_text() -> None:
    note = (
        "# 卷积\n```\n<!-- explain:begin conv -->\n![a](<f/conv.gif>)\n<!-- explain:end -->\n```\n"
    )
    out = explain_text(note)
    assert out.count("<!-- explain:begin conv -->") == 2  # ours under the heading, and the code's
    assert out.startswith("# 卷积\n<!-- explain:begin conv -->\n") and out.endswith(note[5:])
    assert explain_text(out) == out


LINES = st.sampled_from(
    [
        "# 卷积",
        "## stride",
        "### 随机梯度下降（SGD）",
        "#### MaxPooling",
        "## 作业",
        "<!-- explain: none -->",
        "<!-- explain: conv-padding padding=2 -->",
        "```",
        "~~~python",
        "<div>",
        "</div>",
        "![图](a b.png)",
        "[链接](https://example.org)",
        "正文 text",
        "    # indented",
        "",
        "---",
        "<!-- explain:end -->",
    ]
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(LINES, max_size=25),
    st.sampled_from(["\n", "\r\n"]),
    st.booleans(),
)
def test_any_note_is_kept_and_idempotent(lines: list[str], eol: str, final: bool) -> None:
    note = eol.join(lines) + (eol if final and lines else "")
    out = explain_text(note)
    assert strip_blocks(out) == note
    assert explain_text(out) == out
