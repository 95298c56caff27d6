"""Fades and moves that interpolate arrays instead of copying mobjects.

Manim's FadeIn, FadeOut and ``.animate`` moves are Transforms: ``begin`` deep-copies the
mobject twice (a start and a target) and every frame interpolates every member from one
copy to the other. A fade in place changes only opacities and a move only shifts points,
so ``fade_in``, ``fade_out``, ``shift_by`` and ``move_to`` keep each member's arrays
(points, colours, widths) at the start and the end, and interpolate between them with
Manim's own arithmetic: the frames are bit-identical, the adding (fade in) and removing
(fade out, which then puts the mobject back as it was, as Manim's does) the same, without
the copies. A shift, scale, target position, lag ratio or an image in the family gets
Manim's own class. ``tests/test_fade.py`` and ``tests/test_redraw.py`` compare the frames.
"""

from __future__ import annotations

from typing import Any, cast

import numpy as np
from manim import ORIGIN, Animation, FadeIn, FadeOut, Group, Mobject, Scene, VMobject

from explain.scenes.engine.compat import replaces

# Options of Manim's fades that move or stagger the mobject: those fades stay Manim's.
MOVING_OPTIONS = ("shift", "target_position", "scale", "lag_ratio")
# The signature of Animation.__init__ our tweens were written against (keyword arguments
# are passed through to it).
ANIMATION_INIT = (
    "(self, mobject: 'Mobject | OpenGLMobject | None', lag_ratio: 'float' = 0.0, "
    "run_time: 'float' = 1.0, rate_func: 'Callable[[float], float]' = <function smooth>, "
    "reverse_rate_function: 'bool' = False, name: 'str' = None, remover: 'bool' = False, "
    "suspend_mobject_updating: 'bool' = True, introducer: 'bool' = False, *, "
    "_on_finish: 'Callable[[Scene], None]' = <function Animation.<lambda>>, "
    "use_override: 'bool' = True) -> 'None'"
)


def fade_in(*mobjects: Mobject, **kwargs: Any) -> Animation:
    """Manim's FadeIn, drawn the same; without copies when it only changes opacity."""
    return _fade(mobjects, True, kwargs)


def fade_out(*mobjects: Mobject, **kwargs: Any) -> Animation:
    """Manim's FadeOut, drawn the same; without copies when it only changes opacity."""
    return _fade(mobjects, False, kwargs)


def _fade(mobjects: tuple[Mobject, ...], appear: bool, kwargs: dict[str, Any]) -> Animation:
    mobject = mobjects[0] if len(mobjects) == 1 else Group(*mobjects)
    shift = kwargs.get("shift")
    in_place = (
        (shift is None or not np.any(shift))
        and kwargs.get("target_position") is None
        and kwargs.get("scale", 1) == 1
        and not kwargs.get("lag_ratio")
    )
    if in_place and _drawable(mobject):
        return OpacityFade(
            mobject, appear, **{k: v for k, v in kwargs.items() if k not in MOVING_OPTIONS}
        )
    manim_class = FadeIn if appear else FadeOut
    return manim_class(*mobjects, **kwargs)


def _drawable(mobject: Mobject) -> bool:
    """Whether every member that is drawn is a VMobject (a tween's arrays are theirs)."""
    return all(isinstance(m, VMobject) or not m.has_points() for m in mobject.get_family())


