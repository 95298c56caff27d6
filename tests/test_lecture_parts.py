"""The lecture's parts without rendering: chapter marks, ffmetadata, subtitles shifted onto
the lecture's timeline, key numbers read from traces, and Markdown that shows titles as typed."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import srt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from explain.scenes.app.key_numbers import READERS, key_numbers
from explain.scenes.app.lecture_file import MAX_TITLE_CHARS
from explain.scenes.app.lecture_notes import course_index, md_text
from explain.scenes.app.trace_cache import verified_trace
from explain.scenes.kit.title_card import title_lines
from explain.scenes.output.frame_sink import FrameSink
from explain.scenes.output.join import (
    ChapterMark,
    ClipInfo,
    chapter_marks,
    concat_list,
    ffmetadata,
    shifted_subtitles,
)
from explain.scenes.output.tee import TeeSink
from explain.scenes.registry import SCENES, get


def clip(name: str, frames: int) -> ClipInfo:
    return ClipInfo(Path(name), frames, Fraction(15), ("h264",))


def test_chapter_marks_cover_each_chapters_card_and_scene_back_to_back() -> None:
    clips = [clip("lecture", 38), clip("c1", 38), clip("s1", 150), clip("c2", 38), clip("s2", 60)]
    marks = chapter_marks(clips, [("One", 3), ("Two", 2)])
    assert marks == [
        ChapterMark("One", Fraction(0), Fraction(226, 15)),
        ChapterMark("Two", Fraction(226, 15), Fraction(324, 15)),
    ]


def test_ffmetadata_escapes_titles_and_uses_milliseconds() -> None:
    text = ffmetadata("a=b", [ChapterMark("x;#\\y", Fraction(1, 3), Fraction(2))])
    assert text.splitlines() == [
        ";FFMETADATA1",
        "title=a\\=b",
        "[CHAPTER]",
        "TIMEBASE=1/1000",
        "START=333",
        "END=2000",
        "title=x\\;\\#\\\\y",
    ]


def test_concat_list_quotes_single_quotes() -> None:
    assert concat_list([clip("/tmp/it's.mp4", 1)]) == "file '/tmp/it'\\''s.mp4'\n"


def sub(start: float, end: float, text: str) -> srt.Subtitle:
    return srt.Subtitle(1, srt.timedelta(seconds=start), srt.timedelta(seconds=end), text)


def test_subtitles_are_shifted_in_order_and_kept_within_their_clip() -> None:
    first = srt.compose([sub(0.5, 2, "a"), sub(2, 4.5, "b")])  # b runs past its 4 s clip
    second = srt.compose([sub(0, 1, "c")])
    doc = list(
        srt.parse(
            shifted_subtitles(
                [(first, Fraction(5), Fraction(4)), (second, Fraction(12), Fraction(3))]
            )
        )
    )
    assert [s.content for s in doc] == ["a", "b", "c"]
    assert [s.index for s in doc] == [1, 2, 3]
    assert [(s.start.total_seconds(), s.end.total_seconds()) for s in doc] == [
        (5.5, 7.0),
        (7.0, 9.0),
        (12.0, 13.0),
    ]
    assert all(a.end <= b.start for a, b in zip(doc, doc[1:]))


@pytest.mark.parametrize("name", sorted(READERS))
def test_every_reader_reads_its_scenes_default_trace(name: str) -> None:
    trace = verified_trace(get(name), {})
    for lang in ("en", "zh"):
        rows = key_numbers(trace, lang)
        assert rows and all(label and value for label, value in rows)


def test_key_numbers_come_from_the_trace() -> None:
    trace = verified_trace(get("conv-stride"), {"input_size": "9"})
    assert key_numbers(trace, "en") == [("output size", "1×4×4")]
    logistic = verified_trace(get("logistic"), {})
    rows = dict(key_numbers(logistic, "en"))
    assert rows["accuracy"] == f"{logistic.steps[-1]['correct']}/{len(logistic.tensors['y'])}"


def test_readers_name_only_registered_scenes() -> None:
    assert set(READERS) <= {entry.name for entry in SCENES}


def test_markdown_shows_titles_as_typed() -> None:
    assert md_text("[x](http://a) <b> *c* | d") == "\\[x\\](http://a) \\<b\\> \\*c\\* \\| d"
    page = course_index([("A [b]", Path("o/a b.md"), Path("o/a b.mp4"))], Path("o/index.md"), "en")
    assert "[A \\[b\\]](<a b.mp4>) · [notes](<a b.md>)" in page


def test_long_titles_wrap_at_a_space_and_chinese_in_the_middle() -> None:
    assert title_lines("Short") == ["Short"]
    assert title_lines("Gradient descent, mini-batches and the learning rate") == [
        "Gradient descent, mini-batches",
        "and the learning rate",
    ]
    assert title_lines("卷" * 30) == ["卷" * 15, "卷" * 15]
    assert title_lines("第 8 讲：池化与一个很长很长的标题，看看它如何换行") == [
        "第 8 讲：池化与一个很长很长的标题，",
        "看看它如何换行",
    ]


class Recorder(FrameSink):
    def __init__(self, fail_on_finish: bool = False) -> None:
        self.events: list[str] = []
        self.fail_on_finish = fail_on_finish

    def start(self) -> None:
        self.events.append("start")

    def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None:
        self.events.append(f"frame {num_frames}")

    def finish(self) -> None:
        if self.fail_on_finish:
            raise RuntimeError("encoder failed")
        self.events.append("finish")

    def abort(self) -> None:
        self.events.append("abort")


def test_tee_feeds_every_sink_and_aborts_all_when_one_fails() -> None:
    mp4, gif = Recorder(), Recorder()
    with TeeSink(mp4, gif) as tee:
        tee.add_frame(np.zeros((2, 2, 4), np.uint8), 3)
    assert mp4.events == gif.events == ["start", "frame 3", "finish"]
    good, broken = Recorder(), Recorder(fail_on_finish=True)
    with pytest.raises(RuntimeError), TeeSink(good, broken):
        pass
    assert good.events[-1] == "abort" and broken.events[-1] == "abort"


TITLES = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp")),
    min_size=1,
    max_size=MAX_TITLE_CHARS,
).filter(str.strip)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(TITLES | st.sampled_from(["卷" * 80, "W" * 80, "第 9 讲：" + "很长" * 30]), st.booleans())
def test_title_cards_fit_the_frame_whatever_the_title(
    media_dir: Path, title: str, chapter: bool
) -> None:
    from manim import config, tempconfig

    from explain.scenes.app.lecture import title_card_trace
    from explain.scenes.app.render import MANIM_SETTINGS
    from explain.scenes.kit.theme import LIGHT
    from explain.scenes.kit.title_card import TitleCardScene

    assert 1 <= len(title_lines(title)) <= 2
    trace = title_card_trace(title, 12 if chapter else None, 40)
    settings_ = dict(MANIM_SETTINGS, dry_run=True, media_dir=str(media_dir), quality="low_quality")
    with tempconfig(settings_):
        card = TitleCardScene(trace=trace, theme=LIGHT, lang="zh" if chapter else "en").card()
        assert card.width <= config.frame_width - 1.0 and card.height <= config.frame_height - 1.0
