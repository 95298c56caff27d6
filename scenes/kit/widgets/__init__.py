"""Widgets shared by every scene: tensor grids, windows, captions, number text."""
