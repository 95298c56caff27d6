"""The only code that reaches into Manim's internals: the camera, the renderer with its
still layers, the redraw split, the tweens and the frame hook. COMPAT.md lists every
internal it relies on; tests/test_compat.py fails when one of them changes. Imports
nothing from the kit or the topics."""
