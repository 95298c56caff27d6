"""The course's PyTorch training loop for y = w·x + b, traced step by step.

The course writes ``model = nn.Linear(1, 1)``, ``criterion = nn.MSELoss(reduction=...)``,
``optimizer = SGD(model.parameters(), lr)`` and repeats forward → loss → ``zero_grad()``
→ ``backward()`` → ``step()`` on x = 1, 2, 3 and y = 2, 4, 6. The tracer computes each
epoch with the closed-form gradient of the squared error (float64);
``verify_training_loop_trace`` replays every update with ``nn.Linear``, ``nn.MSELoss`` and
``torch.optim.SGD``.
"""

from __future__ import annotations

import torch

from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.threads import one_thread
from explain.mlcore.trace import Trace, to_nested
from explain.mlcore.training_loop_params import TrainingLoopParams

X_DATA = (1.0, 2.0, 3.0)  # the course's inputs
Y_DATA = (2.0, 4.0, 6.0)  # and targets (y = 2x)
# Beyond this |w|, |b| or loss the run is diverging; the numbers would not fit on screen.
DIVERGED = 1e6
TOL = 1e-9  # relative tolerance of the verifier (float64 throughout)


def _step(
    w: float, b: float, x: torch.Tensor, y: torch.Tensor, reduction: str
) -> tuple[torch.Tensor, float, float, float]:
    """One epoch's forward pass, loss and gradients: (y_pred, loss, dL/dw, dL/db)."""
    y_pred = w * x + b  # (N,)
    err = y_pred - y  # (N,)
    scale = 1.0 if reduction == "sum" else 1.0 / len(x)
    loss = float((err**2).sum()) * scale
    grad_w = float((2 * err * x).sum()) * scale  # d/dw Σ(w·x + b − y)²
    grad_b = float((2 * err).sum()) * scale
    return y_pred, loss, grad_w, grad_b


def training_loop_trace(params: TrainingLoopParams) -> Trace:
    """Run the loop for ``params.epochs`` epochs, recording every value the code shows."""
    x = torch.tensor(X_DATA, dtype=torch.float64)  # (N,)
    y = torch.tensor(Y_DATA, dtype=torch.float64)  # (N,)
    w, b = params.w0, params.b0
    ws, bs, losses, preds, grads_w, grads_b = [w], [b], [], [], [], []
    for epoch in range(params.epochs):
        y_pred, loss, grad_w, grad_b = _step(w, b, x, y, params.loss)
        w, b = w - params.lr * grad_w, b - params.lr * grad_b  # optimizer.step()
        if max(abs(w), abs(b), loss) > DIVERGED:
            raise ParamError(
                "lr",
                f"training diverges at epoch {epoch} (|w|, |b| or the loss beyond {DIVERGED:g});"
                " use a smaller lr or the mean loss",
            )
        preds.append(to_nested(y_pred))
        losses.append(loss)
        grads_w.append(grad_w)
        grads_b.append(grad_b)
        ws.append(w)
        bs.append(b)
    return Trace(
        scene="training-loop",
        params=params_to_dict(params),
        tensors={
            "x": list(X_DATA),
            "y": list(Y_DATA),
            "w": ws,  # (E+1,) before the first step, then after each
            "b": bs,  # (E+1,)
            "loss": losses,  # (E,) the loss of epoch i, before its update
            "y_pred": preds,  # (E, N) forward pass of epoch i
            "grad_w": grads_w,  # (E,) w.grad after epoch i's backward()
            "grad_b": grads_b,  # (E,)
            "y_test": w * params.x_test + b,  # the trained model's prediction
        },
    )


def _replay_epoch(
    w: float, b: float, x: torch.Tensor, y: torch.Tensor, lr: float, reduction: str
) -> tuple[torch.Tensor, float, float, float, float, float]:
    """The course's five lines on an nn.Linear set to (w, b)."""
    model = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(w)
        model.bias.fill_(b)
    criterion = torch.nn.MSELoss(reduction=reduction)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    y_pred = model(x)  # (N, 1)
    loss = criterion(y_pred, y)
    optimizer.zero_grad()
    loss.backward()
    assert model.weight.grad is not None and model.bias.grad is not None
    gw, gb = model.weight.grad.item(), model.bias.grad.item()
    optimizer.step()
    return y_pred.detach()[:, 0], loss.item(), gw, gb, model.weight.item(), model.bias.item()


def _close(a: float, b: float, what: str, epoch: int) -> None:
    if abs(a - b) > TOL * max(1.0, abs(a), abs(b)):
        raise AssertionError(f"{what} at epoch {epoch} disagrees with torch ({a!r} vs {b!r})")


def verify_training_loop_trace(trace: Trace) -> None:
    """Replay each epoch with nn.Linear, nn.MSELoss and optim.SGD from the trace's own w, b
    (a whole-run replay would compare rounding amplified over a thousand steps)."""
    with one_thread():
        _replay(trace)


def _replay(trace: Trace) -> None:
    t, p = trace.tensors, trace.params
    x = torch.tensor(X_DATA, dtype=torch.float64)[:, None]  # (N, 1)
    y = torch.tensor(Y_DATA, dtype=torch.float64)[:, None]  # (N, 1)
    if t["x"] != list(X_DATA) or t["y"] != list(Y_DATA):
        raise AssertionError("the data are not the course's x = 1, 2, 3 and y = 2, 4, 6")
    if t["w"][0] != p["w0"] or t["b"][0] != p["b0"]:
        raise AssertionError("the run does not start at w0, b0")
    epochs = p["epochs"]
    if not len(t["loss"]) == len(t["grad_w"]) == epochs == len(t["w"]) - 1 == len(t["b"]) - 1:
        raise AssertionError("the trace does not hold one value per epoch")
    for e in range(epochs):
        y_pred, loss, gw, gb, w1, b1 = _replay_epoch(t["w"][e], t["b"][e], x, y, p["lr"], p["loss"])
        for i, value in enumerate(y_pred.tolist()):
            _close(t["y_pred"][e][i], value, "y_pred", e)
        _close(t["loss"][e], loss, "loss", e)
        _close(t["grad_w"][e], gw, "w.grad", e)
        _close(t["grad_b"][e], gb, "b.grad", e)
        _close(t["w"][e + 1], w1, "w after step()", e)
        _close(t["b"][e + 1], b1, "b after step()", e)
    model = torch.nn.Linear(1, 1).double()
    with torch.no_grad():
        model.weight.fill_(t["w"][-1])
        model.bias.fill_(t["b"][-1])
        y_test = model(torch.tensor([[p["x_test"]]], dtype=torch.float64)).item()
    _close(t["y_test"], y_test, "y_test", epochs)
