"""What the RNN and embedding scenes let the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.rnn`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from explain.mlcore.params import ParamError, param

# Distinct characters a one-hot vector may have: more columns are unreadable at 480p.
MAX_VOCAB = 6
# Characters per string: one unrolled cell per character must fit across the frame.
MAX_LEN = 8
ALPHABET = frozenset(string.ascii_lowercase)
SEED_HIGH = 2**31 - 1


def _check_text(name: str, text: str) -> None:
    bad = sorted({ch for ch in text if ch not in ALPHABET})
    if bad:
        shown = ", ".join(repr(ch) for ch in bad[:4])
        raise ParamError(name, f"only lowercase letters a-z are allowed (got {shown})")


def _check_vocab(name: str, text: str) -> None:
    size = len(set(text))
    if size > MAX_VOCAB:
        raise ParamError(
            name,
            f"uses {size} distinct characters; the one-hot vocabulary holds at most {MAX_VOCAB}",
        )


@dataclass(frozen=True)
class RnnParams:
    """Learn to map one string to another, character by character, with an RNN."""

    input: str = param("hello", "input sequence (lowercase a-z)", min_len=1, max_len=MAX_LEN)
    target: str = param(
        "ohlol", "target sequence, same length as input", min_len=1, max_len=MAX_LEN
    )
    hidden_size: int = param(
        4,
        "hidden size H; when it equals the vocabulary size h_t itself is scored "
        "(the course), otherwise a Linear layer maps h_t to scores",
        low=1,
        high=8,
    )
    num_layers: int = param(1, "stacked RNN layers (rnn-unroll: exactly 1)", low=1, high=3)
    epochs: int = param(15, "training epochs (one predicted string each)", low=1, high=40)
    lr: float = param(0.1, "Adam learning rate", low=1e-4, high=1.0)
    seed: int = param(3, "seed of the initial weights", low=0, high=SEED_HIGH)

    def validate(self) -> None:
        _check_text("input", self.input)
        _check_text("target", self.target)
        if len(self.target) != len(self.input):
            raise ParamError(
                "target",
                f"must have as many characters as input ({len(self.input)}),"
                f" got {len(self.target)}",
            )
        _check_vocab("target", self.input + self.target)


@dataclass(frozen=True)
class LayersParams:
    """One forward pass of a stacked ``nn.RNN`` over a one-hot sequence."""

    input: str = param("hello", "input sequence (lowercase a-z)", min_len=1, max_len=6)
    hidden_size: int = param(3, "hidden size H of every layer", low=1, high=4)
    num_layers: int = param(3, "stacked layers", low=1, high=3)
    seed: int = param(0, "seed of the weights", low=0, high=SEED_HIGH)

    def validate(self) -> None:
        _check_text("input", self.input)
        _check_vocab("input", self.input)


@dataclass(frozen=True)
class EmbeddingParams(RnnParams):
    """The course's improved model: Embedding -> RNN -> Linear."""

    embedding_size: int = param(5, "embedding size E (columns of the lookup table)", low=1, high=8)
