"""The card before a lecture and before each of its chapters: a title, a line above it.

Its "trace" (``app.lecture.title_card_trace``) holds only what the lecture file says (the
title, the chapter's number and the number of chapters): the title is the lecturer's text,
drawn as plain text (Pango, no markup), never evaluated. A card lasts CARD_SECONDS, well
under the 5 s allowed.
"""

from __future__ import annotations

from manim import DOWN, ORIGIN, Line, VGroup, config

from explain.scenes.kit.base import TraceScene
from explain.scenes.kit.motion import fade_in, fade_out

TITLE_SIZE = 44
KICKER_SIZE = 26
WRAP_FROM = 34  # characters: a longer title is split over two lines
SIDE_MARGIN = 0.8
FADE_IN, HOLD, FADE_OUT = 0.6, 1.4, 0.5
CARD_SECONDS = FADE_IN + HOLD + FADE_OUT


def display_width(text: str) -> int:
    """Columns of ``text``: a CJK character is as wide as two Latin ones."""
    return sum(2 if ord(c) >= 0x2E80 else 1 for c in text)


def title_lines(title: str) -> list[str]:
    """One line, or two split at the break nearest the middle: a space or a CJK comma or
    colon, else the middle itself (Chinese has no spaces)."""
    if display_width(title) <= WRAP_FROM:
        return [title]
    widths = [display_width(title[:i]) for i in range(len(title) + 1)]
    half = widths[-1] / 2
    breaks = [i for i, c in enumerate(title) if c == " "]
    breaks += [i + 1 for i, c in enumerate(title) if c in "，：、；,:"]
    if breaks:
        cut = min(breaks, key=lambda i: abs(widths[i] - half))
    else:
        cut = min(range(len(title) + 1), key=lambda i: abs(widths[i] - half))
    return [title[:cut].strip(), title[cut:].strip()]


class TitleCardScene(TraceScene):
    """The lecture's title with its number of chapters, or a chapter's number and title."""

    def construct(self) -> None:
        card = self.card()
        self.play(fade_in(card), run_time=FADE_IN)
        self.wait(HOLD)
        self.play(fade_out(card), run_time=FADE_OUT)

    def card(self) -> VGroup:
        """The line above (chapter number or count), a rule, and the title, centred."""
        params, theme = self.trace.params, self.theme
        chapter = params["chapter"]
        if chapter is None:
            kicker_text = self.tr("lecture.chapters", count=params["chapters"])
        else:
            kicker_text = self.tr("lecture.chapter", number=chapter)
        width = config.frame_width - 2 * SIDE_MARGIN
        kicker = self.texts.fitted(kicker_text, width, KICKER_SIZE, theme.highlight)
        lines = VGroup(
            *(
                self.texts.fitted(line, width, TITLE_SIZE, theme.text)
                for line in title_lines(params["title"])
            )
        ).arrange(DOWN, buff=0.25)
        rule = Line(ORIGIN, (min(width, max(lines.width, kicker.width)), 0.0, 0.0))
        rule.set_stroke(theme.highlight, width=3)
        return VGroup(kicker, rule, lines).arrange(DOWN, buff=0.35).move_to(ORIGIN)
