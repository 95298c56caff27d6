"""The project's own MNIST reader: IDX files the tests write themselves, gzipped or not,
and every way a folder or file can be wrong (one line naming `data`, exit 2)."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from explain.mlcore.digits import MNIST_FILES, mnist_folder
from explain.mlcore.idx import IdxError, parse_idx, read_idx
from explain.mlcore.params import ParamError
from explain.scenes.cli import app


def idx_bytes(values: np.ndarray, code: int = 0x08) -> bytes:
    """An IDX document written the way the format's description says, independently."""
    big = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    header = bytes([0, 0, code, values.ndim]) + b"".join(struct.pack(">I", n) for n in values.shape)
    return header + values.astype(big).tobytes()


def write_mnist(folder: Path, n_train: int = 24, n_test: int = 8, gz: bool = False) -> Path:
    """A tiny MNIST in torchvision's layout: DIR/MNIST/raw/...; returns DIR."""
    raw = folder / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    parts = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28)),
        "train_labels": np.arange(n_train) % 10,
        "test_images": rng.integers(0, 256, (n_test, 28, 28)),
        "test_labels": (np.arange(n_test) * 3) % 10,
    }
    for key, values in parts.items():
        data = idx_bytes(np.asarray(values))
        name = MNIST_FILES[key] + (".gz" if gz else "")
        (raw / name).write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return folder


@pytest.mark.parametrize("code", [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E])
def test_every_type_round_trips(code: int) -> None:
    values = np.arange(-3, 21).reshape(2, 3, 4) if code != 0x08 else np.arange(24).reshape(2, 3, 4)
    got = parse_idx(idx_bytes(values, code))
    assert got.shape == (2, 3, 4)
    assert np.array_equal(got.astype(np.float64), values.astype(np.float64))


def test_gzipped_and_plain_files_read_the_same(tmp_path: Path) -> None:
    values = np.arange(60, dtype=np.uint8).reshape(3, 4, 5)
    (tmp_path / "a").write_bytes(idx_bytes(values))
    (tmp_path / "a.gz").write_bytes(gzip.compress(idx_bytes(values)))
    assert np.array_equal(read_idx(tmp_path / "a"), values)
    assert np.array_equal(read_idx(tmp_path / "a.gz"), values)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        (b"", "bad magic"),
        (b"\x01\x00\x08\x01\x00\x00\x00\x01\x05", "bad magic"),
        (b"\x00\x00\x07\x01\x00\x00\x00\x01\x05", "bad magic"),  # no such type
        (b"\x00\x00\x08\x00", "no dimensions"),
        (b"\x00\x00\x08\x03\x00\x00\x00\x02", "header"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x04\x01\x02", "truncated"),
        (b"\x00\x00\x08\x01\x00\x00\x00\x01\x01\x02", "longer"),
    ],
)
def test_malformed_documents_are_one_line_errors(raw: bytes, words: str) -> None:
    with pytest.raises(IdxError) as err:
        parse_idx(raw, "x-idx1-ubyte")
    assert words in str(err.value) and "\n" not in str(err.value)


def test_broken_gzip_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "t.gz"
    path.write_bytes(gzip.compress(idx_bytes(np.zeros((2, 2), np.uint8)))[:12])
    with pytest.raises(IdxError, match="gzip"):
        read_idx(path)


@pytest.mark.parametrize("gz", [False, True])
def test_torchvision_layout_and_the_raw_folder_itself(tmp_path: Path, gz: bool) -> None:
    folder = write_mnist(tmp_path / "data", gz=gz)
    for where in (folder, folder / "MNIST" / "raw"):
        data = mnist_folder(str(where))
        assert data.train_images.shape == (24, 28, 28) and data.test_images.shape == (8, 28, 28)
        assert float(data.train_images.min()) >= 0.0 and float(data.train_images.max()) <= 1.0
        assert data.train_labels.tolist() == [i % 10 for i in range(24)]
        assert data.info["source"] == "mnist" and data.info["subsampled"] is False


def _break(folder: Path, key: str, content: bytes) -> None:
    (folder / "MNIST" / "raw" / MNIST_FILES[key]).write_bytes(content)


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        ("missing", "not found"),
        ("magic", "bad magic"),
        ("truncated", "truncated"),
        ("counts", "labels"),
        ("label10", "digits 0 to 9"),
        ("shape", "28 x 28"),
    ],
)
def test_a_bad_folder_names_data(tmp_path: Path, damage: str, words: str) -> None:
    folder = write_mnist(tmp_path / "d")
    if damage == "missing":
        (folder / "MNIST" / "raw" / MNIST_FILES["test_labels"]).unlink()
    elif damage == "magic":
        _break(folder, "train_images", b"\x00\x01\x02\x03" + bytes(100))
    elif damage == "truncated":
        _break(folder, "train_images", idx_bytes(np.zeros((24, 28, 28), np.uint8))[:-5])
    elif damage == "counts":
        _break(folder, "test_labels", idx_bytes(np.zeros(7, np.uint8)))
    elif damage == "label10":
        _break(folder, "train_labels", idx_bytes(np.full(24, 10, np.uint8)))
    else:
        _break(folder, "test_images", idx_bytes(np.zeros((8, 14, 14), np.uint8)))
    with pytest.raises(ParamError) as err:
        mnist_folder(str(folder))
    assert err.value.name == "data" and words in str(err.value), str(err.value)


def test_cli_bad_data_is_one_line_exit_2_and_no_file(tmp_path: Path) -> None:
    out = tmp_path / "t.json"
    for data in (tmp_path / "nowhere", write_mnist(tmp_path / "bad")):
        if data.exists():
            _break(data, "train_labels", b"junk")
        result = CliRunner().invoke(
            app, ["trace", "mlp", "--set", f"data={data}", "--out", str(out)]
        )
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: data:"), lines
        assert not out.exists()


def test_replaced_data_files_are_a_new_trace_cache_key(tmp_path: Path) -> None:
    from explain.scenes.app.trace_cache import trace_key

    folder = write_mnist(tmp_path / "m")
    before = trace_key("mlp", {"data": str(folder)})
    assert trace_key("mlp", {"data": str(folder)}) == before
    labels = folder / "MNIST" / "raw" / MNIST_FILES["test_labels"]
    labels.write_bytes(idx_bytes(np.arange(9, dtype=np.uint8)))
    assert trace_key("mlp", {"data": str(folder)}) != before


def test_unreadable_names_are_one_line_errors_naming_data(tmp_path: Path) -> None:
    for text in ("x" * 199, str(tmp_path / ("y" * 190) / ("z" * 190)), "~nobody_here/mnist"):
        with pytest.raises(ParamError) as err:
            mnist_folder(text)
        assert err.value.name == "data"
    result = CliRunner().invoke(app, ["trace", "mlp", "--set", "data=" + "1" * 300])
    assert result.exit_code == 2 and "data" in result.stderr
