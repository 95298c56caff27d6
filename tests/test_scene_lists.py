"""TraceScene's faster bookkeeping of the scene's mobjects gives Manim's answers."""

from __future__ import annotations

import random

import pytest
from manim import Mobject, Scene, Square, VGroup

from explain.scenes.kit.base import TraceScene


def random_tree(rng: random.Random, depth: int) -> Mobject:
    if depth == 0 or rng.random() < 0.3:
        return Square()
    return VGroup(*[random_tree(rng, depth - 1) for _ in range(rng.randint(1, 4))])


@pytest.mark.parametrize("seed", range(40))
def test_restructured_lists_are_manims(seed: int) -> None:
    rng = random.Random(seed)
    mobjects = [random_tree(rng, 4) for _ in range(rng.randint(1, 6))]
    if seed % 5 == 0 and len(mobjects) > 1:  # a mobject shared by two groups
        shared = mobjects[0].get_family()[-1]
        mobjects[-1].add(shared)
    family = [m for top in mobjects for m in top.get_family()]
    to_remove = rng.sample(family, rng.randint(0, min(len(family), 5)))
    expected = Scene.get_restructured_mobject_list(None, mobjects, to_remove)  # type: ignore[arg-type]
    got = TraceScene.get_restructured_mobject_list(None, mobjects, to_remove)  # type: ignore[arg-type]
    assert [id(m) for m in got] == [id(m) for m in expected]
