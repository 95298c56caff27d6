"""What the network scene lets the user set, with the limits beside each field.

Kept apart from :mod:`explain.mlcore.network`, which computes with torch, so that reading
a scene's parameters (``explain info``, the registry) never loads torch.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from explain.mlcore.netspec import LayerSpec, SpecError, parse_input, parse_layers, plan_layers
from explain.mlcore.params import ParamError, param

DEFAULT_LAYERS = "conv(10,5) maxpool(2) relu conv(20,5) maxpool(2) relu flatten linear(10)"


@dataclass(frozen=True)
class NetworkParams:
    """A sequential model typed as text, its input shape, and optionally a picture."""

    layers: str = param(
        DEFAULT_LAYERS,
        "layers separated by spaces: conv(OUT,K[,stride=S,padding=P]) maxpool(K) avgpool(K)"
        " linear(OUT) relu sigmoid tanh flatten softmax",
        max_len=200,
    )
    input: str = param("1x28x28", "input shape CxHxW (C 1-3, H and W 1-64)", max_len=20)
    image: str = param("", "a PNG, JPEG, BMP or GIF as the input (empty: a drawn digit)")
    seed: int = param(0, "seed of the weights and of the drawn input", low=0, high=2**31 - 1)

    def plan(self) -> tuple[list[LayerSpec], tuple[int, int, int], list[dict[str, Any]]]:
        """The parsed layers, the input shape and each layer's planned shapes (ParamError)."""
        try:
            shape = parse_input(self.input)
        except SpecError as err:
            raise ParamError("input", str(err)) from None
        try:
            specs = parse_layers(self.layers)
            return specs, shape, plan_layers(specs, shape)
        except SpecError as err:
            raise ParamError("layers", str(err)) from None

    def validate(self) -> None:
        self.plan()
        # The picture reader loads torch; imported here so that reading the fields does not.
        from explain.mlcore.image import check_image

        check_image(self.image)
