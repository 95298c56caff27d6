"""Which mobjects each frame of an animation redraws, and which are painted once.

Manim's Cairo renderer paints the "static" mobjects of a ``play`` once into a background
and redraws the "moving" ones on every frame. To keep drawing order right it calls moving
everything from the first animated mobject to the end of the scene's list, so an animation
of one cell of a grid added early redraws every later grid, label and caption on each frame:
most of a render's drawing time in our scenes.

``split_moving_static`` redraws less and draws the same pixels: the animated mobjects, and
each later mobject whose box overlaps the area an earlier redrawn one can reach during the
animation (it must stay on top of it). Everything else cannot touch a changing pixel, so it
is painted once. The area is known only for animations that move points along straight
lines between a start and an end state (transforms without an arc, fades, writes, creates,
moves along a path); for anything else, an updater or a foreground mobject, the answer is
None and Manim's own rule applies. ``tests/test_redraw.py`` compares every frame with
Manim's rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
from manim import OUT, Animation, Camera, Mobject, Scene, Wait
from manim.animation.composition import AnimationGroup
from manim.animation.creation import DrawBorderThenFill, ShowPartial
from manim.animation.movement import MoveAlongPath
from manim.animation.transform import Transform
from manim.camera.three_d_camera import ThreeDCamera
from manim.utils.paths import straight_path

from explain.scenes.engine.tweens import OpacityFade, Shift

# Box = (xmin, ymin, xmax, ymax) in scene units.
Box = tuple[float, float, float, float]

# Cairo draws a stroke of width w as w * 0.01 units across (Camera.cairo_line_width_multiple).
# Manim joins strokes with miters, which reach up to half Cairo's miter limit (10) times the
# width beyond a corner, so a box grows by that; antialiasing reaches a pixel or so
# further, and boxes grow by this many pixels more.
STROKE_UNIT = 0.01
MITER_REACH = 5.0
SAFETY_PIXELS = 3.0


@dataclass
class Split:
    moving: list[Mobject]  # redrawn on every frame, in drawing order
    static: list[Mobject]  # painted once into the background, in drawing order
    static_boxes: np.ndarray  # (len(static), 4) as mobject_boxes(static, SAFETY_PIXELS)


def split_moving_static(scene: Scene, animations: Sequence[Animation]) -> Split | None:
    """The mobjects with points, moving and static; None where unsure."""
    camera = scene.renderer.camera
    if scene.foreground_mobjects or not isinstance(camera, Camera):
        return None  # foreground mobjects always redraw; OpenGL draws otherwise
    if isinstance(camera, ThreeDCamera):
        return None  # 3-D points are projected before drawing
    family = scene.get_mobject_family_members()
    if any(m.updaters for m in family):
        return None
    # What extract_mobject_family_members(..., only_those_with_points=True) returns: its
    # de-duplication keeps last occurrences and its sort is stable, so filtering after
    # them keeps the same order.
    order = [m for m in family if m.has_points()]
    if not order:
        return Split([], [], np.zeros((0, 4)))
    pad = SAFETY_PIXELS * camera.frame_width / camera.pixel_width
    position = {id(m): i for i, m in enumerate(order)}
    moving = np.zeros(len(order), dtype=bool)
    sources = _changing_areas(animations, position, moving, pad)
    if sources is None:
        return None
    boxes = mobject_boxes(order, pad)  # (N, 4)
    _spread_redraws(order, position, boxes, moving, *sources)
    moving_list = [m for m, flag in zip(order, moving) if flag]
    static_list = [m for m, flag in zip(order, moving) if not flag]
    return Split(moving_list, static_list, boxes[~moving])


def _changing_areas(
    animations: Sequence[Animation], position: dict[int, int], moving: np.ndarray, pad: float
) -> tuple[np.ndarray, np.ndarray] | None:
    """Mark the animated mobjects moving; return the areas that change (M, 4) and the
    position in drawing order each is drawn at (M,), or None if one cannot be bounded."""
    source_index: list[int] = []  # each box below is drawn at this position in `order`
    source_boxes: list[Box] = []  # areas that change during the animation
    for anim in _leaves(animations):
        region = _reach(anim, pad)
        if region is None:
            return None
        members = [position[id(m)] for m in anim.mobject.get_family() if id(m) in position]
        if members:
            moving[members] = True
            source_index.extend([min(members)] * len(region))
            source_boxes.extend(region)
    return np.array(source_index), np.array(source_boxes).reshape(-1, 4)


def _spread_redraws(
    order: list[Mobject],
    position: dict[int, int],
    boxes: np.ndarray,
    moving: np.ndarray,
    new_index: np.ndarray,
    new_boxes: np.ndarray,
) -> None:
    """Mark moving every mobject that must be redrawn over a changing area, until none is
    added (``moving`` is updated in place)."""
    later = np.arange(len(order))[:, None]  # (N, 1)
    while len(new_index):
        # A mobject drawn after a changing area and overlapping it must be redrawn on top
        # of it; what it covers then changes too, so repeat with the newly redrawn ones.
        hit = (
            (boxes[:, None, 0] <= new_boxes[None, :, 2])
            & (new_boxes[None, :, 0] <= boxes[:, None, 2])
            & (boxes[:, None, 1] <= new_boxes[None, :, 3])
            & (new_boxes[None, :, 1] <= boxes[:, None, 3])
            & (later > new_index[None, :])
        ).any(axis=1) & ~moving
        added = _with_families(order, np.flatnonzero(hit), position)
        added = added[~moving[added]]
        moving[added] = True
        new_index, new_boxes = added, boxes[added]
        if not len(new_index):
            # A mobject with points whose child is redrawn is redrawn too: Manim paints a
            # mobject's family with it, so left static it would paint the child there.
            parents = [
                i
                for i, m in enumerate(order)
                if m.submobjects
                and not moving[i]
                and any(moving[position[id(f)]] for f in m.get_family() if id(f) in position)
            ]
            added = _with_families(order, np.array(parents, dtype=int), position)
            added = added[~moving[added]]
            moving[added] = True
            new_index, new_boxes = added, boxes[added]


def _with_families(
    order: list[Mobject], indices: np.ndarray, position: dict[int, int]
) -> np.ndarray:
    """The indices and those of their descendants: Manim redraws a moving mobject's whole
    family, so a descendant left static would be drawn twice."""
    found = set(indices.tolist())
    for i in indices:
        if order[i].submobjects:
            found.update(position[id(m)] for m in order[i].get_family() if id(m) in position)
    return np.array(sorted(found), dtype=int)


def _leaves(animations: Iterable[Animation]) -> Iterable[Animation]:
    """The animations inside groups (a group's own mobject is only their union)."""
    for anim in animations:
        if isinstance(anim, AnimationGroup):
            yield from _leaves(anim.animations)
        else:
            yield anim


def _reach(anim: Animation, pad: float) -> list[Box] | None:
    """Boxes covering the animation's mobject at every moment, or None if unknown."""
    if isinstance(anim, Wait):
        return []  # nothing changes
    if isinstance(anim, Transform):
        if anim.path_func is not straight_path() or anim.path_arc_centers is not None:
            # Points travel along arcs, outside their start and end boxes.
            return _arc_reach(anim, pad)
        states: list[Any] = [anim.mobject, anim.starting_mobject, anim.target_mobject]
        states.append(getattr(anim, "target_copy", None))
    elif isinstance(anim, OpacityFade):
        states = [anim.mobject]  # only opacities change
    elif isinstance(anim, Shift):
        # Begun, so at its start; every point moves on a line to itself + the vector:
        # the hull below of the boxes now and shifted holds it throughout.
        dx, dy = float(anim.vector[0]), float(anim.vector[1])
        start = _family_boxes(cast(Mobject, anim.mobject), pad)
        shifted = [(x0 + dx, y0 + dy, x1 + dx, y1 + dy) for x0, y0, x1, y1 in start]
        return _hull(start + shifted)
    elif isinstance(anim, (ShowPartial, DrawBorderThenFill)):
        # Partial curves and outlines of the same points: inside the mobject's own box.
        states = [anim.mobject, getattr(anim, "starting_mobject", None)]
    elif isinstance(anim, MoveAlongPath):
        # The mobject's centre travels along the path: the path's box, widened by half
        # the mobject, contains it at every moment.
        boxes = _family_boxes(cast(Mobject, anim.path), pad)
        half_w, half_h = anim.mobject.width / 2, anim.mobject.height / 2
        grown = [(x0 - half_w, y0 - half_h, x1 + half_w, y1 + half_h) for x0, y0, x1, y1 in boxes]
        return grown + _family_boxes(cast(Mobject, anim.mobject), pad)
    else:
        return None
    # Points move on straight lines from one state to another, so at every moment they
    # lie in the box around all the states (not in the union of their separate boxes).
    return _hull(
        [box for state in states if state is not None for box in _family_boxes(state, pad)]
    )


def _hull(boxes: list[Box]) -> list[Box]:
    """The one box around ``boxes`` (none if there are none)."""
    if not boxes:
        return []
    x0, y0, x1, y1 = np.array(boxes).T
    return [(float(x0.min()), float(y0.min()), float(x1.max()), float(y1.max()))]


def _arc_reach(anim: Transform, pad: float) -> list[Box] | None:
    """Boxes for a Transform whose points travel along arcs in the plane of the screen
    (Manim's path_along_arc about OUT, e.g. ``path_arc=PI``), or None for other paths.

    Each point turns about its own centre (computed as path_along_arc computes it) from
    its start to its end, so at every moment it lies on the circle through its start
    around that centre."""
    func = anim.path_func
    if getattr(func, "__qualname__", "") != "path_along_arc.<locals>.path":
        return None
    cells = dict(zip(func.__code__.co_freevars, [c.cell_contents for c in func.__closure__ or ()]))
    angle, axis = cells.get("arc_angle"), cells.get("unit_axis")
    if angle is None or axis is None or not np.array_equal(axis, OUT):
        return None
    start_mob, end_mob = anim.starting_mobject, getattr(anim, "target_copy", None)
    if start_mob is None or end_mob is None:
        return None
    families = [
        m.family_members_with_points() for m in (cast(Mobject, anim.mobject), start_mob, end_mob)
    ]
    if len({len(f) for f in families}) != 1:
        return None
    boxes: list[Box] = []
    for mob, start, end in zip(*families):
        if len(start.points) != len(end.points):
            return None
        if not len(start.points):
            continue
        vects = end.points - start.points  # (N, 3)
        centres = start.points + 0.5 * vects
        if angle != np.pi:
            centres = centres + np.cross(axis, vects / 2.0) / np.tan(angle / 2)
        radius = np.linalg.norm((start.points - centres)[:, :2], axis=1)[:, None]  # (N, 1)
        low = (centres[:, :2] - radius).min(axis=0)
        high = (centres[:, :2] + radius).max(axis=0)
        stroke = max(_stroke_reach(m) for m in (mob, start, end))
        grow = stroke * STROKE_UNIT * MITER_REACH + pad
        boxes.append((low[0] - grow, low[1] - grow, high[0] + grow, high[1] + grow))
    return [(float(a), float(b), float(c), float(d)) for a, b, c, d in boxes]


def _stroke_reach(mob: Mobject) -> float:
    """The widest of a mobject's strokes (its own and its background stroke)."""
    return max(
        _widest(getattr(mob, "stroke_width", 0.0)),
        _widest(getattr(mob, "background_stroke_width", 0.0)),
    )


def _family_boxes(mob: Mobject, pad: float) -> list[Box]:
    members = mob.family_members_with_points()
    return [(b[0], b[1], b[2], b[3]) for b in mobject_boxes(members, pad)] if members else []


def mobject_boxes(mobs: Sequence[Mobject], pad: float) -> np.ndarray:
    """(N, 4) boxes of the mobjects' points, grown by the reach of their stroke and a few
    pixels."""
    points = [m.points for m in mobs]
    starts = np.cumsum([0] + [len(p) for p in points[:-1]])
    flat = np.concatenate(points)  # (P, 3)
    lo = np.minimum.reduceat(flat, starts, axis=0)  # (N, 3)
    hi = np.maximum.reduceat(flat, starts, axis=0)  # (N, 3)
    stroke = np.array([_stroke_reach(m) for m in mobs])
    grow = (stroke * STROKE_UNIT * MITER_REACH + pad)[:, None]  # (N, 1)
    return np.hstack([lo[:, :2] - grow, hi[:, :2] + grow])


def _widest(width: Any) -> float:
    """A stroke width, or the largest of an array of them (None: no stroke)."""
    if width is None:
        return 0.0
    if isinstance(width, (int, float)):  # the usual case, and np.float64
        return float(width)
    if isinstance(width, np.ndarray) and width.ndim == 0:  # a tween's view (fade.py)
        return float(width)
    return float(np.max(width))  # slow for scalars: microseconds, and called per mobject
