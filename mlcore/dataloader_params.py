"""What the DataLoader scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.dataloader`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import ParamError, param

MAX_SAMPLES = 24  # numbered cards that stay readable in one row of the frame
MAX_EPOCHS = 4


@dataclass(frozen=True)
class DataLoaderParams:
    samples: int = param(10, "samples in the Dataset (numbered cards)", low=1, high=MAX_SAMPLES)
    batch_size: int = param(4, "samples per batch (per iteration)", low=1, high=MAX_SAMPLES)
    shuffle: bool = param(True, "shuffle the samples anew each epoch")
    drop_last: bool = param(False, "drop the short last batch of each epoch")
    epochs: int = param(2, "passes over the whole Dataset", low=1, high=MAX_EPOCHS)
    seed: int = param(0, "seed of the DataLoader's generator", low=0, high=2**31 - 1)

    def validate(self) -> None:
        if self.batch_size > self.samples:
            raise ParamError(
                "batch_size",
                f"must be at most samples ({self.samples}), got {self.batch_size}",
            )
