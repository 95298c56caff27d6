"""The base of every scene: a trace to draw, a theme, a language, captions and subtitles."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any, ClassVar, Self, TypeVar, cast

import numpy as np
from manim import UP, Animation, Camera, ManimColor, Mobject, Scene, Text, ThreeDScene, config

from explain.mlcore.trace import Trace
from explain.scenes.engine.camera import SceneCamera
from explain.scenes.engine.compat import replaces
from explain.scenes.engine.redraw import split_moving_static
from explain.scenes.engine.static_layers import LayeredRenderer
from explain.scenes.kit.i18n import tr, tr_own
from explain.scenes.kit.layout import EDGE_BUFF, LABEL_FONT_SIZE, TITLE_FONT_SIZE
from explain.scenes.kit.theme import DARK, Theme
from explain.scenes.kit.widgets.caption import Caption
from explain.scenes.kit.widgets.numbers import TextFactory

MobjectT = TypeVar("MobjectT", bound=Mobject)


class TraceScene(Scene):
    """A Manim scene that draws one trace and never computes a value of its own."""

    precise_redraw = True  # False: Manim's own rule for what each frame redraws (tests)
    # A plugin scene's own captions, {"en": {key: text}, "zh": {...}}; English stands in
    # for a missing language or key. Built-in scenes use the kit's tables (empty here).
    own_captions: ClassVar[Mapping[str, Mapping[str, str]]] = {}

    @replaces(
        Scene,
        "__init__",
        "(self, renderer: 'CairoRenderer | OpenGLRenderer | None' = None, "
        "camera_class: 'type[Camera]' = <class 'manim.camera.camera.Camera'>, "
        "always_update_mobjects: 'bool' = False, random_seed: 'int | None' = None, "
        "skip_animations: 'bool' = False) -> 'None'",
    )
    def __init__(
        self,
        trace: Trace,
        theme: Theme = DARK,
        lang: str = "en",
        speed: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self.trace = trace
        self.speed = speed  # every animation and pause runs 1/speed as long
        self.theme = theme
        self.lang = lang
        self.texts = TextFactory(theme)
        self.without_updaters = False  # known for the current play only
        self.static_boxes: np.ndarray | None = None  # (N, 4) of the current play's static
        self._beginning = False  # in begin_animations
        self._family_ids: set[int] | None = None  # ids of the scene's family, while beginning
        if "renderer" not in kwargs and not isinstance(self, ThreeDScene):
            # Reuses earlier static backgrounds (scenes/static_layers.py) and draws
            # images faster (scenes/camera.py); same pixels.
            kwargs["renderer"] = LayeredRenderer(
                camera_class=SceneCamera, skip_animations=kwargs.get("skip_animations", False)
            )
        super().__init__(**kwargs)
        self.caption = Caption(self, self.texts, theme.text)

    @replaces(Scene, "setup", "(self) -> 'None'")
    def setup(self) -> None:
        cast(Camera, self.camera).background_color = ManimColor(self.theme.background)

    def tr(self, key: str, **values: Any) -> str:
        if self.own_captions:
            return tr_own(self.own_captions, key, self.lang, **values)
        return tr(key, self.lang, **values)

    def label(
        self, content: str, font_size: float = LABEL_FONT_SIZE, color: str | None = None
    ) -> Text:
        return self.texts.text(content, font_size, color or self.theme.muted)

    def title(self, content: str) -> Text:
        mob = self.texts.fitted(
            content, config.frame_width - 2 * EDGE_BUFF, TITLE_FONT_SIZE, self.theme.text
        )
        return mob.to_edge(UP, buff=EDGE_BUFF)

    def say(self, content: str, run_time: float = 0.5, hold: float = 0.0) -> None:
        """Replace the caption (it becomes a subtitle too), then let it be read for
        ``run_time`` + ``hold`` seconds."""
        self.caption.replace(content)
        self.wait(run_time + hold)

    @replaces(
        Scene,
        "get_moving_and_static_mobjects",
        "(self, animations: 'Iterable[Animation]') -> 'tuple[list[Mobject], list[Mobject]]'",
    )
    def get_moving_and_static_mobjects(
        self, animations: Iterable[Animation]
    ) -> tuple[list[Mobject], list[Mobject]]:
        # Redraw only what an animation can reach (scenes/redraw.py); same pixels.
        split = split_moving_static(self, list(animations)) if self.precise_redraw else None
        # A split is only made when no mobject in the scene has an updater.
        self.without_updaters = split is not None
        # Where the static mobjects are, for the renderer's background (static_layers.py).
        self.static_boxes = split.static_boxes if split is not None else None
        if split is None:
            return super().get_moving_and_static_mobjects(animations)
        return split.moving, split.static

    @replaces(Scene, "begin_animations", "(self) -> 'None'")
    def begin_animations(self) -> None:
        # Each introducing animation asks whether its mobject is in the scene already;
        # while the play begins, the answer comes from one set of the scene's family.
        self._beginning, self._family_ids = True, None
        try:
            super().begin_animations()
        finally:
            self._beginning, self._family_ids = False, None

    def contains(self, mobject: Mobject) -> bool:
        """Whether ``mobject`` is in the family of the scene's mobjects."""
        ids = self._family_ids
        if ids is None:
            ids = {id(m) for m in self.get_mobject_family_members()}
            if self._beginning:
                self._family_ids = ids  # kept until the play has begun (add updates it)
        return id(mobject) in ids

    @replaces(Scene, "add", "(self, *mobjects: 'Mobject | OpenGLMobject') -> 'Self'")
    def add(self, *mobjects: Any) -> Self:
        super().add(*mobjects)
        if self._family_ids is not None:
            self._family_ids.update(id(m) for mob in mobjects for m in mob.get_family())
        return self

    @replaces(
        Scene,
        "get_restructured_mobject_list",
        "(self, mobjects: 'Iterable[Mobject]', to_remove: 'Iterable[Mobject]') -> 'list[Mobject]'",
    )
    def get_restructured_mobject_list(
        self, mobjects: Iterable[Mobject], to_remove: Iterable[Mobject]
    ) -> list[Mobject]:
        """Manim's: ``mobjects`` without ``to_remove``, a group that holds one of them
        replaced by its other members. Manim lists the whole family of every mobject it
        looks at, on every add and remove; here each is looked at once."""
        removed = {id(m) for m in to_remove}
        holds: dict[int, bool] = {}  # id -> the mobject or a descendant is removed

        def touches(mob: Mobject) -> bool:
            known = holds.get(id(mob))
            if known is None:
                known = id(mob) in removed or any(touches(sub) for sub in mob.submobjects)
                holds[id(mob)] = known
            return known

        kept: list[Mobject] = []

        def keep(mobs: Iterable[Mobject]) -> None:
            for mob in mobs:
                if id(mob) in removed:
                    continue
                if touches(mob):
                    keep(mob.submobjects)
                else:
                    kept.append(mob)

        keep(mobjects)
        return kept

    @replaces(
        Scene,
        "compile_animation_data",
        "(self, *animations: 'Animation | Mobject | _AnimationBuilder', "
        "**play_kwargs: 'Any') -> 'Self | None'",
    )
    def compile_animation_data(self, *animations: Any, **play_kwargs: Any) -> Any:
        self.without_updaters = False  # not known until the play begins
        return super().compile_animation_data(*animations, **play_kwargs)

    @replaces(
        Scene,
        "compile_animations",
        "(self, *args: 'Animation | Mobject | _AnimationBuilder', **kwargs: 'Any') "
        "-> 'list[Animation]'",
    )
    def compile_animations(self, *args: Any, **kwargs: Any) -> list[Animation]:
        # --speed: every play and wait (a Wait is an animation) scaled here, so the
        # captions' subtitles, timed by the scene's clock, follow.
        animations: list[Animation] = super().compile_animations(*args, **kwargs)
        if self.speed != 1.0:
            for animation in animations:
                animation.run_time = animation.run_time / self.speed
        return animations

    @replaces(Scene, "update_mobjects", "(self, dt: 'float') -> 'None'")
    def update_mobjects(self, dt: float) -> None:
        # Manim calls every mobject's update on every frame, recursing through its
        # family; with no updater anywhere (checked when this play began) each call
        # does nothing.
        if not self.without_updaters:
            super().update_mobjects(dt)

    @replaces(Scene, "tear_down", "(self) -> 'None'")
    def tear_down(self) -> None:
        self.caption.flush()
        super().tear_down()


def shrink_to_fit(mob: MobjectT, width: float, height: float = math.inf) -> MobjectT:
    """Scale ``mob`` down about its centre, never up, to at most ``width`` wide and
    ``height`` tall: the layouts size their parts for the usual parameters, and large
    ones (many channels, epochs or steps) would otherwise run off the frame."""
    factor = width / mob.width if mob.width > width else 1.0
    if mob.height > height:
        factor = min(factor, height / mob.height)
    if factor < 1.0:
        mob.scale(factor)
    return mob


def shape_text(shape: list[int] | tuple[int, ...]) -> str:
    """(3, 5, 5) -> '3×5×5'."""
    return "×".join(str(n) for n in shape)
