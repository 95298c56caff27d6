"""The static background of a ``play``, repainted only where it differs from the last one.

Before each ``play`` Manim paints every static mobject into a background image, although
consecutive backgrounds mostly agree: a sliding-window scene alternates "move the window"
and "fade in the new number", and each background differs from the one before in a few
cells. ``LayeredRenderer`` remembers what the last backgrounds hold (each mobject's points
and style, and where it was) and builds the new one from the closest: in the rectangles
where a mobject appeared, disappeared or changed, the pixels are taken from a painting of
just the static mobjects that touch them, in drawing order. Every mobject that can reach
such a pixel is in that painting, so the result is a full repaint's
(``tests/test_redraw.py`` compares every frame).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from manim import Camera, Mobject, Scene, VMobject
from manim.renderer.cairo_renderer import CairoRenderer

from explain.scenes.engine.compat import replaces
from explain.scenes.engine.redraw import SAFETY_PIXELS, mobject_boxes

KEPT_BACKGROUNDS = 2
# Past this share of the frame, repainting everything is as cheap and simpler.
MAX_DIRTY_SHARE = 0.5

# What a VMobject's drawing depends on (Camera.display_vectorized), besides its points.
STYLE_ATTRIBUTES = (
    "fill_rgbas",
    "stroke_rgbas",
    "background_stroke_rgbas",
    "stroke_width",
    "background_stroke_width",
    "sheen_factor",
    "sheen_direction",
    "joint_type",
    "cap_style",
    "shade_in_3d",
)

Signature = tuple[int, int]  # (id of the mobject, hash of its points and style)


@dataclass
class Background:
    signatures: list[Signature]  # the mobjects painted, in drawing order
    boxes: np.ndarray  # (N, 4) where each was, in scene units
    image: np.ndarray  # (H, W, 4) uint8, the camera's pixel array


class LayeredRenderer(CairoRenderer):
    """Manim's Cairo renderer, building each static background from the previous one."""

    @replaces(
        CairoRenderer,
        "__init__",
        "(self, "
        "file_writer_class: 'type[SceneFileWriter]' = "
        "<class 'manim.scene.scene_file_writer.SceneFileWriter'>, "
        "camera_class: 'type[Camera] | None' = None, skip_animations: 'bool' = False, "
        "**kwargs: 'Any')",
    )
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.backgrounds: list[Background] = []
        # Called with each frame written (and how many times it repeats), e.g. to make a
        # GIF from the frames themselves instead of from a video file.
        self.frame_listeners: list[Callable[[np.ndarray, int], None]] = []
        self._displayed_for: Any = None  # the moving list last flattened, and its result
        self._displayed_count = 0
        self._displayed: list[Mobject] = []

    @replaces(
        CairoRenderer,
        "add_frame",
        "(self, frame: 'PixelArray', num_frames: 'int' = 1) -> 'None'",
    )
    def add_frame(self, frame: np.ndarray, num_frames: int = 1) -> None:
        if not self.skip_animations:
            for listener in self.frame_listeners:
                listener(frame, num_frames)
        super().add_frame(frame, num_frames)

    @replaces(
        CairoRenderer,
        "save_static_frame_data",
        "(self, scene: 'Scene', static_mobjects: 'Iterable[Mobject]') -> 'PixelArray | None'",
    )
    def save_static_frame_data(self, scene: Any, static_mobjects: Iterable[Mobject]) -> Any:
        mobjects = list(static_mobjects)
        self.static_image = None
        if not mobjects:
            return None
        camera = self.camera
        if not all(isinstance(m, VMobject) for m in mobjects):
            # Other kinds (images) are drawn by other code: paint as Manim does.
            camera.reset()
            camera.capture_mobjects(mobjects)
            self.static_image = self.get_frame()
            return self.static_image
        signatures = [signature(m) for m in mobjects]
        boxes = getattr(scene, "static_boxes", None)  # made by the split of this play
        if boxes is None or len(boxes) != len(mobjects):
            pad = SAFETY_PIXELS * camera.frame_width / camera.pixel_width
            boxes = mobject_boxes(mobjects, pad)
        plan = self._closest(signatures, boxes)
        if plan is None:
            camera.reset()
            camera.capture_mobjects(mobjects)
        else:
            background, rects = plan
            camera.set_frame_to_background(background.image)
            repaint_rects(camera, mobjects, boxes, rects)
        self.static_image = self.get_frame()
        self.backgrounds = [Background(signatures, boxes, self.static_image), *self.backgrounds]
        del self.backgrounds[KEPT_BACKGROUNDS:]
        return self.static_image

    @replaces(
        CairoRenderer,
        "update_frame",
        "(self, scene: 'Scene', mobjects: 'Iterable[Mobject] | None' = None, "
        "include_submobjects: 'bool' = True, ignore_skipping: 'bool' = True, "
        "**kwargs: 'Any') -> 'None'",
    )
    def update_frame(
        self,
        scene: Scene,
        mobjects: Iterable[Mobject] | None = None,
        include_submobjects: bool = True,
        ignore_skipping: bool = True,
        **kwargs: Any,
    ) -> None:
        given = None if mobjects is None else list(mobjects)
        if given == [] and self.static_image is not None:
            # Nothing moves (a still wait): the background is the frame. Manim would
            # read an empty list as "everything" and paint it all over the background.
            self.camera.set_frame_to_background(self.static_image)
            return
        if (
            given
            and include_submobjects
            and not kwargs
            and mobjects is getattr(scene, "moving_mobjects", None)
            and getattr(scene, "without_updaters", False)
        ):
            # The moving mobjects of this play, frame after frame: the camera flattens
            # their families on every frame, although within a play whose animations
            # scenes/redraw.py understands (and with no updaters) they keep their
            # structure. Flattened once per play, and kept with the list itself, so that
            # another list cannot take its place.
            if self._displayed_for is not mobjects or len(given) != self._displayed_count:
                self._displayed = self.camera.get_mobjects_to_display(given)
                self._displayed_for, self._displayed_count = mobjects, len(given)
            given, include_submobjects = self._displayed, False
        super().update_frame(scene, given, include_submobjects, ignore_skipping, **kwargs)

    def _closest(
        self, signatures: list[Signature], boxes: np.ndarray
    ) -> tuple[Background, list[tuple[int, int, int, int]]] | None:
        """The kept background needing the least repainting, and its pixel rectangles."""
        best: tuple[Background, list[tuple[int, int, int, int]]] | None = None
        best_area = MAX_DIRTY_SHARE * self.camera.pixel_width * self.camera.pixel_height
        new_position = {sig: i for i, sig in enumerate(signatures)}
        for background in self.backgrounds:
            old_position = {sig: i for i, sig in enumerate(background.signatures)}
            kept = [new_position[s] for s in background.signatures if s in new_position]
            if kept != sorted(kept):
                continue  # drawing order changed: painting only parts could not follow it
            gone = [i for s, i in old_position.items() if s not in new_position]
            added = [i for s, i in new_position.items() if s not in old_position]
            dirty = np.vstack([background.boxes[gone], boxes[added]])  # (D, 4)
            rects = pixel_rects(self.camera, dirty)
            area = sum((x1 - x0) * (y1 - y0) for x0, y0, x1, y1 in rects)
            if area <= best_area:
                best, best_area = (background, rects), area
        return best


