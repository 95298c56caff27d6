"""Recurrent networks on the course's "hello" -> "ohlol" task, traced step by step.

Three traces share one vocabulary rule and one one-hot encoding:

* ``rnn_unroll_trace``: one ``nn.RNNCell`` unrolled over the sequence, every h_t
  recomputed by hand from the cell's weights, per-step cross-entropy summed, then the
  course's training loop (Adam) with the predicted string of every epoch.
* ``rnn_layers_trace``: ``nn.RNN`` with stacked layers, unrolled as a time x layer grid.
* ``embedding_trace``: ``nn.Embedding`` rows as one-hot x weight, then the course's
  improved model (Embedding -> RNN -> Linear) trained the same way.

The vocabulary is the sorted set of characters in ``input`` and ``target``; for
"hello"/"ohlol" that is the course's e, h, l, o. Only lowercase letters a-z are
accepted, at most ``MAX_VOCAB`` distinct ones, so that one-hot vectors stay readable.
"""

from __future__ import annotations

from typing import Any, TypedDict

import torch
import torch.nn.functional as F
from torch import nn

from explain.mlcore.params import ParamError, params_to_dict
from explain.mlcore.rnn_params import (
    EmbeddingParams,
    LayersParams,
    RnnParams,
)
from explain.mlcore.trace import Trace, extra_dict, step_dicts, to_nested

DTYPE = torch.float64  # exact enough that the verifier's tolerances can be tight


class EpochRecord(TypedDict):
    epoch: int  # from 1
    prediction: str  # the best-scoring character at every step, before this epoch's update
    loss: float  # cross-entropy summed over the steps


class RnnUnrollStep(TypedDict):
    """Time step t of the unrolled cell, with the initial weights."""

    t: int
    char: str  # input character
    target: str  # target character
    x: list[float]  # (V,) one-hot
    h_prev: list[float]  # (H,)
    from_x: list[float]  # (H,) W_ih x_t + b_ih
    from_h: list[float]  # (H,) W_hh h_{t-1} + b_hh
    h: list[float]  # (H,) tanh of their sum
    scores: list[float]  # (V,)
    probs: list[float]  # (V,) softmax of scores
    predicted: str  # the best-scoring character
    loss: float  # this step's cross-entropy


class RnnUnrollExtra(TypedDict):
    vocab: list[str]
    labels: list[int]  # (T,) target indices
    total_loss: float
    epochs: list[EpochRecord]
    # The first epoch whose prediction is the target, None if none is; and whether the
    # last epoch still predicts it (the outro says "reached" only then).
    first_match_epoch: int | None
    final_matches: bool


class RnnLayersStep(TypedDict):
    layer: int
    t: int
    h: list[float]  # (H,) the state of this layer at this time step


class RnnLayersShapes(TypedDict):
    input: list[int]  # (T, batch, V)
    output: list[int]  # (T, batch, H)
    hidden: list[int]  # (L, batch, H)


class RnnLayersExtra(TypedDict):
    vocab: list[str]
    shapes: RnnLayersShapes


class EmbeddingStep(TypedDict):
    t: int
    char: str
    index: int  # the character's row of the table
    one_hot: list[float]  # (V,)
    row: list[float]  # (E,) the looked-up row


class EmbeddingExtra(TypedDict):
    vocab: list[str]
    indices: list[int]  # (T,)
    labels: list[int]  # (T,)
    initial_state: dict[str, Any]  # the model's state_dict before training, nested lists
    epochs: list[EpochRecord]
    final_prediction: str


def vocabulary(*texts: str) -> list[str]:
    """The sorted distinct characters: "hello" + "ohlol" -> e, h, l, o as in the course."""
    return sorted(set("".join(texts)))


def one_hot(text: str, vocab: list[str]) -> torch.Tensor:
    """(T, V) rows of the identity, one per character."""
    idx = torch.tensor([vocab.index(ch) for ch in text])  # (T,)
    return F.one_hot(idx, len(vocab)).to(DTYPE)  # (T, V)


