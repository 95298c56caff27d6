"""What the training-loop scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.training_loop`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass

from explain.mlcore.params import param

MAX_EPOCHS = 2000


@dataclass(frozen=True)
class TrainingLoopParams:
    """The model's starting point and the training settings of the course's loop."""

    # nn.Linear(1, 1) starts at random values in [-1, 1); fixed ones make the run the same
    # on every machine and start far enough from w = 2 for the descent to show.
    w0: float = param(0.5, "initial weight of nn.Linear(1, 1)", low=-10, high=10)
    b0: float = param(-0.5, "initial bias of nn.Linear(1, 1)", low=-10, high=10)
    lr: float = param(0.01, "learning rate of optim.SGD", low=1e-5, high=1.0)
    epochs: int = param(100, "training epochs (one update each)", low=1, high=MAX_EPOCHS)
    loss: str = param(
        "sum",
        "MSELoss reduction: sum (the course's size_average=False) or mean",
        choices=("sum", "mean"),
    )
    x_test: float = param(4.0, "input whose prediction is shown after training", low=-100, high=100)
