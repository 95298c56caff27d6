"""The animations a topic scene plays: fades and moves.

They are the engine's tweens (``explain.scenes.engine.tweens``), which interpolate arrays
in place instead of copying mobjects and which the redraw split understands. Topics take
them from here so that they never import the engine, whose internals may change with Manim.
"""

from __future__ import annotations

from explain.scenes.engine.tweens import fade_in, fade_out, move_to, shift_by

__all__ = ["fade_in", "fade_out", "move_to", "shift_by"]
