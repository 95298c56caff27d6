"""Every registered scene: valid defaults, a verified trace, a scene that constructs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explain.mlcore.params import param_specs
from explain.mlcore.trace import Trace
from explain.scenes.kit.i18n import TABLES
from explain.scenes.registry import BY_NAME, DEFAULT_SCENE, SCENES
from tests.conftest import assert_inside_frame, build_trace, construct_scene

NAMES = [entry.name for entry in SCENES]


def test_names_are_unique_and_default_is_registered() -> None:
    assert len(NAMES) == len(set(NAMES))
    assert DEFAULT_SCENE in BY_NAME


@pytest.mark.parametrize("name", NAMES)
def test_entry_parts_load_and_defaults_are_parameters(name: str) -> None:
    entry = BY_NAME[name]
    cls = entry.params_class()
    known = {spec.name for spec in param_specs(cls)}
    assert set(entry.defaults) <= known
    assert entry.description and "\n" not in entry.description
    assert callable(entry.scene_class())


@pytest.mark.parametrize("name", NAMES)
def test_default_trace_is_verified_deterministic_and_round_trips(name: str) -> None:
    trace = build_trace(name)
    assert trace.scene == name
    get_entry = BY_NAME[name]
    get_entry.verify(trace)
    trace.assert_finite()
    text = trace.to_json()
    assert build_trace(name).to_json() == text  # same input, same bytes
    again = Trace.from_json(text)
    assert again.to_json() == text
    assert json.loads(text)["params"] == trace.params


@pytest.mark.parametrize("name", NAMES)
def test_scene_constructs_in_dry_run(name: str, tmp_path: Path) -> None:
    assert_inside_frame(construct_scene(build_trace(name), tmp_path))


@pytest.mark.parametrize("name", NAMES)
def test_scene_constructs_in_chinese(name: str, tmp_path: Path) -> None:
    assert_inside_frame(construct_scene(build_trace(name), tmp_path, lang="zh"))


@pytest.mark.parametrize(
    ("name", "overrides"),
    [
        # Three channels side by side with three outputs stacked: ran off both edges.
        ("conv", {"in_channels": "3", "out_channels": "3", "input_size": "6", "stride": "1"}),
        ("conv", {"in_channels": "3", "input_size": "10", "stride": "3", "padding": "1"}),
        ("softmax", {"logits": "-3.5,1,2.25,0,-1,7,3,0.5", "target": "6"}),
        ("rnn-layers", {"input": "helloo", "hidden_size": "4", "num_layers": "3"}),
        ("rnn-unroll", {"hidden_size": "8"}),
        ("rnn-unroll", {"epochs": "40"}),  # five blocks of epochs: wider than the frame
        ("embedding", {"epochs": "40"}),
        ("embedding", {"embedding_size": "8"}),
        ("maxpool", {"channels": "3", "input_size": "8"}),
        ("conv-transposed", {"input_size": "5", "kernel_size": "2", "stride": "2"}),
        # Seven layer boxes with their labels, and 20 epochs on the curves' axes.
        ("mlp", {"sizes": "784,500,400,100,64,32,10", "epochs": "20", "batch_size": "1024"}),
        ("cnn-shapes", {"input": "drawn", "digit": "8"}),
    ],
)
def test_large_parameters_stay_inside_the_frame(
    name: str, overrides: dict[str, str], tmp_path: Path
) -> None:
    assert_inside_frame(construct_scene(build_trace(name, **overrides), tmp_path))


def test_every_caption_key_has_both_languages() -> None:
    keys = {lang: set(table) for lang, table in TABLES.items()}
    assert keys["en"] == keys["zh"]


def test_readme_lists_every_scene_with_its_description() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    for entry in SCENES:
        assert f"| `{entry.name}` | {entry.description} |" in readme, entry.name


@pytest.mark.parametrize("name", ["conv-stride", "softmax", "rnn-layers", "backprop"])
def test_same_trace_same_duration_and_animations(name: str, tmp_path: Path) -> None:
    first = construct_scene(build_trace(name), tmp_path)
    second = construct_scene(build_trace(name), tmp_path)
    assert first.time == second.time > 0
    assert first.renderer.num_plays == second.renderer.num_plays


def test_gallery_page_has_every_scene() -> None:
    from explain.scenes.app.gallery import gallery_markdown

    page = gallery_markdown(SCENES, {})
    committed = (Path(__file__).resolve().parent.parent / "renders" / "README.md").read_text()
    for entry in SCENES:
        assert f"![{entry.name}](gallery/{entry.name}.gif)" in page
        assert f"## {entry.name}\n" in committed, f"run `explain gallery` for {entry.name}"
        gif = Path(__file__).resolve().parent.parent / "renders" / "gallery" / f"{entry.name}.gif"
        assert gif.is_file() and gif.stat().st_size < 1_000_000
