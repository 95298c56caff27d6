"""The multi-feature tracer against nn.Linear, nn.BCELoss and optim.SGD; the CSV reader on
files made here; the CLI's one-line errors for bad data; the scene."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from explain.mlcore.multi_feature import (
    MultiFeatureParams,
    multi_feature_trace,
    verify_multi_feature_trace,
)
from explain.mlcore.params import ParamError
from explain.mlcore.tabular import breast_cancer_data, read_csv_data
from explain.scenes.cli import app
from tests.conftest import assert_inside_frame, build_trace, construct_scene

ROWS = "0.5,-0.2,1\n-0.3,0.8,0\n1.5,0.1,1\n-1.0,-0.4,0\n0.2,0.3,1\n"


def write(path: Path, text: str, gz: bool = False) -> Path:
    path.write_bytes(gzip.compress(text.encode()) if gz else text.encode())
    return path


def test_default_data_is_the_bundled_table_standardised() -> None:
    data = breast_cancer_data()
    x = torch.tensor(data.features, dtype=torch.float64)  # (569, 8)
    assert x.shape == (569, 8) and set(data.labels) == {0.0, 1.0}
    assert torch.allclose(x.mean(0), torch.zeros(8, dtype=torch.float64), atol=1e-12)
    assert torch.allclose(x.std(0, unbiased=False), torch.ones(8, dtype=torch.float64), atol=1e-12)
    assert data.about["features"][0] == "mean radius" and len(data.about["mean"]) == 8


def test_default_trace_learns_and_shows_the_first_rows() -> None:
    trace = build_trace("multi-feature")
    t = trace.tensors
    assert t["loss"][-1] < 0.5 * t["loss"][0]
    assert t["accuracy"][-1] > 0.9
    assert t["x"] == t["data.x"][:4]
    assert [len(t[f"layer{i}.weight"]) for i in (1, 2, 3)] == [6, 4, 1]
    assert len(t["layer1.weight"][0]) == 8 and len(t["layer3.output"]) == 4


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    hidden=st.lists(st.integers(1, 16), min_size=0, max_size=3),
    activation=st.sampled_from(["sigmoid", "relu", "tanh"]),
    epochs=st.integers(1, 45),
    lr=st.floats(1e-4, 10.0),
    seed=st.integers(0, 2**31 - 1),
)
def test_random_networks_replay_in_torch(
    hidden: list[int], activation: str, epochs: int, lr: float, seed: int
) -> None:
    sizes = (8, *hidden, 1)
    params = MultiFeatureParams(sizes, activation, epochs, lr, "", seed)
    try:
        trace = multi_feature_trace(params)
    except ParamError as err:  # a large lr can drive the output sigmoid into saturation
        assert err.name == "lr" and "saturates" in err.message
        return
    verify_multi_feature_trace(trace)


def test_verifier_catches_a_wrong_weight() -> None:
    trace = build_trace("multi-feature", epochs="30")
    trace.tensors["layer2.weight_history"][1][0][0] += 1e-4
    with pytest.raises(AssertionError, match="layer2"):
        verify_multi_feature_trace(trace)


@pytest.mark.parametrize("gz", [False, True])
def test_reader_reads_the_course_format_plain_and_gzipped(tmp_path: Path, gz: bool) -> None:
    # A .gz name on a plain file and a plain name on a gzip file read alike: the bytes decide.
    path = write(tmp_path / ("d.csv" if gz else "d.csv.gz"), ROWS + "\n\n", gz)
    data = read_csv_data(path)
    assert data.features[0] == [0.5, -0.2] and data.labels == [1.0, 0.0, 1.0, 0.0, 1.0]
    trace = build_trace("multi-feature", data=str(path), sizes="2,3,1", epochs="20")
    verify_multi_feature_trace(trace)
    assert trace.tensors["x"] == [[0.5, -0.2], [-0.3, 0.8], [1.5, 0.1], [-1.0, -0.4]]
    assert trace.extra["data"]["source"] == path.name


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1,2,0\n3,x,1\n", ["line 2", "not a number"]),
        ("1,2,0\n3,1\n", ["line 2", "columns"]),
        ("1,2,0\n3,4,2\n", ["line 2", "0 or 1"]),
        ("1,nan,0\n", ["line 1", "nan"]),
        ("\n\n", ["no samples"]),
        ("1\n0\n", ["feature columns"]),
        ("\xff\xfe", ["cannot read"]),
    ],
)
def test_malformed_files_name_data(tmp_path: Path, text: str, words: list[str]) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ParamError) as err:
        read_csv_data(path)
    assert err.value.name == "data"
    for word in words:
        assert word in str(err.value)


def test_missing_cut_and_folder_name_data(tmp_path: Path) -> None:
    cut = tmp_path / "cut.csv.gz"
    cut.write_bytes(gzip.compress(ROWS.encode())[:-10])
    for path in (tmp_path / "missing.csv", cut, tmp_path):
        with pytest.raises(ParamError) as err:
            read_csv_data(path)
        assert err.value.name == "data"


def test_wrong_feature_count_names_sizes_and_the_data_count(tmp_path: Path) -> None:
    path = write(tmp_path / "d.csv", ROWS)
    with pytest.raises(ParamError) as err:
        build_trace("multi-feature", data=str(path))  # sizes 8,6,4,1 on 2 features
    assert err.value.name == "sizes" and "2" in err.value.message and "8" in err.value.message


@pytest.mark.parametrize("value", ["missing.csv", "bad.csv", ""])
def test_cli_bad_data_is_one_line_exit_2_and_no_file(tmp_path: Path, value: str) -> None:
    write(tmp_path / "bad.csv", "1,2,x\n")
    out = tmp_path / "t.json"
    data = str(tmp_path / value) if value else str(tmp_path)
    result = CliRunner().invoke(
        app, ["trace", "multi-feature", "--set", f"data={data}", "--out", str(out)]
    )
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert (
        len(lines) == 1 and lines[0].startswith("error: data:") and "Traceback" not in result.output
    )
    assert not out.exists()


@pytest.mark.parametrize(
    "overrides",
    [{"epochs": "3"}, {"sizes": "8,16,16,16,1", "epochs": "2", "activation": "relu"}],
)
def test_scene_draws_every_layer_inside_the_frame(
    overrides: dict[str, str], tmp_path: Path
) -> None:
    trace = build_trace("multi-feature", **overrides)
    scene = construct_scene(trace, tmp_path, lang="zh")
    assert_inside_frame(scene)
    assert scene.shown_layers == list(range(1, len(trace.params["sizes"])))


def test_trace_cache_sees_a_changed_data_file(tmp_path: Path) -> None:
    from explain.scenes.app.trace_cache import TraceCache, verified_trace
    from explain.scenes.registry import get

    path = write(tmp_path / "d.csv", ROWS)
    cache = TraceCache(tmp_path / "cache")
    assignments = {"data": str(path), "sizes": "2,1", "epochs": "2"}
    first = verified_trace(get("multi-feature"), assignments, cache=cache)
    assert (
        verified_trace(get("multi-feature"), assignments, cache=cache).to_json() == first.to_json()
    )
    write(path, ROWS.replace("0.5,-0.2,1", "0.7,-0.2,1"))
    second = verified_trace(get("multi-feature"), assignments, cache=cache)
    assert second.tensors["x"][0] == [0.7, -0.2]


def test_render_is_redone_when_the_data_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from explain.scenes.app import render as render_module
    from tests.render_fakes import committing_fake

    calls: list[Path] = []
    monkeypatch.setattr(render_module, "render_trace", committing_fake(calls))
    monkeypatch.setenv("EXPLAIN_CACHE_DIR", str(tmp_path / "cache"))
    path = write(tmp_path / "d.csv", ROWS)
    out = tmp_path / "a.mp4"
    argv = ["render", "multi-feature", "--out", str(out), "--set", f"data={path}"]
    argv += ["--set", "sizes=2,1", "--set", "epochs=2"]
    assert CliRunner().invoke(app, argv).exit_code == 0
    assert CliRunner().invoke(app, argv).exit_code == 0
    assert len(calls) == 1  # unchanged: reused
    write(path, ROWS.replace("0.5,-0.2,1", "0.7,-0.2,1"))
    assert CliRunner().invoke(app, argv).exit_code == 0
    assert len(calls) == 2  # same parameters, other data: rendered again


def test_bundled_file_read_directly_equals_load_breast_cancer() -> None:
    """The default data is read from scikit-learn's CSV without importing sklearn: the
    same numbers, names and labels as its own loader (a layout change would fail here)."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer()
    data = breast_cancer_data()
    raw = torch.tensor(bunch.data[:, :8], dtype=torch.float64)
    mean = torch.tensor(data.about["mean"], dtype=torch.float64)
    std = torch.tensor(data.about["std"], dtype=torch.float64)
    got = torch.tensor(data.features, dtype=torch.float64) * std + mean
    assert torch.allclose(got, raw, rtol=1e-12, atol=1e-9)
    assert data.labels == [float(v) for v in bunch.target]
    assert data.about["features"] == [str(n) for n in bunch.feature_names[:8]]


@settings(max_examples=15, deadline=None, derandomize=True)
@given(
    rows=st.integers(1, 12).flatmap(
        lambda f: st.lists(
            st.tuples(
                st.lists(st.floats(-1e6, 1e6, allow_subnormal=False), min_size=f, max_size=f),
                st.sampled_from([0.0, 1.0]),
            ),
            min_size=1,
            max_size=30,
        )
    ),
    gz=st.booleans(),
)
def test_reader_round_trips_random_files(
    tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[list[float], float]], gz: bool
) -> None:
    text = "".join(",".join(repr(v) for v in [*x, y]) + "\n" for x, y in rows)
    path = write(tmp_path_factory.mktemp("csv") / "data.csv", text, gz)
    data = read_csv_data(path)
    assert data.features == [x for x, _ in rows]
    assert data.labels == [y for _, y in rows]
    sizes = f"{len(rows[0][0])},1"
    try:
        trace = build_trace("multi-feature", data=str(path), sizes=sizes, epochs="3", lr="0.001")
    except ParamError as err:  # huge raw numbers saturate the sigmoid
        assert err.name in ("lr", "data") and "saturates" in err.message
        return
    verify_multi_feature_trace(trace)
