"""Dataset and DataLoader, drawn from a dataloader trace: numbered cards dealt into batches.

Top, the Dataset as a row of numbered cards; under it the nested loop, with the current
epoch and iteration beside its lines; below, each epoch's batches as the trace records
them (the order torch's DataLoader yields), the short last batch marked and, with
drop_last, its samples left out.
"""

from __future__ import annotations

from typing import cast

from manim import DOWN, LEFT, UP, Rectangle, Square, Text, VGroup, config

from explain.mlcore.dataloader import DataLoaderExtra
from explain.scenes.kit.base import TraceScene, shrink_to_fit
from explain.scenes.kit.motion import fade_in, fade_out, move_to

CODE_FONT = "DejaVu Sans Mono"
CODE_FONT_SIZE = 18
CODE_LEFT = -6.6
CODE_TOP = 1.75
LINE_GAP = 0.38
INDENT = 0.45  # per level of the loop body (Pango drops leading spaces)
CARD = 0.48  # side of a sample card
CARD_GAP = 0.08
CARD_FONT_SIZE = 18
DATASET_Y = 2.45
BATCH_TOP = -0.05  # top of the batch area (below the code)
BATCH_GAP = 0.35  # between two batches on a line
BATCH_LINE = 1.0  # between two lines of batches
AREA_WIDTH = 13.2
MAX_DEAL_SECONDS = 4.0  # dealing one epoch's batches takes at most this long