def signature(mob: Mobject) -> Signature:
    parts: list[Any] = [mob.points.tobytes()]
    for name in STYLE_ATTRIBUTES:
        value = getattr(mob, name, None)
        # Arrays by their bytes; numbers, enums and flags as they are (a few times faster
        # than converting each to an array, for thousands of mobjects per play).
        if isinstance(value, (np.ndarray, list)):
            value = np.asarray(value).tobytes()
        parts.append(value)
    return id(mob), hash(tuple(parts))


def pixel_rects(camera: Camera, boxes: np.ndarray) -> list[tuple[int, int, int, int]]:
    """Scene-unit boxes (D, 4) as pixel rectangles (x0, y0, x1, y1), outward-rounded and
    cut to the frame."""
    if not len(boxes):
        return []
    sx = camera.pixel_width / camera.frame_width
    sy = camera.pixel_height / camera.frame_height
    cx, cy = camera.frame_center[0], camera.frame_center[1]
    x0 = np.floor((boxes[:, 0] - cx) * sx + camera.pixel_width / 2)
    x1 = np.ceil((boxes[:, 2] - cx) * sx + camera.pixel_width / 2)
    y0 = np.floor(camera.pixel_height / 2 - (boxes[:, 3] - cy) * sy)  # top edge: largest y
    y1 = np.ceil(camera.pixel_height / 2 - (boxes[:, 1] - cy) * sy)
    x0, x1 = np.clip(x0, 0, camera.pixel_width), np.clip(x1, 0, camera.pixel_width)
    y0, y1 = np.clip(y0, 0, camera.pixel_height), np.clip(y1, 0, camera.pixel_height)
    return [
        (int(a), int(b), int(c), int(d)) for a, b, c, d in zip(x0, y0, x1, y1) if c > a and d > b
    ]


def repaint_rects(
    camera: Camera,
    mobjects: Sequence[Mobject],
    boxes: np.ndarray,
    rects: list[tuple[int, int, int, int]],
) -> None:
    """Repaint ``rects`` of the camera's frame: every mobject whose box touches one is
    painted, whole and in order, on a clean frame, and only the rectangles are copied
    back. (Painting through a clip instead would be cheaper but is not exact: Cairo
    rasterizes clipped strokes with other rounding.)"""
    if not rects:
        return
    r = np.array(rects, dtype=float)  # (D, 4) pixels
    sx = camera.pixel_width / camera.frame_width
    sy = camera.pixel_height / camera.frame_height
    cx, cy = camera.frame_center[0], camera.frame_center[1]
    px0 = (boxes[:, 0] - cx) * sx + camera.pixel_width / 2  # (N,)
    px1 = (boxes[:, 2] - cx) * sx + camera.pixel_width / 2
    py0 = camera.pixel_height / 2 - (boxes[:, 3] - cy) * sy
    py1 = camera.pixel_height / 2 - (boxes[:, 1] - cy) * sy
    touching = (
        (px0[:, None] <= r[None, :, 2])
        & (r[None, :, 0] <= px1[:, None])
        & (py0[:, None] <= r[None, :, 3])
        & (r[None, :, 1] <= py1[:, None])
    ).any(axis=1)
    kept = camera.pixel_array.copy()  # the old background
    camera.reset()
    camera.capture_mobjects([m for m, hit in zip(mobjects, touching) if hit])
    painted = camera.pixel_array
    for x0, y0, x1, y1 in rects:
        kept[y0:y1, x0:x1] = painted[y0:y1, x0:x1]
    camera.set_frame_to_background(kept)
