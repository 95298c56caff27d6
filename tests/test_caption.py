"""Lines placed above the caption clear every caption line, whatever its glyphs."""

from __future__ import annotations

import pytest

from explain.scenes.kit.i18n import en, zh
from explain.scenes.kit.theme import DARK
from explain.scenes.kit.widgets.caption import Caption
from explain.scenes.kit.widgets.numbers import TextFactory

# Caption texts of both languages, with and without capitals and descenders.
SAMPLES = [
    en.STRINGS["conv.step.mac"],
    en.STRINGS["conv.step.stride"],
    zh.STRINGS["conv.step.mac"],
    "x",
    "Ay",
]


@pytest.mark.parametrize("buff", [0.2, 0.3])
def test_a_line_placed_above_clears_every_caption(buff: float) -> None:
    texts = TextFactory(DARK)
    caption = Caption(None, texts, DARK.text)  # type: ignore[arg-type]  # make needs no scene
    line = caption.place_above(texts.text("9·2 = 18", 22), buff)
    for content in SAMPLES:
        gap = line.get_bottom()[1] - caption.make(content).get_top()[1]
        assert gap >= buff - 1e-9, content