def _indices(text: str, vocab: list[str]) -> list[int]:
    return [vocab.index(ch) for ch in text]


def _decode(logits: torch.Tensor, vocab: list[str]) -> str:
    """(T, V) scores -> the string of the best-scoring characters."""
    return "".join(vocab[int(i)] for i in logits.argmax(dim=1))


def _finite(value: torch.Tensor) -> None:
    if not bool(torch.isfinite(value).all()):
        raise ParamError("lr", "training diverged (non-finite values); use a smaller lr")


def _seeded(seed: int, build: Any) -> Any:
    """Build a module with torch's default initialisation drawn from ``seed`` only."""
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        return build()


# --- rnn-unroll ------------------------------------------------------------------------
def cell_step(
    x: torch.Tensor,
    h: torch.Tensor,
    w_ih: torch.Tensor,
    w_hh: torch.Tensor,
    b_ih: torch.Tensor,
    b_hh: torch.Tensor,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """h_t = tanh(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), with both halves returned too."""
    from_x = w_ih @ x + b_ih  # (H,)
    from_h = w_hh @ h + b_hh  # (H,)
    return from_x, from_h, torch.tanh(from_x + from_h)  # (H,) each


class _CellModel(nn.Module):
    """The course's model: one RNNCell; a Linear readout only when H != vocabulary size."""

    def __init__(self, vocab_size: int, hidden_size: int) -> None:
        super().__init__()
        self.cell = nn.RNNCell(vocab_size, hidden_size).to(DTYPE)
        self.readout = (
            nn.Linear(hidden_size, vocab_size).to(DTYPE) if hidden_size != vocab_size else None
        )

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(T, V) one-hot -> hidden states (T, H) and scores (T, V)."""
        h = torch.zeros(1, self.cell.hidden_size, dtype=DTYPE)  # (1, H), batch of one
        states = []
        for t in range(x.shape[0]):
            h = self.cell(x[t : t + 1], h)  # (1, H)
            states.append(h)
        hidden = torch.cat(states)  # (T, H)
        scores = self.readout(hidden) if self.readout is not None else hidden  # (T, V)
        return hidden, scores


def _train(
    model: nn.Module, x: Any, labels: torch.Tensor, params: RnnParams, vocab: list[str]
) -> list[EpochRecord]:
    """The course's loop: per epoch, the prediction and summed loss, then one Adam step."""
    opt = torch.optim.Adam(model.parameters(), lr=params.lr)
    epochs: list[EpochRecord] = []
    for epoch in range(params.epochs):
        _, scores = model(x)  # (T, V)
        loss = F.cross_entropy(scores, labels, reduction="sum")  # sum over steps
        _finite(loss)
        epochs.append(
            EpochRecord(epoch=epoch + 1, prediction=_decode(scores, vocab), loss=loss.item())
        )
        opt.zero_grad()
        loss.backward()
        opt.step()
    with torch.no_grad():
        _, scores = model(x)
        _finite(scores)
    return epochs


def _unroll(
    cell: nn.RNNCell,
    readout: nn.Linear | None,
    x: torch.Tensor,
    labels: torch.Tensor,
    params: RnnParams,
    vocab: list[str],
) -> list[RnnUnrollStep]:
    """Every h_t recomputed by hand from the cell's weights, scored and its loss taken."""
    w_ih, w_hh = cell.weight_ih.detach(), cell.weight_hh.detach()  # (H, V), (H, H)
    b_ih, b_hh = cell.bias_ih.detach(), cell.bias_hh.detach()  # (H,) each
    h = torch.zeros(params.hidden_size, dtype=DTYPE)  # (H,) h0
    steps = []
    for t in range(len(params.input)):
        from_x, from_h, h_new = cell_step(x[t], h, w_ih, w_hh, b_ih, b_hh)  # (H,) each
        if readout is not None:
            score = readout.weight.detach() @ h_new + readout.bias.detach()  # (V,)
        else:
            score = h_new  # (V,): the course scores the hidden state itself
        loss = F.cross_entropy(score[None], labels[t : t + 1])
        probs = torch.softmax(score, dim=0)  # (V,)
        steps.append(
            RnnUnrollStep(
                t=t,
                char=params.input[t],
                target=params.target[t],
                x=to_nested(x[t]),
                h_prev=to_nested(h),
                from_x=to_nested(from_x),
                from_h=to_nested(from_h),
                h=to_nested(h_new),
                scores=to_nested(score),
                probs=to_nested(probs),
                predicted=vocab[int(score.argmax())],
                loss=float(loss),
            )
        )
        h = h_new
    return steps


def _reached(epochs: list[EpochRecord], target: str) -> tuple[int | None, bool]:
    """The first epoch predicting the target (None if none), and whether the last does."""
    first = next((e["epoch"] for e in epochs if e["prediction"] == target), None)
    return first, epochs[-1]["prediction"] == target


def rnn_unroll_trace(params: RnnParams) -> Trace:
    """One RNNCell unrolled by hand (initial weights), then trained as in the course."""
    if params.num_layers != 1:
        raise ParamError(
            "num_layers", "rnn-unroll unrolls one nn.RNNCell, so it must be 1 (see rnn-layers)"
        )
    vocab = vocabulary(params.input, params.target)
    x = one_hot(params.input, vocab)  # (T, V)
    labels = torch.tensor(_indices(params.target, vocab))  # (T,)
    model = _seeded(params.seed, lambda: _CellModel(len(vocab), params.hidden_size))
    cell, readout = model.cell, model.readout
    steps = _unroll(cell, readout, x, labels, params, vocab)
    step_loss = torch.tensor([s["loss"] for s in steps], dtype=DTYPE)  # (T,)
    tensors: dict[str, Any] = {
        "inputs": to_nested(x),
        "h0": to_nested(torch.zeros(params.hidden_size, dtype=DTYPE)),
        "weight_ih": to_nested(cell.weight_ih),
        "weight_hh": to_nested(cell.weight_hh),
        "bias_ih": to_nested(cell.bias_ih),
        "bias_hh": to_nested(cell.bias_hh),
        "hidden": [s["h"] for s in steps],  # (T, H)
        "scores": [s["scores"] for s in steps],  # (T, V)
        "step_loss": to_nested(step_loss),
    }
    if readout is not None:
        tensors["weight_out"] = to_nested(readout.weight)  # (V, H)
        tensors["bias_out"] = to_nested(readout.bias)  # (V,)
    epochs = _train(model, x, labels, params, vocab)
    first, final = _reached(epochs, params.target)
    extra = RnnUnrollExtra(
        vocab=vocab,
        labels=labels.tolist(),
        total_loss=float(step_loss.sum()),
        epochs=epochs,
        first_match_epoch=first,
        final_matches=final,
    )
    return Trace(
        scene="rnn-unroll",
        params=params_to_dict(params),
        tensors=tensors,
        steps=step_dicts(steps),
        extra=extra_dict(extra),
    )


def _retrain_with(model: nn.Module, trace: Trace) -> None:
    """Re-run the recorded training on ``model`` and compare each epoch's loss and string."""
    prm, vocab = trace.params, trace.extra["vocab"]
    x = torch.tensor(trace.tensors["inputs"], dtype=DTYPE)  # (T, V)
    labels = torch.tensor(trace.extra["labels"])  # (T,)
    opt = torch.optim.Adam(model.parameters(), lr=prm["lr"])
    for record in trace.extra["epochs"]:
        scores = model(x)  # (T, V)
        loss = F.cross_entropy(scores, labels, reduction="sum")
        if abs(loss.item() - record["loss"]) > 1e-7 * max(1.0, record["loss"]):
            raise AssertionError(f"epoch {record['epoch']}: loss disagrees with torch")
        if _decode(scores, vocab) != record["prediction"]:
            raise AssertionError(f"epoch {record['epoch']}: prediction disagrees with torch")
        opt.zero_grad()
        loss.backward()
        opt.step()


class _SequenceRnn(nn.Module):
    """nn.RNN over the whole sequence at once (a different code path from RNNCell)."""

    def __init__(self, rnn: nn.RNN, readout: nn.Linear | None) -> None:
        super().__init__()
        self.rnn, self.readout = rnn, readout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.rnn(x[:, None])  # (T, 1, H)
        out = out[:, 0]  # (T, H)
        return self.readout(out) if self.readout is not None else out  # (T, V)


def verify_rnn_unroll_trace(trace: Trace) -> None:
    """Raise AssertionError unless nn.RNNCell and nn.RNN with the trace's weights agree."""
    tensors = {k: torch.tensor(v, dtype=DTYPE) for k, v in trace.tensors.items()}
    x = tensors["inputs"]  # (T, V)
    v, h = x.shape[1], tensors["weight_ih"].shape[0]
    cell = nn.RNNCell(v, h).to(DTYPE)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(cell, name).copy_(tensors[name])
    state = tensors["h0"][None]  # (1, H)
    for t in range(x.shape[0]):
        state = cell(x[t : t + 1], state)  # (1, H)
        if not torch.allclose(state[0], tensors["hidden"][t], atol=1e-12, rtol=0):
            raise AssertionError(f"h_{t + 1} disagrees with nn.RNNCell")
        step = trace.steps_as(RnnUnrollStep)[t]
        if abs(step["loss"] - float(tensors["step_loss"][t])) > 1e-12:
            raise AssertionError(f"step {t} loss disagrees with step_loss")
    readout = None
    if "weight_out" in tensors:
        readout = nn.Linear(h, v).to(DTYPE)
        with torch.no_grad():
            readout.weight.copy_(tensors["weight_out"])
            readout.bias.copy_(tensors["bias_out"])
    rnn = nn.RNN(v, h).to(DTYPE)
    with torch.no_grad():
        for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
            getattr(rnn, f"{name}_l0").copy_(tensors[name])
    model = _SequenceRnn(rnn, readout)
    with torch.no_grad():
        scores = model(x)  # (T, V)
    if not torch.allclose(scores, tensors["scores"], atol=1e-12, rtol=0):
        raise AssertionError("scores disagree with nn.RNN")
    labels = torch.tensor(trace.extra["labels"])
    losses = F.cross_entropy(scores, labels, reduction="none")  # (T,)
    if not torch.allclose(losses, tensors["step_loss"], atol=1e-12, rtol=0):
        raise AssertionError("per-step cross-entropy disagrees with torch")
    _retrain_with(model, trace)
    _verify_reached(trace.extra_as(RnnUnrollExtra), prm_target=trace.params["target"])


def _verify_reached(extra: RnnUnrollExtra, prm_target: str) -> None:
    """first_match_epoch and final_matches agree with the (verified) epoch records."""
    matches = [e["epoch"] for e in extra["epochs"] if e["prediction"] == prm_target]
    if extra["first_match_epoch"] != (min(matches) if matches else None):
        raise AssertionError("first_match_epoch disagrees with the epochs' predictions")
    if extra["final_matches"] != (extra["epochs"][-1]["prediction"] == prm_target):
        raise AssertionError("final_matches disagrees with the last epoch's prediction")


# --- rnn-layers ------------------------------------------------------------------------
def rnn_layers_trace(params: LayersParams) -> Trace:
    """A stacked nn.RNN, every cell of the time x layer grid recomputed from its layer's weights."""
    vocab = vocabulary(params.input)
    x = one_hot(params.input, vocab)  # (T, V)
    size, layers = params.hidden_size, params.num_layers
    rnn = _seeded(params.seed, lambda: nn.RNN(len(vocab), size, num_layers=layers).to(DTYPE))
    h0 = torch.zeros(layers, 1, size, dtype=DTYPE)  # (L, batch, H)
    with torch.no_grad():
        output, h_n = rnn(x[:, None], h0)  # (T, 1, H), (L, 1, H)

    tensors: dict[str, Any] = {"inputs": to_nested(x)}
    below = x  # (T, in): what layer l reads at each time step
    grid = []
    steps: list[RnnLayersStep] = []
    for layer in range(layers):
        w = {
            name: getattr(rnn, f"{name}_l{layer}").detach().clone()
            for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
        }  # weight_ih (H, in), weight_hh (H, H), biases (H,)
        for name, value in w.items():
            tensors[f"{name}_l{layer}"] = to_nested(value)
        h = h0[layer, 0]  # (H,)
        row = []
        for t in range(x.shape[0]):
            _, _, h = cell_step(
                below[t], h, w["weight_ih"], w["weight_hh"], w["bias_ih"], w["bias_hh"]
            )
            row.append(h)
            steps.append(RnnLayersStep(layer=layer, t=t, h=to_nested(h)))
        below = torch.stack(row)  # (T, H)
        grid.append(below)
    states = torch.stack(grid)  # (L, T, H)
    tensors["states"] = to_nested(states)
    tensors["output"] = to_nested(output)
    tensors["h_n"] = to_nested(h_n)
    return Trace(
        scene="rnn-layers",
        params=params_to_dict(params),
        tensors=tensors,
        steps=step_dicts(steps),
        extra=extra_dict(
            RnnLayersExtra(
                vocab=vocab,
                shapes=RnnLayersShapes(
                    input=list(x[:, None].shape),
                    output=list(output.shape),
                    hidden=list(h_n.shape),
                ),
            )
        ),
    )


def verify_rnn_layers_trace(trace: Trace) -> None:
    """Raise AssertionError unless nn.RNN with the trace's weights gives its grid and shapes."""
    tensors = {k: torch.tensor(v, dtype=DTYPE) for k, v in trace.tensors.items()}
    x = tensors["inputs"]  # (T, V)
    states = tensors["states"]  # (L, T, H)
    layers, _, size = states.shape
    rnn = nn.RNN(x.shape[1], size, num_layers=layers).to(DTYPE)
    with torch.no_grad():
        for name, param_ in rnn.named_parameters():
            param_.copy_(tensors[name])
        output, h_n = rnn(x[:, None])  # (T, 1, H), (L, 1, H)
    if not torch.allclose(output[:, 0], states[-1], atol=1e-12, rtol=0):
        raise AssertionError("top layer's states disagree with nn.RNN output")
    if not torch.allclose(h_n[:, 0], states[:, -1], atol=1e-12, rtol=0):
        raise AssertionError("last time step's states disagree with nn.RNN hidden")
    shapes = trace.extra_as(RnnLayersExtra)["shapes"]
    if shapes["output"] != list(output.shape) or shapes["hidden"] != list(h_n.shape):
        raise AssertionError("recorded shapes disagree with nn.RNN")
    for name in ("output", "h_n"):
        expected = output if name == "output" else h_n
        if not torch.allclose(tensors[name], expected, atol=1e-12, rtol=0):
            raise AssertionError(f"{name} disagrees with nn.RNN")


# --- embedding -------------------------------------------------------------------------
class _EmbeddingModel(nn.Module):
    """The course's improved model: Embedding -> RNN (stacked) -> Linear, batch of one."""

    def __init__(self, vocab_size: int, params: EmbeddingParams) -> None:
        super().__init__()
        self.emb = nn.Embedding(vocab_size, params.embedding_size).to(DTYPE)
        self.rnn = nn.RNN(params.embedding_size, params.hidden_size, params.num_layers).to(DTYPE)
        self.fc = nn.Linear(params.hidden_size, vocab_size).to(DTYPE)

    def forward(self, idx: torch.Tensor) -> torch.Tensor:
        """(T,) character indices -> (T, V) scores."""
        e = self.emb(idx)  # (T, E)
        out, _ = self.rnn(e[:, None])  # (T, 1, H)
        return self.fc(out[:, 0])  # (T, V)


def embedding_trace(params: EmbeddingParams) -> Trace:
    """Embedding rows as one-hot x weight, then the improved model trained on the task."""
    vocab = vocabulary(params.input, params.target)
    idx = torch.tensor(_indices(params.input, vocab))  # (T,)
    labels = torch.tensor(_indices(params.target, vocab))  # (T,)
    x = one_hot(params.input, vocab)  # (T, V)
    model = _seeded(params.seed, lambda: _EmbeddingModel(len(vocab), params))
    weight = model.emb.weight.detach().clone()  # (V, E)
    lookup = model.emb(idx).detach()  # (T, E): rows of the table
    product = x @ weight  # (T, E): the same rows, as a matrix product
    with torch.no_grad():
        out, _ = model.rnn(lookup[:, None])  # (T, 1, H)
        scores = model.fc(out[:, 0])  # (T, V)
    steps = [
        EmbeddingStep(
            t=t,
            char=params.input[t],
            index=int(idx[t]),
            one_hot=to_nested(x[t]),
            row=to_nested(lookup[t]),
        )
        for t in range(len(params.input))
    ]
    tensors = {
        "inputs": to_nested(x),
        "weight": to_nested(weight),
        "lookup": to_nested(lookup),
        "product": to_nested(product),
        "rnn_output": to_nested(out[:, 0]),
        "scores": to_nested(scores),
    }
    initial_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
    epochs = _train(_IndexModel(model, idx), x, labels, params, vocab)
    return Trace(
        scene="embedding",
        params=params_to_dict(params),
        tensors=tensors,
        steps=step_dicts(steps),
        extra=extra_dict(
            EmbeddingExtra(
                vocab=vocab,
                indices=idx.tolist(),
                labels=labels.tolist(),
                initial_state={k: to_nested(v) for k, v in sorted(initial_state.items())},
                epochs=epochs,
                final_prediction=epochs[-1]["prediction"],
            )
        ),
    )


class _IndexModel(nn.Module):
    """Adapts the embedding model to the training loop's (x) -> (hidden, scores) call."""

    def __init__(self, model: _EmbeddingModel, idx: torch.Tensor) -> None:
        super().__init__()
        self.model, self.idx = model, idx

    def forward(self, x: torch.Tensor) -> tuple[None, torch.Tensor]:
        return None, self.model(self.idx)  # (T, V)


def verify_embedding_trace(trace: Trace) -> None:
    """Raise AssertionError unless lookup = one-hot @ weight = F.embedding and training agrees."""
    x = torch.tensor(trace.tensors["inputs"], dtype=DTYPE)  # (T, V)
    weight = torch.tensor(trace.tensors["weight"], dtype=DTYPE)  # (V, E)
    idx = torch.tensor(trace.extra["indices"])  # (T,)
    lookup = torch.tensor(trace.tensors["lookup"], dtype=DTYPE)  # (T, E)
    if not torch.equal(F.embedding(idx, weight), lookup):
        raise AssertionError("lookup disagrees with F.embedding")
    if not torch.allclose(x @ weight, lookup, atol=1e-12, rtol=0):
        raise AssertionError("one-hot @ weight disagrees with the lookup")
    prm = trace.params
    state = {k: torch.tensor(v, dtype=DTYPE) for k, v in trace.extra["initial_state"].items()}
    if not torch.equal(state["emb.weight"], weight):
        raise AssertionError("initial embedding weight disagrees with the tensor shown")
    emb = nn.Embedding(*weight.shape).to(DTYPE)
    rnn = nn.RNN(weight.shape[1], prm["hidden_size"], prm["num_layers"]).to(DTYPE)
    fc = nn.Linear(prm["hidden_size"], weight.shape[0]).to(DTYPE)
    model = nn.ModuleDict({"emb": emb, "rnn": rnn, "fc": fc})
    model.load_state_dict(state)

    class _Chain(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, x_: torch.Tensor) -> torch.Tensor:
            e = x_ @ emb.weight  # (T, E): the one-hot route, not the lookup
            out, _ = rnn(e[:, None])  # (T, 1, H)
            return fc(out[:, 0])  # (T, V)

    chain = _Chain()
    with torch.no_grad():
        scores = chain(x)
    if not torch.allclose(scores, torch.tensor(trace.tensors["scores"], dtype=DTYPE), atol=1e-12):
        raise AssertionError("scores disagree with Embedding -> RNN -> Linear")
    _retrain_with(chain, trace)
