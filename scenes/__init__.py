"""Manim scenes that draw mlcore traces, their shared widgets, the registry and the CLI.

Nothing here is imported eagerly: ``explain list`` must answer without loading
torch or manim.
"""
