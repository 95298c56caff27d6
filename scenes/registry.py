"""The one table of scenes: name -> (parameters, trace builder, scene class, description).

The CLI, the docs, the tests and the gallery all read this table. Its entries name
their parts as ``"module:attribute"`` strings that are imported only when used, so that
``explain list`` answers without loading torch or manim.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import importlib
import logging
import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

from explain.mlcore.params import ParamError

if TYPE_CHECKING:
    from explain.mlcore.params import ParamSpec
    from explain.mlcore.trace import Trace


def load(ref: str) -> Any:
    """Import ``"package.module:attribute"``."""
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


@dataclass(frozen=True)
class SceneEntry:
    name: str
    description: str  # one line, shown by `explain list` and the gallery
    params: str  # parameter dataclass (mlcore), "module:Class"
    builder: str  # params -> Trace (mlcore), "module:function"
    verifier: str  # Trace -> None, raises AssertionError when torch disagrees
    scene: str  # Manim scene class drawing the trace (scenes), "module:Class"
    defaults: Mapping[str, Any] = field(default_factory=dict)  # this scene's own defaults
    three_d: bool = False  # drawn in 3-D (slower; benchmarked separately)
    plugin: str | None = None  # the entry point that declared it; None for a built-in

    def part(self, ref: str) -> Any:
        """One of this scene's parts; a plugin's that cannot be imported is a PluginError."""
        if self.plugin is None:
            return load(ref)
        try:
            return load(ref)
        except (ImportError, AttributeError) as err:
            first = (str(err).splitlines() or [""])[0][:160]
            raise PluginError(
                f"plugin {self.plugin}", f"scene {self.name}: cannot load {ref}: {first}"
            ) from None

    def params_class(self) -> type:
        cls: type = self.part(self.params)
        if self.plugin is not None:
            check_plugin_params(self, cls)
        return cls

    def param_specs(self) -> list[ParamSpec]:
        from explain.mlcore.params import param_specs

        return param_specs(self.params_class(), self.defaults)

    def make_params(self, overrides: Mapping[str, str] | None = None) -> Any:
        """Scene defaults plus the user's ``key=value`` text, validated (ParamError)."""
        from explain.mlcore.params import parse_params

        return parse_params(self.params_class(), overrides or {}, self.defaults)

    def build(self, params: Any) -> Trace:
        """Run the computation and return its trace, named after this scene."""
        builder = self.part(self.builder)
        if self.plugin is None:
            trace: Trace = builder(params)
        else:
            try:
                trace = builder(params)
            except ParamError:
                raise
            except Exception as err:  # the plugin's bug: one line naming it, not a traceback
                first = (str(err).splitlines() or [""])[0][:160]
                raise PluginError(
                    f"plugin {self.plugin}",
                    f"scene {self.name}: its builder failed: {type(err).__name__}: {first}",
                ) from None
        trace.scene = self.name
        return trace

    def verify(self, trace: Trace) -> None:
        """Recompute with torch; VerificationError (one line) if the trace disagrees."""
        try:
            self.part(self.verifier)(trace)
        except AssertionError as err:
            raise VerificationError(f"{self.name}: {str(err).splitlines()[0][:200]}") from err

    def scene_class(self) -> type:
        cls: type = self.part(self.scene)
        return cls


def _conv(name: str, description: str, **defaults: Any) -> SceneEntry:
    return SceneEntry(
        name=name,
        description=description,
        params="explain.mlcore.conv_params:ConvParams",
        builder="explain.mlcore.conv:conv2d_trace",
        verifier="explain.mlcore.conv:verify_conv2d_trace",
        scene="explain.scenes.topics.conv:ConvScene",
        defaults=defaults,
    )


