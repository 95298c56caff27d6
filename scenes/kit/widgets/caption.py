"""The caption line at the bottom of the frame, mirrored into the video's subtitles."""

from __future__ import annotations

from manim import DOWN, UP, Animation, Mobject, Scene, Text, config

from explain.scenes.engine.tweens import fade_in, fade_out
from explain.scenes.kit.layout import CAPTION_FONT_SIZE, EDGE_BUFF
from explain.scenes.kit.widgets.numbers import TextFactory

# As tall as a caption line gets: a capital, a descender and a CJK glyph (the tallest).
TALLEST_LINE = "Ay高"


class Caption:
    """One line of explanation at the bottom; each line is also a subtitle (.srt).

    A subtitle lasts from the moment its caption appears until the next one replaces
    it (or the scene ends), so it is written when that end is known.
    """

    def __init__(self, scene: Scene, texts: TextFactory, color: str) -> None:
        self.scene, self.texts, self.color = scene, texts, color
        self.current: Text | None = None
        self._content = ""
        self._since = 0.0

    def make(self, content: str) -> Text:
        max_width = config.frame_width - 2 * EDGE_BUFF
        mob = self.texts.fitted(content, max_width, CAPTION_FONT_SIZE, self.color)
        return mob.to_edge(DOWN, buff=EDGE_BUFF)

    def place_above(self, mob: Mobject, buff: float) -> Mobject:
        """Put ``mob`` centred above the caption line, ``buff`` clear of the tallest caption.

        Placed against a short line such as "x", a line above came to within 5 px of a
        caption with capitals and descenders."""
        return mob.next_to(self.make(TALLEST_LINE), UP, buff=buff)

    def show(self, content: str) -> list[Animation]:
        """Animations that replace the caption with ``content``."""
        self.flush()
        new = self.make(content)
        anims: list[Animation] = [fade_in(new, shift=0.1 * UP)]
        if self.current is not None:
            anims.append(fade_out(self.current))
        self.current = new
        self._content, self._since = content, self.scene.time
        return anims

    def replace(self, content: str) -> None:
        """Swap the caption at once, as subtitles do.

        A fade would deep-copy every glyph of both lines; measured, four faded captions
        cost more than the whole sliding window of the conv scene.
        """
        self.flush()
        new = self.make(content)
        if self.current is not None:
            self.scene.remove(self.current)
        self.scene.add(new)
        self.current = new
        self._content, self._since = content, self.scene.time

    def flush(self) -> None:
        """Write the subtitle of the caption on screen, up to now."""
        if not self._content:
            return
        shown_for = self.scene.time - self._since
        if shown_for > 0:
            self.scene.add_subcaption(self._content, duration=shown_for, offset=-shown_for)
        self._content = ""
