"""Manim scenes that draw mlcore traces, imported as ``explain.scenes``.

One folder per job: ``topics/`` (a module per topic), ``kit/`` (base scene, layout,
theme, i18n, widgets), ``engine/`` (the only code touching Manim's internals),
``output/`` (writers and files) and ``app/`` (render, batch, gallery, slides, plots,
caches); ``registry.py`` and ``cli.py`` are the public surface. Nothing is imported
eagerly: ``explain list`` must answer without loading torch or manim.
"""
