"""explain: verified animations of machine-learning fundamentals.

One import package over the repository's two folders: ``explain.mlcore`` computes and
records traces with torch (never importing manim); ``explain.scenes`` draws them with
Manim Community and holds the CLI (``explain.scenes.cli``) and the registry.
"""
