"""Every piece of Manim the engine relies on beyond its documented use, in one table.

The engine overrides Manim methods and reads attributes that Manim does not promise to
keep. A Manim release that renames one of them, or changes its arguments, would not
fail: our override would simply never be called, and renders would get slower or wrong
without a word. So each override says which Manim method it replaces, with the
signature it was written against (``@replaces``), and each other method called or
attribute read is listed in ``RELIES_ON``. ``tests/test_compat.py`` checks both tables
against the installed Manim; COMPAT.md says why each entry is needed and what breaks.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from manim import Animation, Camera, Mobject, Scene, VMobject
from manim.animation.composition import AnimationGroup
from manim.animation.fading import _Fade
from manim.animation.movement import MoveAlongPath
from manim.animation.transform import Transform
from manim.mobject.types.image_mobject import AbstractImageMobject
from manim.renderer.cairo_renderer import CairoRenderer

FunctionT = TypeVar("FunctionT", bound=Callable[..., Any])


def signature_text(function: Callable[..., Any]) -> str:
    """``str(inspect.signature(function))`` without the memory addresses in the reprs of
    default values (``<function smooth at 0x7f...>``), which change from run to run."""
    return re.sub(r" at 0x[0-9a-f]+>", ">", str(inspect.signature(function)))


@dataclass(frozen=True)
class Override:
    """One of our methods standing in for Manim's ``owner.name``."""

    ours: str  # module and qualified name of our method
    owner: type  # the Manim class whose method it replaces
    name: str
    signature: str  # signature_text(owner.name) in the Manim we were written for

    @property
    def manim_name(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"


OVERRIDES: list[Override] = []


def replaces(owner: type, name: str, signature: str) -> Callable[[FunctionT], FunctionT]:
    """Record that the decorated method replaces Manim's ``owner.name``, written against
    ``signature``; the method itself is returned unchanged."""

    def record(function: FunctionT) -> FunctionT:
        ours = f"{function.__module__}.{function.__qualname__}"
        OVERRIDES.append(Override(ours, owner, name, signature))
        return function

    return record


@dataclass(frozen=True)
class Reliance:
    """A Manim method we call, or an attribute we read, on ``owner``."""

    owner: type
    name: str
    used_by: str  # our module
    # The signature we call it with, for a method; None for an attribute. Attributes
    # that Manim sets in __init__ (or begin) are checked on an instance.
    signature: str | None = None

    @property
    def manim_name(self) -> str:
        return f"{self.owner.__module__}.{self.owner.__qualname__}.{self.name}"


_REDRAW = "explain.scenes.engine.redraw"
_LAYERS = "explain.scenes.engine.static_layers"
_CAMERA = "explain.scenes.engine.camera"
_TWEENS = "explain.scenes.engine.tweens"
_HOOK = "explain.scenes.engine.frame_hook"
_BASE = "explain.scenes.kit.base"

RELIES_ON: tuple[Reliance, ...] = (
    # redraw.py: what an animation can reach, and the scene's drawing order.
    Reliance(Scene, "foreground_mobjects", _REDRAW),
    Reliance(Scene, "moving_mobjects", _LAYERS),
    Reliance(Scene, "get_mobject_family_members", _REDRAW, "(self) -> 'list[Mobject]'"),
    Reliance(Transform, "path_func", _REDRAW),
    Reliance(Transform, "path_arc_centers", _REDRAW),
    Reliance(Transform, "starting_mobject", _REDRAW),
    Reliance(Transform, "target_mobject", _REDRAW),
    Reliance(Transform, "target_copy", _REDRAW),
    Reliance(AnimationGroup, "animations", _REDRAW),
    Reliance(MoveAlongPath, "path", _REDRAW),
    Reliance(Camera, "frame_width", _REDRAW),
    Reliance(Camera, "pixel_width", _REDRAW),
    # static_layers.py: painting and reusing backgrounds.
    Reliance(CairoRenderer, "camera", _LAYERS),
    Reliance(CairoRenderer, "static_image", _LAYERS),
    Reliance(CairoRenderer, "skip_animations", _HOOK),
    # Wrapped on the instance of a 3-D scene's renderer, which has no frame listeners.
    Reliance(
        CairoRenderer,
        "add_frame",
        _HOOK,
        "(self, frame: 'PixelArray', num_frames: 'int' = 1) -> 'None'",
    ),
    Reliance(CairoRenderer, "get_frame", _LAYERS, "(self) -> 'PixelArray'"),
    Reliance(Camera, "pixel_array", _LAYERS),
    Reliance(Camera, "pixel_height", _LAYERS),
    Reliance(Camera, "frame_height", _LAYERS),
    Reliance(Camera, "frame_center", _LAYERS),
    Reliance(Camera, "reset", _LAYERS, "(self) -> 'Self'"),
    Reliance(
        Camera, "set_frame_to_background", _LAYERS, "(self, background: 'PixelArray') -> 'None'"
    ),
    Reliance(
        Camera,
        "capture_mobjects",
        _LAYERS,
        "(self, mobjects: 'Iterable[Mobject]', **kwargs: 'Any') -> 'None'",
    ),
    Reliance(
        Camera,
        "get_mobjects_to_display",
        _LAYERS,
        "(self, mobjects: 'Iterable[Mobject]', include_submobjects: 'bool' = True,"
        " excluded_mobjects: 'list | None' = None) -> 'list[Mobject]'",
    ),
    # camera.py: images drawn with Manim's arithmetic.
    Reliance(Camera, "image_mode", _CAMERA),
    Reliance(
        Camera,
        "points_to_subpixel_coords",
        _CAMERA,
        "(self, mobject: 'Mobject', points: 'Point3D_Array') -> 'npt.NDArray[ManimFloat]'",
    ),
    Reliance(AbstractImageMobject, "resampling_algorithm", _CAMERA),  # set in __init__
    Reliance(AbstractImageMobject, "get_pixel_array", _CAMERA, "(self) -> 'PixelArray'"),
    # tweens.py and static_layers.py: the arrays a VMobject is drawn from.
    *(
        Reliance(VMobject, name, _TWEENS)
        for name in (
            "points",
            "fill_rgbas",
            "stroke_rgbas",
            "background_stroke_rgbas",
            "stroke_width",
            "background_stroke_width",
            "sheen_direction",
            "sheen_factor",
            "joint_type",
            "cap_style",
            "shade_in_3d",
        )
    ),
    Reliance(Animation, "is_introducer", _TWEENS, "(self) -> 'bool'"),
    # OpacityFade repeats its arithmetic: fade(1), shift by zero, scale(1) about the centre.
    Reliance(_Fade, "_create_faded_mobject", _TWEENS, "(self, fadeIn: 'bool') -> 'Mobject'"),
    Reliance(Mobject, "get_family", _TWEENS, "(self, recurse: 'bool' = True) -> 'list[Mobject]'"),
    # kit/base.py and frame_hook.py: a scene's render, frame by frame.
    Reliance(Scene, "render", _HOOK, "(self, preview: 'bool' = False) -> 'bool'"),
    Reliance(Scene, "renderer", _BASE),
)
