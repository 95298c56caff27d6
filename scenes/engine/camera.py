"""Manim's Cairo camera, drawing the same pixels with less work.

Paths are built once per shape. Before each fill and stroke Manim builds a VMobject's
Cairo path from its points in Python: splitting subpaths, one call per curve. A glyph or a
cell outline that stays put has the same points in every background and every frame it
is redrawn in (about half of all paths drawn in the conv and RNN scenes), so its path is
kept, in Cairo's own device coordinates, and appended again. Cairo stores paths in fixed
point; read and written back under the identity matrix they come back exactly as stored.

Images are composited over their own rectangle only. Manim draws an ImageMobject by
pasting it into a transparent image the size of the frame and alpha-compositing that
whole image over the frame: two frame-sized allocations and a frame-sized composite per
image per frame. cnn-shapes shows 61 feature maps, and this was half of its render time.
Outside the image's rectangle the pasted pixels are fully transparent, and compositing a
transparent pixel leaves the frame's pixel as it is, so compositing the rectangle alone
gives the same frame.

``tests/test_camera.py`` and ``tests/test_redraw.py`` compare the frames with Manim's.
"""

from __future__ import annotations

from typing import Any

import cairo
import numpy as np
from manim import Camera, VMobject
from manim.mobject.types.image_mobject import AbstractImageMobject
from PIL import Image

from explain.scenes.engine.compat import replaces

# Manim's threshold: a quadrilateral thinner than this, in pixels, draws nothing.
MIN_THICKNESS = 0.5


# Paths kept per camera; past this many the cache starts afresh (a long scene's glyphs
# number a few thousand; each path is a few kilobytes).
MAX_KEPT_PATHS = 20_000
FIXED_ONE = 256.0  # Cairo's fixed point has 8 fractional bits
FIXED_LIMIT = 2.0**31  # and 32 bits in all