SCENES: tuple[SceneEntry, ...] = (
    # --- convolution (the flagship) ---
    _conv(
        "conv",
        "2-D convolution with every option: channels, stride, padding, dilation, bias",
        input_size=5,
        padding=1,
        stride=2,
        bias=True,
    ),
    _conv(
        "conv-single",
        "The course's example: a 5x5 input and one 3x3 kernel, window by window",
        input_size=5,
        kernel_size=3,
    ),
    _conv(
        "conv-padding",
        "Padding 1 keeps a 5x5 input at 5x5: the zero border made visible",
        input_size=5,
        padding=1,
    ),
    _conv(
        "conv-stride",
        "Stride 2: the window jumps two cells, a 7x7 input gives a 3x3 output",
        input_size=7,
        stride=2,
    ),
    _conv(
        "conv-dilation",
        "Dilation 2: a 3x3 kernel with gaps covers a 5x5 area",
        input_size=7,
        dilation=2,
    ),
    _conv(
        "conv-multichannel",
        "3 input channels summed into each output cell; 2 kernels give 2 output channels",
        input_size=4,
        in_channels=3,
        out_channels=2,
        kernel_size=2,
        bias=True,
    ),
    # --- optimisation (issue 3) ---
    SceneEntry(
        name="linear-loss",
        description="y = w·x on x=1,2,3, y=2,4,6: try every w, the MSE curve and its minimum",
        params="explain.mlcore.optim_params:LinearLossParams",
        builder="explain.mlcore.optim:linear_loss_trace",
        verifier="explain.mlcore.optim:verify_linear_loss_trace",
        scene="explain.scenes.topics.optim:LinearLossScene",
    ),
    SceneEntry(
        name="gradient-descent",
        description="Batch gradient descent: w slides down the MSE curve; cost and its EWMA",
        params="explain.mlcore.optim_params:GradientDescentParams",
        builder="explain.mlcore.optim:gradient_descent_trace",
        verifier="explain.mlcore.optim:verify_gradient_descent_trace",
        scene="explain.scenes.topics.optim:GradientDescentScene",
    ),
    SceneEntry(
        name="sgd",
        description="Batch GD, mini-batch and SGD side by side: noisy vs smooth cost curves",
        params="explain.mlcore.optim_params:SGDParams",
        builder="explain.mlcore.optim:sgd_trace",
        verifier="explain.mlcore.optim:verify_sgd_trace",
        scene="explain.scenes.topics.optim:SGDScene",
        # Noisy targets around y = 2x: on the course's exact data every sample agrees on
        # w = 2 and SGD shows no noise at all.
        defaults={
            "x": (1.0, 1.5, 2.0, 2.5, 3.0, 3.5),
            "y": (3.0, 2.0, 5.2, 3.8, 7.4, 5.9),
            "lr": 0.05,
            "epochs": 15,
        },
    ),
    SceneEntry(
        name="saddle-point",
        description="Gradient descent stalls at a saddle of x²−y²; SGD and momentum escape",
        params="explain.mlcore.saddle_params:SaddleParams",
        builder="explain.mlcore.saddle:saddle_trace",
        verifier="explain.mlcore.saddle:verify_saddle_trace",
        scene="explain.scenes.topics.saddle:SaddleScene",
    ),
    SceneEntry(
        name="saddle-3d",
        description="The saddle-point paths on the surface itself, seen from a circling camera",
        params="explain.mlcore.saddle_params:SaddleParams",
        builder="explain.mlcore.saddle:saddle_trace",
        verifier="explain.mlcore.saddle:verify_saddle_trace",
        scene="explain.scenes.topics.saddle_3d:Saddle3DScene",
        three_d=True,
    ),
    # --- backprop (issue 4) ---
    SceneEntry(
        name="backprop",
        description="Backprop through (w·x + b − y)²: values forward, gradients back, one update",
        params="explain.mlcore.backprop_params:BackpropParams",
        builder="explain.mlcore.backprop:backprop_trace",
        verifier="explain.mlcore.backprop:verify_backprop_trace",
        scene="explain.scenes.topics.backprop:BackpropScene",
    ),
    SceneEntry(
        name="backprop-shared",
        description="w used twice in sigmoid(w·x + b)·tanh(w): its two gradients add up",
        params="explain.mlcore.backprop_params:BackpropParams",
        builder="explain.mlcore.backprop:backprop_trace",
        verifier="explain.mlcore.backprop:verify_backprop_trace",
        scene="explain.scenes.topics.backprop:BackpropScene",
        defaults={"expr": "sigmoid(w*x + b)*tanh(w)", "values": "x=2,w=1,b=0.5"},
    ),
    # --- activation, logistic, softmax (issue 5) ---
    SceneEntry(
        name="activation",
        description="Sigmoid, tanh and ReLU, and why two linear layers without one collapse",
        params="explain.mlcore.activation_params:ActivationParams",
        builder="explain.mlcore.activation:activation_trace",
        verifier="explain.mlcore.activation:verify_activation_trace",
        scene="explain.scenes.topics.activation:ActivationScene",
    ),
    SceneEntry(
        name="logistic",
        description="Logistic regression on hours studied: sigmoid, BCE and a moving boundary",
        params="explain.mlcore.logistic_params:LogisticParams",
        builder="explain.mlcore.logistic:logistic_trace",
        verifier="explain.mlcore.logistic:verify_logistic_trace",
        scene="explain.scenes.topics.logistic:LogisticScene",
    ),
    SceneEntry(
        name="softmax",
        description="Softmax and cross-entropy step by step, max subtraction, NLL and one-hot",
        params="explain.mlcore.softmax_params:SoftmaxParams",
        builder="explain.mlcore.softmax:softmax_trace",
        verifier="explain.mlcore.softmax:verify_softmax_trace",
        scene="explain.scenes.topics.softmax:SoftmaxScene",
    ),
    # --- pooling and CNN architecture (issue 6) ---
    SceneEntry(
        name="maxpool",
        description="Max pooling: each window keeps its largest value (torch's argmax, ties too)",
        params="explain.mlcore.pool_params:PoolParams",
        builder="explain.mlcore.pool:max_pool_trace",
        verifier="explain.mlcore.pool:verify_pool_trace",
        scene="explain.scenes.topics.pool:PoolScene",
        defaults={"input_size": 4, "kernel_size": 2, "stride": 2},
    ),
    SceneEntry(
        name="avgpool",
        description="Average pooling: each window becomes the mean of its cells",
        params="explain.mlcore.pool_params:PoolParams",
        builder="explain.mlcore.pool:avg_pool_trace",
        verifier="explain.mlcore.pool:verify_pool_trace",
        scene="explain.scenes.topics.pool:PoolScene",
        defaults={"input_size": 4, "kernel_size": 2, "stride": 2},
    ),
    SceneEntry(
        name="conv-transposed",
        description="Transposed convolution: zeros between input cells, then a plain convolution",
        params="explain.mlcore.conv_transposed_params:ConvTransposedParams",
        builder="explain.mlcore.conv_transposed:conv_transposed_trace",
        verifier="explain.mlcore.conv_transposed:verify_conv_transposed_trace",
        scene="explain.scenes.topics.conv_transposed:ConvTransposedScene",
    ),
    SceneEntry(
        name="cnn-shapes",
        description="The course's MNIST CNN: every feature map's shape, 1x28x28 to 10 scores",
        params="explain.mlcore.cnn_params:CnnShapesParams",
        builder="explain.mlcore.cnn:cnn_shapes_trace",
        verifier="explain.mlcore.cnn:verify_cnn_shapes_trace",
        scene="explain.scenes.topics.cnn:CnnShapesScene",
    ),
    SceneEntry(
        name="inception",
        description="Why 1x1 convolutions: 120,422,400 vs 12,443,648 multiplications; 4 branches",
        params="explain.mlcore.cnn_params:InceptionParams",
        builder="explain.mlcore.cnn:inception_trace",
        verifier="explain.mlcore.cnn:verify_inception_trace",
        scene="explain.scenes.topics.cnn:InceptionScene",
    ),
    SceneEntry(
        name="residual",
        description="Residual block H(x) = F(x) + x; gradients through plain vs residual stacks",
        params="explain.mlcore.cnn_params:ResidualParams",
        builder="explain.mlcore.cnn:residual_trace",
        verifier="explain.mlcore.cnn:verify_residual_trace",
        scene="explain.scenes.topics.cnn:ResidualScene",
    ),
    # --- RNN and embeddings (issue 7) ---
    SceneEntry(
        name="rnn-unroll",
        description='One RNNCell unrolled over "hello", trained until it predicts "ohlol"',
        params="explain.mlcore.rnn_params:RnnParams",
        builder="explain.mlcore.rnn:rnn_unroll_trace",
        verifier="explain.mlcore.rnn:verify_rnn_unroll_trace",
        scene="explain.scenes.topics.rnn:RnnUnrollScene",
    ),
    SceneEntry(
        name="rnn-layers",
        description="A stacked nn.RNN as a time x layer grid: shared weights, output and hidden",
        params="explain.mlcore.rnn_params:LayersParams",
        builder="explain.mlcore.rnn:rnn_layers_trace",
        verifier="explain.mlcore.rnn:verify_rnn_layers_trace",
        scene="explain.scenes.topics.rnn:RnnLayersScene",
    ),
    SceneEntry(
        name="embedding",
        description="nn.Embedding: a row lookup equals one-hot x weight, fed to an RNN",
        params="explain.mlcore.rnn_params:EmbeddingParams",
        builder="explain.mlcore.rnn:embedding_trace",
        verifier="explain.mlcore.rnn:verify_embedding_trace",
        scene="explain.scenes.topics.rnn:EmbeddingScene",
        # The course's improved model: hidden 8, two layers, Adam 0.05 (embedding 10 there;
        # 5 columns keep the table's numbers readable).
        defaults={"hidden_size": 8, "num_layers": 2, "lr": 0.05, "seed": 0},
    ),
    # --- the PyTorch workflow on real data (issue 17) ---
    SceneEntry(
        name="training-loop",
        description="nn.Linear, MSELoss and SGD: forward, loss, zero_grad, backward, step",
        params="explain.mlcore.training_loop_params:TrainingLoopParams",
        builder="explain.mlcore.training_loop:training_loop_trace",
        verifier="explain.mlcore.training_loop:verify_training_loop_trace",
        scene="explain.scenes.topics.training_loop:TrainingLoopScene",
    ),
    SceneEntry(
        name="dataloader",
        description="Dataset and DataLoader: shuffled mini-batches, epochs and iterations",
        params="explain.mlcore.dataloader_params:DataLoaderParams",
        builder="explain.mlcore.dataloader:dataloader_trace",
        verifier="explain.mlcore.dataloader:verify_dataloader_trace",
        scene="explain.scenes.topics.dataloader:DataLoaderScene",
    ),
    SceneEntry(
        name="multi-feature",
        description="N samples x 8 features through Linear layers as matrix products, BCE",
        params="explain.mlcore.multi_feature_params:MultiFeatureParams",
        builder="explain.mlcore.multi_feature:multi_feature_trace",
        verifier="explain.mlcore.multi_feature:verify_multi_feature_trace",
        scene="explain.scenes.topics.multi_feature:MultiFeatureScene",
    ),
    SceneEntry(
        name="mlp",
        description="An MLP on real handwritten digits: x.view(-1, 784), training, softmax",
        params="explain.mlcore.mlp_params:MlpParams",
        builder="explain.mlcore.mlp:mlp_trace",
        verifier="explain.mlcore.mlp:verify_mlp_trace",
        scene="explain.scenes.topics.mlp:MlpScene",
    ),
    # --- your own network (issue 18) ---
    SceneEntry(
        name="network",
        description="Any small sequential model from a layer spec: shapes, feature maps, costs",
        params="explain.mlcore.network_params:NetworkParams",
        builder="explain.mlcore.network:network_trace",
        verifier="explain.mlcore.network:verify_network_trace",
        scene="explain.scenes.topics.network:NetworkScene",
    ),
)

