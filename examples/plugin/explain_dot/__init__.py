"""An explain plugin with one scene: the dot product of two vectors, cell by cell."""

from __future__ import annotations

from explain.scenes.registry import SceneEntry


def scenes() -> list[SceneEntry]:
    """The scenes this plugin adds (the ``explain.scenes`` entry point)."""
    return [
        SceneEntry(
            name="dot-product",
            description="The dot product w·x: multiply cell by cell, then add (torch.dot)",
            params="explain_dot.compute:DotParams",
            builder="explain_dot.compute:dot_trace",
            verifier="explain_dot.compute:verify_dot_trace",
            scene="explain_dot.scene:DotScene",
        )
    ]