class SceneCamera(Camera):
    """The camera of every 2-D TraceScene: Manim's, drawing the same pixels faster."""

    @replaces(
        Camera,
        "__init__",
        "(self, background_image: 'str | None' = None, frame_center: 'Point3D' = array([0., "
        "0., 0.]), image_mode: 'str' = 'RGBA', n_channels: 'int' = 4, "
        "pixel_array_dtype: 'str' = 'uint8', cairo_line_width_multiple: 'float' = 0.01, "
        "use_z_index: 'bool' = True, background: 'PixelArray | None' = None, "
        "pixel_height: 'int | None' = None, pixel_width: 'int | None' = None, "
        "frame_height: 'float | None' = None, frame_width: 'float | None' = None, "
        "frame_rate: 'float | None' = None, "
        "background_color: 'ParsableManimColor | None' = None, "
        "background_opacity: 'float | None' = None, **kwargs: 'Any') -> 'None'",
    )
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._paths: dict[tuple[Any, ...], cairo.Path] = {}

    @replaces(
        Camera,
        "set_cairo_context_path",
        "(self, ctx: 'cairo.Context', vmobject: 'VMobject') -> 'Self'",
    )
    def set_cairo_context_path(self, ctx: cairo.Context, vmobject: VMobject) -> SceneCamera:
        points = vmobject.points  # (N, 3)
        if not len(points):
            super().set_cairo_context_path(ctx, vmobject)  # Manim's special case
            return self
        # Everything Manim's path depends on: the points, the class (its curve size and
        # point tolerance) and the scene-to-pixel matrix.
        matrix = ctx.get_matrix()
        scale = (matrix.xx, matrix.yx, matrix.xy, matrix.yy, matrix.x0, matrix.y0)
        key = (type(vmobject), scale, points.tobytes())
        path = self._paths.get(key)
        if path is None:
            # Points that Cairo stores as the same fixed-point path draw the same. A
            # fading glyph's points are recomputed on every frame (Manim interpolates
            # them between equal states) and move by an ulp at most.
            fixed = fixed_point_key(points, matrix)
            grid_key = None if fixed is None else (type(vmobject), scale, fixed)
            path = None if grid_key is None else self._paths.get(grid_key)
            if path is None:
                super().set_cairo_context_path(ctx, vmobject)
                ctx.identity_matrix()
                path = ctx.copy_path()
                ctx.set_matrix(matrix)
                if grid_key is not None:
                    self._keep(grid_key, path)
                self._keep(key, path)
                return self
            self._keep(key, path)
        ctx.new_path()
        ctx.identity_matrix()
        ctx.append_path(path)
        ctx.set_matrix(matrix)  # strokes are as wide as the scene-to-pixel matrix says
        return self

    def _keep(self, key: tuple[Any, ...], path: cairo.Path) -> None:
        if len(self._paths) >= MAX_KEPT_PATHS:
            self._paths.clear()
        self._paths[key] = path

    @replaces(
        Camera,
        "display_image_mobject",
        "(self, image_mobject: 'AbstractImageMobject', pixel_array: 'np.ndarray') -> 'None'",
    )
    def display_image_mobject(
        self, image_mobject: AbstractImageMobject, pixel_array: np.ndarray
    ) -> None:
        placed = self._placed_image(image_mobject)
        if placed is None:
            return
        image, (left, top) = placed
        height, width = pixel_array.shape[:2]
        x0, y0 = max(left, 0), max(top, 0)
        x1, y1 = min(left + image.width, width), min(top + image.height, height)
        if x1 <= x0 or y1 <= y0:
            return  # entirely off the frame
        part = image.crop((x0 - left, y0 - top, x1 - left, y1 - top))
        region = pixel_array[y0:y1, x0:x1]  # (h, w, 4), a view
        under = Image.fromarray(np.ascontiguousarray(region), mode=self.image_mode)
        region[:] = np.asarray(Image.alpha_composite(under, part), dtype=np.uint8)

    def _placed_image(
        self, image_mobject: AbstractImageMobject
    ) -> tuple[Image.Image, tuple[int, int]] | None:
        """The image warped onto its corners' pixels, and where its top left goes; None
        where Manim draws nothing. The same arithmetic as Camera.display_image_mobject
        (its perspective transform), so that the warped pixels are the same."""
        source = Image.fromarray(image_mobject.get_pixel_array(), mode="RGBA")
        original = np.array(
            [[0, 0], [source.width, 0], [0, source.height], [source.width, source.height]]
        )  # (4, 2) corners: top left, top right, bottom left, bottom right
        target = self.points_to_subpixel_coords(image_mobject, image_mobject.points)  # (4, 2)
        corner = target.astype(np.int64)
        shift = corner.min(axis=0)  # (2,) top left of the smallest enclosing image
        target = target - shift
        corner = corner - shift
        size = (int(corner[:, 0].max()), int(corner[:, 1].max()))

        ordered = target[[0, 1, 3, 2]]  # (4, 2) around the quadrilateral
        sides = np.roll(ordered, -1, axis=0) - ordered  # (4, 2)
        lengths = np.linalg.norm(sides, axis=1)  # (4,)
        longest = int(np.argmax(lengths))
        if lengths[longest] == 0:
            return None
        # Manim measures the height from the longest side against the side before it
        # (twice), and skips quadrilaterals thinner than half a pixel.
        before = sides[(longest - 1) % 4]
        cross = sides[longest][0] * before[1] - sides[longest][1] * before[0]
        if abs(cross) / lengths[longest] < MIN_THICKNESS:
            return None

        rows = []
        for (x, y), (u, v) in zip(target, original):
            rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
            rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        try:
            coefficients = np.linalg.solve(
                np.array(rows, dtype=np.float64), original.reshape(8).astype(np.float64)
            )
        except np.linalg.LinAlgError:
            return None  # three corners on a line
        warped = source.transform(
            size=size,
            method=Image.Transform.PERSPECTIVE,
            data=coefficients.tolist(),
            resample=image_mobject.resampling_algorithm,
        )
        return warped, (int(shift[0]), int(shift[1]))


def fixed_point_key(points: np.ndarray, matrix: cairo.Matrix) -> bytes | None:
    """The points (N, 3) as Cairo stores them: device coordinates in 24.8 fixed point.

    Cairo maps a point with ``xx·x + xy·y + x0`` (and likewise for y) and rounds to the
    nearest 1/256 pixel, ties to even (``_cairo_fixed_from_double``); with no rotation
    the cross terms are zero and the same arithmetic is done here. None where that does
    not hold (a rotated matrix, points off any representable grid)."""
    if matrix.xy != 0 or matrix.yx != 0:
        return None
    device = points[:, :2] * (matrix.xx, matrix.yy)  # (N, 2) pixels, then + the offset,
    device += (matrix.x0, matrix.y0)  # rounded as Cairo rounds them: the same two steps
    device *= FIXED_ONE
    np.rint(device, out=device)
    if not np.abs(device).max() < FIXED_LIMIT:  # also false for NaN
        return None
    return device.tobytes()  # whole numbers as floats (-0.0 and 0.0 only miss a match)
