"""Computation and traces for explain's animations.

mlcore runs the real computation with torch and numpy and records it as a
:class:`~mlcore.trace.Trace`: plain, serialisable data. It never imports manim,
so traces can be built, checked and saved without any drawing code.
"""
