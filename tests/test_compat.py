"""The Manim internals the engine relies on still exist, with the signatures we wrote for.

Every override names the Manim method it replaces (``@replaces`` in scenes/engine/compat.py)
and every other method or attribute the engine uses is in ``RELIES_ON``. A Manim release
that renames or changes one of them fails here, naming it, instead of silently making
renders slower (an override never called) or wrong. See scenes/engine/COMPAT.md.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from manim import (
    Animation,
    AnimationGroup,
    Camera,
    Circle,
    Dot,
    ImageMobject,
    Line,
    Mobject,
    MoveAlongPath,
    Scene,
    Square,
    Transform,
    VMobject,
    Wait,
    tempconfig,
)
from manim.mobject.types.image_mobject import AbstractImageMobject
from manim.renderer.cairo_renderer import CairoRenderer

from explain.scenes.engine import compat
from explain.scenes.engine.compat import (
    OVERRIDES,
    RELIES_ON,
    Override,
    Reliance,
    signature_text,
)
from explain.scenes.engine.redraw import STROKE_UNIT

# Every module whose classes subclass Manim's: importing them fills OVERRIDES.
ENGINE_MODULES = [
    "explain.scenes.engine.camera",
    "explain.scenes.engine.static_layers",
    "explain.scenes.engine.redraw",
    "explain.scenes.engine.tweens",
    "explain.scenes.engine.frame_hook",
    "explain.scenes.kit.base",
]
for _module in ENGINE_MODULES:
    importlib.import_module(_module)


def _transform() -> Transform:
    transform = Transform(Square(), Circle())
    transform.begin()  # starting_mobject and target_copy are made here
    return transform


# Attributes Manim sets in __init__ (or begin) are looked for on one of these.
INSTANCES: dict[type, Callable[[], Any]] = {
    Scene: Scene,
    Transform: _transform,
    AnimationGroup: lambda: AnimationGroup(Wait()),
    MoveAlongPath: lambda: MoveAlongPath(Dot(), Line()),
    Camera: Camera,
    CairoRenderer: CairoRenderer,
    AbstractImageMobject: lambda: ImageMobject(np.zeros((2, 2, 4), dtype=np.uint8)),
    VMobject: VMobject,
    Animation: lambda: Animation(Square()),
    Mobject: Mobject,
}


def signature_problem(owner: type, name: str, recorded: str) -> str | None:
    """Why Manim's ``owner.name`` is not the method we were written against, or None."""
    qualified = f"{owner.__module__}.{owner.__qualname__}.{name}"
    method = getattr(owner, name, None)
    if method is None or not callable(method):
        return f"Manim's {qualified} is gone: the engine relies on it (COMPAT.md)"
    now = signature_text(method)
    if now != recorded:
        return f"Manim's {qualified} changed its signature: was {recorded}, now {now}"
    return None


def reliance_problem(entry: Reliance, tmp_path: Path) -> str | None:
    if entry.signature is not None:
        return signature_problem(entry.owner, entry.name, entry.signature)
    if hasattr(entry.owner, entry.name):
        return None
    with tempconfig({"media_dir": str(tmp_path), "dry_run": True, "verbosity": "ERROR"}):
        instance = INSTANCES[entry.owner]()
    if hasattr(instance, entry.name):
        return None
    return f"Manim's {entry.manim_name} is gone: {entry.used_by} reads it (COMPAT.md)"


@pytest.mark.parametrize("entry", OVERRIDES, ids=[o.ours for o in OVERRIDES])
def test_each_replaced_method_exists_with_its_signature(entry: Override) -> None:
    problem = signature_problem(entry.owner, entry.name, entry.signature)
    assert problem is None, f"{entry.ours} replaces it: {problem}"


@pytest.mark.parametrize(
    "entry", RELIES_ON, ids=[f"{r.owner.__qualname__}.{r.name}" for r in RELIES_ON]
)
def test_each_internal_relied_on_exists(entry: Reliance, tmp_path: Path) -> None:
    problem = reliance_problem(entry, tmp_path)
    assert problem is None, problem


def _manim_overrides() -> Iterator[tuple[str, str]]:
    """(our qualified name, method) for each method of our classes that a Manim base
    class also defines."""
    for module_name in ENGINE_MODULES:
        module = importlib.import_module(module_name)
        for cls in vars(module).values():
            if not inspect.isclass(cls) or cls.__module__ != module_name:
                continue
            manim_bases = [b for b in cls.__mro__ if b.__module__.startswith("manim.")]
            for name, value in vars(cls).items():
                if name == "_original__init__":
                    continue  # Manim's own: Animation subclasses get their __init__ wrapped
                if callable(value) and any(name in vars(base) for base in manim_bases):
                    yield f"{module_name}.{cls.__qualname__}.{name}", name


def test_every_override_in_the_engine_is_recorded() -> None:
    recorded = {o.ours for o in OVERRIDES}
    found = dict(_manim_overrides())
    assert len(found) > 20  # the scan itself works: it sees the overrides we know of
    missing = sorted(set(found) - recorded)
    assert not missing, f"overrides of Manim methods without @replaces: {missing}"


def test_a_changed_signature_fails_naming_the_method(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check can fail: Manim's Camera.set_cairo_context_path with another argument."""

    def changed(self: Camera, ctx: Any, vmobject: Any, scale: float = 1.0) -> Camera:
        return self

    monkeypatch.setattr(Camera, "set_cairo_context_path", changed)
    entry = next(o for o in OVERRIDES if o.name == "set_cairo_context_path")
    problem = signature_problem(entry.owner, entry.name, entry.signature)
    assert problem is not None
    assert "manim.camera.camera.Camera.set_cairo_context_path changed its signature" in problem
    assert "scale" in problem


def test_a_missing_method_or_attribute_fails_naming_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delattr(Scene, "get_moving_and_static_mobjects")
    entry = next(o for o in OVERRIDES if o.name == "get_moving_and_static_mobjects")
    problem = signature_problem(entry.owner, entry.name, entry.signature)
    assert problem is not None and "Scene.get_moving_and_static_mobjects is gone" in problem
    renamed = Reliance(Transform, "path_function", "explain.scenes.engine.redraw")
    problem = reliance_problem(renamed, tmp_path)
    assert problem is not None and "Transform.path_function is gone" in problem


def test_replaces_records_and_returns_the_method(monkeypatch: pytest.MonkeyPatch) -> None:
    table: list[Override] = []
    monkeypatch.setattr(compat, "OVERRIDES", table)

    def wait(self: Scene) -> None: ...

    assert compat.replaces(Scene, "wait", "(self)")(wait) is wait
    assert table == [Override(f"{__name__}.{wait.__qualname__}", Scene, "wait", "(self)")]
    assert table[0].manim_name == "manim.scene.scene.Scene.wait"


def test_the_redraw_assumptions_about_paths_and_strokes_hold() -> None:
    """redraw.py recognises straight paths by identity and arcs by their closure, and
    sizes strokes with Manim's line width multiple."""
    from manim import OUT, PI
    from manim.utils.paths import path_along_arc, straight_path

    assert straight_path() is straight_path(), "straight_path() is a new function each call"
    arc = path_along_arc(PI)
    assert arc.__qualname__ == "path_along_arc.<locals>.path"
    cells = dict(zip(arc.__code__.co_freevars, [c.cell_contents for c in arc.__closure__ or ()]))
    assert cells["arc_angle"] == PI and np.array_equal(cells["unit_axis"], OUT)
    assert Camera().cairo_line_width_multiple == STROKE_UNIT
