"""TensorGrid's own number operations: scenes swap, move and clear numbers through these
instead of editing the grid's number group."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from explain.scenes.kit.theme import DARK
from explain.scenes.kit.widgets.numbers import TextFactory
from explain.scenes.kit.widgets.tensor_grid import TensorGrid
from explain.scenes.kit.widgets.text_cache import TextDiskCache


def grid(tmp_path: Path, values: list[list[float]] | None = None) -> TensorGrid:
    texts = TextFactory(DARK, TextDiskCache(tmp_path))
    return TensorGrid(2, 2, 0.6, DARK, texts, DARK.input_fill, values, widest="−9")


def test_replace_numbers_swaps_every_shown_number_in_place(tmp_path: Path) -> None:
    g = grid(tmp_path, [[1, 2], [3, 4]])
    old = dict(g.numbers)
    pairs = g.replace_numbers([[5, 6], [7, 8]])
    assert [o for o, _ in pairs] == [old[rc] for rc in ((0, 0), (0, 1), (1, 0), (1, 1))]
    assert g.shown_values() == {(0, 0): "5", (0, 1): "6", (1, 0): "7", (1, 1): "8"}
    assert list(g.number_group) == [g.number_at(r, c) for r in range(2) for c in range(2)]
    assert np.allclose(g.number_at(1, 0).get_center(), g.cell(1, 0).get_center())


def test_move_numbers_turns_a_kernel_by_180_degrees(tmp_path: Path) -> None:
    g = grid(tmp_path, [[1, 2], [3, 4]])
    moves = [[[r, c], [1 - r, 1 - c]] for r in range(2) for c in range(2)]
    pairs = g.move_numbers(moves, [[4, 3], [2, 1]])
    assert len(pairs) == 4
    assert g.shown_values() == {(1, 1): "1", (1, 0): "2", (0, 1): "3", (0, 0): "4"}
    assert np.allclose(g.number_at(0, 0).get_center(), g.cell(0, 0).get_center())
    assert set(map(id, g.number_group)) == {id(m) for m in g.numbers.values()}


def test_clear_numbers_leaves_the_cells(tmp_path: Path) -> None:
    g = grid(tmp_path)
    g.fill_in(0, 1, 7.0)
    (removed,) = g.clear_numbers()
    assert removed.text == "7"
    assert g.shown_values() == {} and len(g.number_group) == 0 and len(g.cells) == 4