DEFAULT_SCENE = "conv-stride"

BY_NAME: dict[str, SceneEntry] = {entry.name: entry for entry in SCENES}


class VerificationError(RuntimeError):
    """A trace disagrees with torch's own computation: a bug in explain, never shown."""


class UnknownSceneError(KeyError):
    def __init__(self, name: str) -> None:
        known = [*BY_NAME, *(e.name for e in plugin_scenes())]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        self.message = f"scene: unknown scene {name[:60]!r}{hint} (`explain list` shows all)"
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


def get(name: str) -> SceneEntry:
    try:
        return BY_NAME[name]
    except KeyError:
        pass
    for entry in plugin_scenes():
        if entry.name == name:
            return entry
    raise UnknownSceneError(name) from None


# --- plugins: scenes from other installed packages (README "Plugins") ---

PLUGIN_GROUP = "explain.scenes"
_PLUGIN_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_REF = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")
log = logging.getLogger("explain.plugins")


class PluginError(ParamError):
    """A plugin's scene breaks a rule; reported like a bad parameter, naming the plugin."""


def all_scenes() -> tuple[SceneEntry, ...]:
    """The built-in scenes, then every plugin's, in entry-point order."""
    return SCENES + plugin_scenes()


@functools.cache
def plugin_scenes() -> tuple[SceneEntry, ...]:
    """Scenes declared under the ``explain.scenes`` entry-point group, loaded once.

    An entry point names a SceneEntry or a function returning SceneEntry objects. A
    plugin that fails to import or declares a bad entry is skipped with one warning line
    naming it (stderr, once per process); the built-in scenes never depend on it.
    """
    found: list[SceneEntry] = []
    taken = set(BY_NAME)
    points = metadata.entry_points(group=PLUGIN_GROUP) if _any_plugin_installed() else ()
    for point in sorted(points, key=lambda p: p.name):
        try:
            entries = _plugin_entries(point.load(), point.name, taken)
        except (Exception, SystemExit) as err:  # someone else's code failed: skip it, say so
            first = (str(err).splitlines() or [""])[0][:160]
            log.warning("explain: plugin %r skipped: %s: %s", point.name, type(err).__name__, first)
            continue
        found.extend(entries)
        taken.update(e.name for e in entries)
    return tuple(found)


