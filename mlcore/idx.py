"""The IDX files MNIST ships in (Yann LeCun's format), read without torchvision.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the values in C order, big-endian.
Files may be gzipped (``.gz``, or gzip's own magic bytes). Every problem is an
:class:`IdxError` whose message says what was wrong with which file, in one line.
"""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

import numpy as np

# Type code -> numpy dtype of the values, as the format defines them (big-endian).
IDX_TYPES: dict[int, str] = {
    0x08: ">u1",
    0x09: ">i1",
    0x0B: ">i2",
    0x0C: ">i4",
    0x0D: ">f4",
    0x0E: ">f8",
}
GZIP_MAGIC = b"\x1f\x8b"
# A real MNIST file is at most 47 MB; a bigger one is not what we are looking for.
MAX_BYTES = 200_000_000


class IdxError(ValueError):
    """An IDX file is missing, unreadable or malformed (one line)."""


def parse_idx(raw: bytes, name: str = "file") -> np.ndarray:
    """The array an IDX document holds; ``name`` is used in error messages."""
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        raise IdxError(f"{name} is not an IDX file (bad magic number {raw[:4].hex() or 'empty'})")
    ndim = raw[3]
    if ndim == 0:
        raise IdxError(f"{name} declares no dimensions")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IdxError(f"{name} is truncated inside its header")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    found = len(raw) - header
    if found != expected:
        kind = "truncated" if found < expected else "longer than its header says"
        raise IdxError(
            f"{name} is {kind}: shape {'x'.join(map(str, shape))} needs {expected} bytes "
            f"of data, found {found}"
        )
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)


def read_idx(path: Path) -> np.ndarray:
    """Read an IDX file, gunzipping it when it is gzipped."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except OSError as err:
        raise IdxError(f"cannot read {path.name} ({err.strerror or type(err).__name__})") from None
    if raw.startswith(GZIP_MAGIC):
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError, zlib.error):
            raise IdxError(f"{path.name} is not a readable gzip file") from None
    if len(raw) > MAX_BYTES:
        raise IdxError(f"{path.name} is larger than {MAX_BYTES // 1_000_000} MB")
    return parse_idx(raw, path.name)
