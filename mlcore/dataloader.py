"""Dataset and DataLoader: which samples each iteration of each epoch receives.

The trace's ``batches`` is, epoch after epoch, the index lists that
``DataLoader(TensorDataset(torch.arange(samples)), batch_size, shuffle, drop_last,
generator=torch.Generator().manual_seed(seed))`` yields with its one generator. The tracer
spells out what the loader does with that generator (a seed for its workers when an
epoch's iterator is made, then the sampler's permutations); ``verify_dataloader_trace``
iterates a real DataLoader and compares.
"""

from __future__ import annotations

from typing import TypedDict

import torch
from torch.utils.data import DataLoader, TensorDataset

from explain.mlcore.dataloader_params import DataLoaderParams
from explain.mlcore.params import params_to_dict
from explain.mlcore.trace import Trace, extra_dict


class DataLoaderExtra(TypedDict):
    """What the loader dealt: per epoch, its batches' sample indices and what it dropped."""

    batches: list[list[list[int]]]  # [epoch][iteration] -> sample indices of that batch
    dropped: list[list[int]]  # [epoch] -> samples drop_last left out (in loader order)


def _epoch_order(n: int, shuffle: bool, gen: torch.Generator) -> list[int]:
    """The sample order of one epoch, drawing from ``gen`` exactly as the loader does."""
    # Making an epoch's iterator draws a base seed for worker processes, shuffled or not.
    torch.empty((), dtype=torch.int64).random_(generator=gen)
    if not shuffle:
        return list(range(n))
    order: list[int] = torch.randperm(n, generator=gen).tolist()
    # RandomSampler then asks for the remaining num_samples % n = 0 samples of a second
    # permutation; reaching the epoch's end makes it draw that permutation too.
    torch.randperm(n, generator=gen)
    return order


def _batches(order: list[int], size: int, drop_last: bool) -> list[list[int]]:
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    if drop_last and len(batches[-1]) < size:
        batches.pop()
    return batches


def dataloader_trace(params: DataLoaderParams) -> Trace:
    """The index lists of every batch of every epoch, and what drop_last left out."""
    gen = torch.Generator().manual_seed(params.seed)
    batches: list[list[list[int]]] = []
    dropped: list[list[int]] = []
    for _ in range(params.epochs):
        order = _epoch_order(params.samples, params.shuffle, gen)
        kept = _batches(order, params.batch_size, params.drop_last)
        batches.append(kept)
        used = {i for batch in kept for i in batch}
        dropped.append([i for i in order if i not in used])  # the short batch drop_last drops
    return Trace(
        scene="dataloader",
        params=params_to_dict(params),
        tensors={"samples": list(range(params.samples))},
        extra=extra_dict(DataLoaderExtra(batches=batches, dropped=dropped)),
    )


def verify_dataloader_trace(trace: Trace) -> None:
    """Iterate torch's own DataLoader epoch after epoch with one seeded generator."""
    p = trace.params
    loader = DataLoader(
        TensorDataset(torch.arange(p["samples"])),
        batch_size=p["batch_size"],
        shuffle=p["shuffle"],
        drop_last=p["drop_last"],
        generator=torch.Generator().manual_seed(p["seed"]),
    )
    expected = [[x.tolist() for (x,) in loader] for _ in range(p["epochs"])]
    extra = trace.extra_as(DataLoaderExtra)
    if extra["batches"] != expected:
        raise AssertionError(f"batches disagree with torch's DataLoader: {expected!r}")
    for epoch, batches in enumerate(expected):
        used = sorted(i for batch in batches for i in batch)
        missing = sorted(set(range(p["samples"])) - set(used))
        if sorted(extra["dropped"][epoch]) != missing:
            raise AssertionError(f"dropped samples of epoch {epoch} disagree with the loader")