def _any_plugin_installed() -> bool:
    """Whether any installed distribution declares the group: a plain scan of sys.path.

    importlib.metadata.entry_points() reads every distribution's metadata, 0.13 s in the
    project's venv (measured); this scan takes about 1 ms, so `explain list` stays quick
    when no plugin is installed, and the full lookup runs only when one is.
    """
    marker = f"[{PLUGIN_GROUP}]"
    for folder in sys.path:
        try:
            children = list(os.scandir(folder or "."))
        except OSError:
            continue
        for child in children:
            if not child.name.endswith((".dist-info", ".egg-info")):
                continue
            try:
                with open(os.path.join(child.path, "entry_points.txt"), encoding="utf-8") as fh:
                    if marker in fh.read():
                        return True
            except (OSError, UnicodeDecodeError):
                continue
    return False


def _plugin_entries(loaded: Any, plugin: str, taken: set[str]) -> list[SceneEntry]:
    raw = loaded if isinstance(loaded, SceneEntry) or not callable(loaded) else loaded()
    items = [raw] if isinstance(raw, SceneEntry) else list(raw)
    entries: list[SceneEntry] = []
    for item in items:
        if not isinstance(item, SceneEntry):
            raise TypeError(f"declares {type(item).__name__}, not an explain SceneEntry")
        if not _PLUGIN_NAME.fullmatch(item.name):
            raise ValueError(f"scene name {item.name[:40]!r}: use a-z, 0-9 and -, at most 40")
        if item.name in taken or item.name in {e.name for e in entries}:
            raise ValueError(f"scene name {item.name!r} is taken (built-in or another plugin)")
        if not item.description or "\n" in item.description:
            raise ValueError(f"scene {item.name!r}: description must be one line")
        for part in ("params", "builder", "verifier", "scene"):
            if not _REF.fullmatch(getattr(item, part)):
                raise ValueError(f"scene {item.name!r}: {part} must be 'module:attribute'")
        entries.append(dataclasses.replace(item, plugin=plugin))
    return entries


def check_plugin_params(entry: SceneEntry, cls: type) -> None:
    """A plugin's parameters are held to the built-ins' rule: each has limits and help."""
    if not dataclasses.is_dataclass(cls):
        raise PluginError(f"plugin {entry.plugin}", f"{entry.params} is not a dataclass")
    for f in dataclasses.fields(cls):
        limit = f.metadata.get("limit")
        if limit is None or not getattr(limit, "help", ""):
            raise PluginError(
                f"plugin {entry.plugin}",
                f"scene {entry.name}: parameter {f.name} has no limits;"
                " declare it with explain.mlcore.params.param()",
            )
