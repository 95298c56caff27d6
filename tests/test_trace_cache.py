"""Verified traces on disk: a hit is the same trace, skips torch, and is never unverified."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from explain.mlcore.trace import Trace
from explain.scenes.app.trace_cache import TraceCache, trace_key, verified_trace
from explain.scenes.registry import SceneEntry, get
from tests.conftest import build_trace

ROOT = Path(__file__).resolve().parent.parent


def test_a_hit_is_the_built_trace_and_builds_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = TraceCache(tmp_path)
    entry = get("conv-stride")
    first = verified_trace(entry, {"stride": "3"}, cache=cache)
    assert first.to_json() == build_trace("conv-stride", stride="3").to_json()
    assert len(list(tmp_path.glob("*.json"))) == 1

    def no_build(self: SceneEntry, params: object) -> Trace:
        raise AssertionError("built although cached")

    monkeypatch.setattr(SceneEntry, "build", no_build)
    again = verified_trace(entry, {"stride": "3"}, cache=cache)
    assert again.to_json() == first.to_json()
    with pytest.raises(AssertionError, match="built although cached"):
        verified_trace(entry, {"stride": "2"}, cache=cache)  # other parameters: a miss


def test_keys_follow_scene_and_parameters_as_typed() -> None:
    base = trace_key("conv-stride", {"stride": "2"})
    assert base == trace_key("conv-stride", {"stride": "2"})
    assert base != trace_key("conv", {"stride": "2"})
    assert base != trace_key("conv-stride", {"stride": "3"})
    assert base != trace_key("conv-stride", {})
    assert trace_key("conv", {"a": "1", "b": "2"}) == trace_key("conv", {"b": "2", "a": "1"})


def test_a_damaged_or_foreign_file_is_a_miss(tmp_path: Path) -> None:
    cache = TraceCache(tmp_path)
    entry = get("maxpool")
    key = trace_key("maxpool", {})
    (tmp_path / f"{key}.json").write_text("{not json")
    assert cache.get(key, "maxpool") is None
    trace = verified_trace(entry, {}, cache=cache)  # rebuilt and stored over it
    assert cache.get(key, "maxpool") is not None
    doc = json.loads(trace.to_json())
    doc["scene"] = "avgpool"
    (tmp_path / f"{key}.json").write_text(json.dumps(doc))
    assert cache.get(key, "maxpool") is None


def test_unverified_traces_are_neither_stored_nor_read(tmp_path: Path) -> None:
    cache = TraceCache(tmp_path)
    verified_trace(get("maxpool"), {}, verify=False, cache=cache)
    assert list(tmp_path.iterdir()) == []


def test_bad_parameters_still_fail_with_a_warm_cache(tmp_path: Path) -> None:
    from explain.mlcore.params import ParamError

    cache = TraceCache(tmp_path)
    verified_trace(get("conv-stride"), {}, cache=cache)
    with pytest.raises(ParamError, match="stride"):
        verified_trace(get("conv-stride"), {"stride": "0"}, cache=cache)


def test_a_cached_trace_is_served_without_importing_torch(tmp_path: Path) -> None:
    """The point of the cache: torch's import is a third of a low-quality render."""
    args = ["trace", "conv-stride", "--out", str(tmp_path / "t.json")]
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from explain.scenes.cli import app\n"
        f"result = CliRunner().invoke(app, {args!r})\n"
        "assert result.exit_code == 0, result.output\n"
        "print('torch' in sys.modules)\n"
    )
    env = dict(os.environ, EXPLAIN_CACHE_DIR=str(tmp_path / "cache"))
    runs = [
        subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
        )
        for _ in range(2)
    ]
    assert [r.stdout.strip() for r in runs] == ["True", "False"], [r.stderr for r in runs]
    assert (tmp_path / "cache" / "traces").is_dir()