class StateTween(Animation):
    """Each VMobject of the family from one state to another, with Manim's arithmetic.

    A state is a member's arrays (points, colours, widths). Transform copies the mobject
    to hold its start and its target; here only the arrays are kept, and interpolated as
    Transform interpolates each member (no lag between members): every attribute from
    the start to the end at the rate function's value, set to the end exactly at 1.
    """

    @replaces(Animation, "__init__", ANIMATION_INIT)
    def __init__(self, mobject: Mobject, **kwargs: Any) -> None:
        super().__init__(mobject, **kwargs)
        self.members: list[VMobject] = []
        # Per attribute: every member's start and end values, flattened into one array
        # each, and where each member's part lies: interpolating them all at once does
        # the same arithmetic, element by element, in one call instead of one per member.
        self.flat: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.parts: dict[str, list[tuple[int, int, tuple[int, ...]]]] = {}
        # Per attribute: the values shown now, which the members' attributes are views of
        # (empty before the first frame and after the last).
        self.shown: dict[str, np.ndarray] = {}

    @replaces(Animation, "create_starting_mobject", "(self) -> 'Mobject | OpenGLMobject'")
    def create_starting_mobject(self) -> Mobject:
        return cast(Mobject, self.mobject)  # nothing is interpolated from a copy

    @replaces(Animation, "_setup_scene", "(self, scene: 'Scene') -> 'None'")
    def _setup_scene(self, scene: Scene) -> None:
        # Manim's test, "is the mobject in the scene's family", made against a set that
        # a TraceScene keeps while the play begins instead of a new list per animation.
        contains = getattr(scene, "contains", None)
        if contains is None or not self.is_introducer():
            super()._setup_scene(scene)
        elif not contains(self.mobject):
            scene.add(self.mobject)

    def flat_states(self, name: str, shown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(start, end) values of attribute ``name`` for all members, given the values
        they have now (flat, a copy)."""
        raise NotImplementedError

    @replaces(Animation, "begin", "(self) -> 'None'")
    def begin(self) -> None:
        family = cast(Mobject, self.mobject).get_family()
        self.members = [m for m in family if isinstance(m, VMobject)]
        for name in INTERPOLATED:
            now = [np.asarray(getattr(m, name)) for m in self.members]
            stops = np.cumsum([a.size for a in now]).tolist()
            self.parts[name] = [(stop - a.size, stop, a.shape) for stop, a in zip(stops, now)]
            self.flat[name] = self.flat_states(name, _concatenated(now))
        super().begin()

    @replaces(Animation, "interpolate_mobject", "(self, alpha: 'float') -> 'None'")
    def interpolate_mobject(self, alpha: float) -> None:
        rate = float(self.rate_func(alpha))
        if rate == 1.0:
            # The end exactly, each member's part its own array from here on.
            for name in INTERPOLATED:
                last = self.flat[name][1]
                for member, (a, b, shape) in zip(self.members, self.parts[name]):
                    setattr(
                        member, name, last[a] if shape == () else last[a:b].reshape(shape).copy()
                    )
            self.shown = {}
            return
        if not self.shown:
            # Each member's attributes become views of one array per attribute, which
            # every frame then overwrites in place: no array, and no attribute, per member
            # and frame.
            self.shown = {name: np.empty_like(self.flat[name][0]) for name in INTERPOLATED}
            for name, values in self.shown.items():
                for member, (a, b, shape) in zip(self.members, self.parts[name]):
                    setattr(member, name, values[a:b].reshape(shape))
        for name, values in self.shown.items():
            first, last = self.flat[name]
            # Manim's interpolate, (1 - rate) * first + rate * last, in the same steps.
            np.multiply(first, 1 - rate, out=values)
            values += rate * last


class OpacityFade(StateTween):
    """Alphas from 0 to their values (appear) or back to 0."""

    @replaces(Animation, "__init__", ANIMATION_INIT)
    def __init__(self, mobject: Mobject, appear: bool, **kwargs: Any) -> None:
        self.appear = appear
        super().__init__(mobject, introducer=appear, remover=not appear, **kwargs)

    def flat_states(self, name: str, shown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        faded = shown
        if name in FADED:
            # What VMobject.fade(1) does to a copy: every RGBA's alpha to 0. Each
            # member's part is (k, 4), so alphas are every fourth value.
            faded = shown.copy()
            faded[3::4] = 0.0
        elif name == "points":
            # The faded copy is also scaled by 1 about its centre (Mobject.scale(1) in
            # _Fade._create_faded_mobject): (p - c) + c, which can differ from p in the
            # last bit, and Cairo's rounding to 1/256 pixel then, now and then, draws a
            # pixel one level apart. The same arithmetic here keeps the frames equal.
            centre = np.array(cast(Mobject, self.mobject).get_critical_point(ORIGIN), copy=True)
            faded = shown.reshape(-1, 3) - centre  # (P, 3), every member's points
            faded += centre
            faded = faded.reshape(-1)
        return (faded, shown) if self.appear else (shown, faded)

    @replaces(Animation, "clean_up_from_scene", "(self, scene: 'Scene') -> 'None'")
    def clean_up_from_scene(self, scene: Scene) -> None:
        super().clean_up_from_scene(scene)
        if not self.appear:
            self.interpolate_mobject(0.0)  # removed, and as it was before, like FadeOut


def move_to(mobject: Mobject, target: Mobject | Any) -> Animation:
    """``mobject.animate.move_to(target)``, drawn the same without copying the mobject.

    The vector is Mobject.move_to's: the target (a point, or a mobject's centre) minus
    the mobject's centre, both taken now, as ``.animate`` takes them when it builds its
    target. (``.animate`` also calls move_to on the mobject when it finishes, but its
    Transform then sets the target's points over it.)"""
    point = target.get_critical_point(ORIGIN) if isinstance(target, Mobject) else target
    return shift_by(mobject, (point - mobject.get_critical_point(ORIGIN)) * np.array([1, 1, 1]))


def shift_by(mobject: Mobject, vector: Any) -> Animation:
    """``mobject.animate.shift(vector)``, drawn the same without copying the mobject
    (``.animate`` deep-copies it twice, in every step of a sliding window and for a whole
    grid of numbers in embedding). Families with images get Manim's."""
    return _shift(mobject, vector)


def _shift(mobject: Mobject, vector: Any) -> Animation:
    if _drawable(mobject):
        return Shift(mobject, vector)
    return cast(Animation, mobject.animate.shift(vector))


class Shift(StateTween):
    """Every member's points moved by ``vector``, as Mobject.shift moves them."""

    @replaces(Animation, "__init__", ANIMATION_INIT)
    def __init__(self, mobject: Mobject, vector: Any, **kwargs: Any) -> None:
        self.vector = np.asarray(vector)
        super().__init__(mobject, **kwargs)

    def flat_states(self, name: str, shown: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if name != "points":
            return shown, shown
        moved = shown.copy()
        moved.reshape(-1, 3)[:] += self.vector  # each (x, y, z), as Mobject.shift adds it
        return shown, moved


# What Mobject.interpolate and VMobject.interpolate_color set on each member.
INTERPOLATED = (
    "points",
    "fill_rgbas",
    "stroke_rgbas",
    "background_stroke_rgbas",
    "stroke_width",
    "background_stroke_width",
    "sheen_direction",
    "sheen_factor",
)
FADED = ("fill_rgbas", "stroke_rgbas", "background_stroke_rgbas")


def _concatenated(arrays: list[np.ndarray]) -> np.ndarray:
    """The arrays' elements in one float array (integer widths become floats, as
    Manim's interpolation makes them)."""
    if not arrays:
        return np.zeros(0)
    return np.concatenate([a.ravel() for a in arrays]).astype(np.float64, copy=False)
