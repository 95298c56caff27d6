"""Run torch on one thread while training a tiny model.

Each operation of these traces touches a few thousand numbers, less than it costs to
wake and synchronise a second thread: measured on the 2-core CI machine under load, 300
epochs of the multi-feature network took 1.6 s with torch's two threads and 0.2 s with
one. The previous setting is restored afterwards, so callers see no global change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def one_thread() -> Iterator[None]:
    """Train on one thread: float32 sums then come in one order, so a replay is bit for bit
    the same, and the machine's other core stays free (for the encoder while rendering)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)