class DataLoaderScene(TraceScene):
    """Each epoch the loader deals the Dataset's samples into batches of batch_size."""

    def construct(self) -> None:
        p = self.trace.params
        n, size = p["samples"], p["batch_size"]
        title = self.title(self.tr("loader.title"))
        self.cards = self._dataset(n)
        self.code = self._code()
        self.play(fade_in(title), fade_in(self.cards), run_time=0.8)
        self.say(self.tr("loader.intro", n=n), hold=0.6)
        self.play(fade_in(self.code), run_time=0.5)
        self.say(self.tr("loader.batch_size", b=size), hold=0.6)
        self.say(self.tr("loader.shuffle" if p["shuffle"] else "loader.no_shuffle"), hold=0.6)
        self.band = self._band(1)
        self.add(self.band)
        self.values: dict[int, Text] = {}
        self.shown: list[list[list[int]]] = []  # per epoch, the batches drawn (for tests)
        extra = self.trace.extra_as(DataLoaderExtra)
        batches = extra["batches"]
        for epoch, epoch_batches in enumerate(batches):
            self._epoch(epoch, epoch_batches, extra["dropped"][epoch])
        iters = len(batches[0])
        self.say(
            self.tr("loader.outro", epochs=len(batches), iters=iters, total=len(batches) * iters),
            hold=1.5,
        )

    # --- pieces -----------------------------------------------------------------------
    def _card(self, index: int, fill: str) -> VGroup:
        box = Square(side_length=CARD).set_stroke(self.theme.grid_stroke, width=1.5)
        box.set_fill(fill, opacity=self.theme.fill_opacity)
        number = self.texts.text(str(index), CARD_FONT_SIZE, self.theme.text)
        return VGroup(box, number.move_to(box))

    def _dataset(self, n: int) -> VGroup:
        row = VGroup(*[self._card(i, self.theme.input_fill) for i in range(n)])
        row.arrange(buff=CARD_GAP).move_to((0, DATASET_Y, 0))
        shrink_to_fit(row, AREA_WIDTH)
        label = self.label(self.tr("loader.dataset", n=n))
        label.next_to(row, UP, buff=0.12).align_to(row, LEFT)
        self.dataset_row = row
        return VGroup(label, row)

    def _code(self) -> VGroup:
        p = self.trace.params
        lines = [
            (
                0,
                f"loader = DataLoader(dataset, batch_size={p['batch_size']}, "
                f"shuffle={p['shuffle']}, drop_last={p['drop_last']})",
            ),
            (0, f"for epoch in range({p['epochs']}):"),
            (1, "for i, (x, y) in enumerate(loader):"),
            (2, "...  # forward, backward, update on one batch"),
        ]
        group = VGroup()
        for row, (level, line) in enumerate(lines):
            mob = self.texts.text(line, CODE_FONT_SIZE, self.theme.text, font=CODE_FONT)
            mob.move_to(
                (CODE_LEFT + level * INDENT, CODE_TOP - row * LINE_GAP, 0), aligned_edge=LEFT
            )
            group.add(mob)
        shrink_to_fit(group, AREA_WIDTH)
        self.value_left = max(m.get_right()[0] for m in group[1:]) + 0.6
        return group

    def _band(self, row: int) -> Rectangle:
        band = Rectangle(width=config.frame_width - 0.6, height=LINE_GAP * 0.95)
        band.set_stroke(width=0).set_fill(self.theme.highlight, opacity=0.18)
        return band.move_to((0, CODE_TOP - row * LINE_GAP, 0))

    def _set_value(self, row: int, content: str) -> None:
        """``content`` (the loop variable's value) beside code line ``row``."""
        mob = self.texts.text(content, CODE_FONT_SIZE, self.theme.accent, font=CODE_FONT)
        mob.move_to((self.value_left, CODE_TOP - row * LINE_GAP, 0), aligned_edge=LEFT)
        if row in self.values:
            self.remove(self.values[row])
        self.values[row] = mob
        self.add(mob)

    # --- one epoch --------------------------------------------------------------------
    def _slots(self, batches: list[list[int]], dropped: list[int]) -> VGroup:
        """Empty places for each batch (and the dropped samples), wrapped into lines."""
        groups = [*batches, *([dropped] if dropped else [])]
        slots = VGroup()
        for batch in groups:
            slot = VGroup(*[Square(side_length=CARD) for _ in batch]).arrange(buff=CARD_GAP)
            slots.add(slot.set_stroke(width=0))
        lines, line, width = [], VGroup(), 0.0
        for row in slots:
            if len(line) and width + BATCH_GAP + row.width > AREA_WIDTH:
                lines.append(line)
                line, width = VGroup(), 0.0
            line.add(row)
            width += row.width + (BATCH_GAP if len(line) > 1 else 0.0)
        lines.append(line)
        for line in lines:
            line.arrange(buff=BATCH_GAP, aligned_edge=UP)
        block = VGroup(*lines).arrange(DOWN, buff=BATCH_LINE - CARD, aligned_edge=LEFT)
        block.move_to((0, BATCH_TOP, 0), aligned_edge=UP)
        bottom = -config.frame_height / 2 + 1.0  # above the caption
        return shrink_to_fit(block, AREA_WIDTH, block.get_top()[1] - bottom)

    def _epoch(self, epoch: int, batches: list[list[int]], dropped: list[int]) -> None:
        p = self.trace.params
        n, size = p["samples"], p["batch_size"]
        slots = self._slots(batches, dropped)
        rows = [cast(VGroup, row) for line in slots for row in line]  # one per batch
        if 2 in self.values:  # the last epoch's iteration is over
            self.remove(self.values.pop(2))
        self.play(move_to(self.band, self._band(1).get_center()), run_time=0.3)
        self._set_value(1, f"epoch = {epoch}")
        self.say(self.tr("loader.epoch", epoch=epoch, n=n, iters=len(batches)))
        self.play(move_to(self.band, self._band(2).get_center()), run_time=0.3)
        dealt = VGroup()
        seconds = min(0.6, MAX_DEAL_SECONDS / len(rows))
        for i, batch in enumerate(batches):
            self._set_value(2, f"i = {i}")
            dealt.add(self._deal(batch, rows[i], f"i = {i}", seconds))
        self.shown.append([list(b) for b in batches])
        short = len(batches[-1]) < size or bool(dropped)
        if dropped:
            dealt.add(self._deal(dropped, rows[-1], self.tr("loader.dropped"), seconds, True))
        if epoch == 0:
            self._explain_short(short, dropped, n, size)
        self.wait(0.4)
        self.play(fade_out(dealt), run_time=0.4)

    def _deal(
        self, batch: list[int], slot: VGroup, caption: str, seconds: float, drop: bool = False
    ) -> VGroup:
        """Copies of the batch's cards fly from the Dataset into ``slot``, with a label."""
        fill = self.theme.padding_fill if drop else self.theme.output_fill
        cards = VGroup()
        for index, place in zip(batch, slot):
            card = self._card(index, fill).scale(place.width / CARD)
            card.move_to(self.dataset_row[index])
            cards.add(card)
        label = self.label(caption, 16, self.theme.muted if drop else self.theme.text)
        label.next_to(slot, UP, buff=0.06)
        self.add(cards)
        self.play(
            *[move_to(card, place.get_center()) for card, place in zip(cards, slot)],
            fade_in(label),
            run_time=seconds,
        )
        return VGroup(cards, label)

    def _explain_short(self, short: bool, dropped: list[int], n: int, size: int) -> None:
        if not short:
            self.say(self.tr("loader.exact", n=n, b=size), hold=0.6)
            return
        self.say(self.tr("loader.short", k=n % size, n=n, b=size), hold=0.6)
        if dropped:
            shown = ", ".join(str(i) for i in dropped)
            self.say(self.tr("loader.short.drop", samples=shown), hold=0.8)
        else:
            self.say(self.tr("loader.short.keep"), hold=0.8)
