"""Slides: the .srt parser, the self-contained HTML page, and one real render into slides."""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

import pytest

from explain.scenes.app.render import RenderOptions
from explain.scenes.app.slides import build_slides, render_slides, slides_html
from explain.scenes.output.files import OutputError
from explain.scenes.output.subtitles import Cue, parse_srt, step_ends
from tests.conftest import build_trace

SRT = """\ufeff1
00:00:00,800 --> 00:00:02,933
Input 1×7×7 and weight 1×1×3×3 give output 1×3×3.

2
00:00:02,933 --> 00:00:08,400
a < b && c > d
second line: <script>alert(1)</script>

3
01:02:03,004 --> 01:02:05,050
窗口每次移动 2 格 </li></ol>
"""
FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42 not really a video"


def test_parse_srt_timings_lines_and_order() -> None:
    cues = parse_srt(SRT.replace("\n", "\r\n"))
    assert [c.start for c in cues] == [0.8, 2.933, 3723.004]
    assert [c.end for c in cues] == [2.933, 8.4, 3725.05]
    assert cues[1].text == "a < b && c > d\nsecond line: <script>alert(1)</script>"
    assert cues[2].text == "窗口每次移动 2 格 </li></ol>"


def test_parse_srt_skips_junk_and_sorts() -> None:
    text = "not a cue\n\n2\n00:00:05,000 --> 00:00:06,000\nlater\n\n\n\n"
    text += "00:00:01,000 --> 00:00:02,000\nfirst\n"
    assert parse_srt(text) == [Cue(1.0, 2.0, "first"), Cue(5.0, 6.0, "later")]
    assert parse_srt("") == []


def test_parse_srt_agrees_with_the_srt_package() -> None:
    srt = pytest.importorskip("srt")  # Manim writes subtitles with it
    ours = parse_srt(SRT)
    theirs = list(srt.parse(SRT.lstrip("\ufeff")))
    assert [(c.start, c.end, c.text) for c in ours] == [
        (s.start.total_seconds(), s.end.total_seconds(), s.content) for s in theirs
    ]


def test_step_ends_must_increase() -> None:
    assert step_ends(parse_srt(SRT)) == [2.933, 8.4, 3725.05]
    with pytest.raises(ValueError, match="no captions"):
        step_ends([])
    with pytest.raises(ValueError, match="overlap"):
        step_ends([Cue(0, 5, "a"), Cue(1, 4, "b")])


def _step_ends(page: str) -> list[float]:
    found = re.search(r'<script id="step-ends" type="application/json">(.*?)</script>', page)
    assert found is not None
    ends: list[float] = json.loads(found.group(1))
    return ends


def _check_page(page: str, cues: list[Cue], video: bytes) -> None:
    uris = re.findall(r'src="(data:video/mp4;base64,[A-Za-z0-9+/=]+)"', page)
    assert len(uris) == 1
    assert base64.b64decode(uris[0].split(",", 1)[1]) == video
    # Nothing is fetched: no web address anywhere, and no src/href other than the video.
    assert "http://" not in page and "https://" not in page
    assert re.findall(r'(?:src|href)="([^"]{0,40})', page) == [uris[0][:40]]
    ends = _step_ends(page)
    assert ends == [c.end for c in cues]
    assert ends == sorted(ends) and len(set(ends)) == len(ends)
    # Every caption is in the outline, escaped; none of their markup survives as markup.
    for cue in cues:
        assert f"<li>{html.escape(cue.text)}</li>" in page
    assert "<script>alert" not in page
    assert page.count("<script") == 3 and page.count("</ol>") == 1 and page.count("<li>") == 3
    # Captions are burned into the video: the page shows each one once, in the outline.
    for cue in cues:
        assert page.count(html.escape(cue.text)) == 1


def test_html_is_one_self_contained_page() -> None:
    cues = parse_srt(SRT)
    page = slides_html(FAKE_MP4, cues, "conv <&> 卷积", "zh")
    _check_page(page, cues, FAKE_MP4)
    assert '<html lang="zh">' in page
    assert "<title>conv &lt;&amp;&gt; 卷积</title>" in page
    assert '<span id="counter" aria-live="polite">1 / 3</span>' in page
    assert "全屏" in page  # the key help in the page's language


def test_script_json_cannot_close_the_script_tag() -> None:
    from explain.scenes.app.slides import _script_json

    assert "</" not in _script_json(["</script><b>&"])
    assert json.loads(_script_json(["</script><b>&"])) == ["</script><b>&"]


def test_build_slides_writes_atomically(tmp_path: Path) -> None:
    video, srt, out = tmp_path / "v.mp4", tmp_path / "v.srt", tmp_path / "slides.html"
    video.write_bytes(FAKE_MP4)
    srt.write_text(SRT, encoding="utf-8")
    out.write_text("previous")
    build_slides(video, srt, out, "t", "en")
    _check_page(out.read_text(encoding="utf-8"), parse_srt(SRT), FAKE_MP4)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["slides.html", "v.mp4", "v.srt"]


def test_render_slides_checks_the_output_before_rendering(tmp_path: Path) -> None:
    from explain.scenes.registry import get

    entry = get("conv-stride")
    with pytest.raises(OutputError, match=r"\.html"):
        render_slides(entry, build_trace("conv-stride"), tmp_path / "x.mp4", RenderOptions())
    with pytest.raises(OutputError, match="does not exist"):
        render_slides(
            entry,
            build_trace("conv-stride"),
            tmp_path / "no" / "deeper" / "x.html",
            RenderOptions(),
        )


@pytest.mark.render
def test_render_slides_conv_stride(tmp_path: Path) -> None:
    from explain.scenes.registry import get

    entry = get("conv-stride")
    out = tmp_path / "conv-stride.html"
    assert (
        render_slides(entry, build_trace("conv-stride"), out, RenderOptions(quality="low")) == out
    )
    assert [p.name for p in tmp_path.iterdir()] == ["conv-stride.html"]  # nothing else
    page = out.read_text(encoding="utf-8")
    uri = re.search(r'src="data:video/mp4;base64,([A-Za-z0-9+/=]+)"', page)
    assert uri is not None
    video = base64.b64decode(uri.group(1))
    assert video[4:8] == b"ftyp" and len(video) > 100_000
    ends = _step_ends(page)
    assert len(ends) >= 3 and ends == sorted(ends)
    assert 8 < ends[-1] < 30  # the scene's length in seconds
    assert "checked against torch" in page
    assert "http://" not in page and "https://" not in page
    poster = re.search(r'poster="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert poster is not None and base64.b64decode(poster.group(1))[:4] == b"\x89PNG"
