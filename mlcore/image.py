"""A user's picture as a scene's input: read with Pillow, cropped and scaled to the scene's grid.

One reader for every image scene (the convolutions, pooling, cnn-shapes, network): the
picture becomes grayscale (or RGB for three input channels), is resized to the scene's
input size with its aspect kept (centre crop), and is scaled to the scene's value range.
Every failure is a one-line :class:`ParamError` naming ``image``.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from explain.mlcore.params import ParamError

FORMATS = ("PNG", "JPEG", "BMP", "GIF")
# Larger pictures take seconds just to decode; no scene shows more than 64×64 of one.
MAX_PIXELS = 25_000_000
MAX_FILE_BYTES = 100_000_000
# Integer-valued modes and the value that is white in them (16-bit PNGs open as I;16 or I).
_WIDE_MODES = {"I;16": 65535.0, "I;16B": 65535.0, "I;16L": 65535.0, "I": 65535.0, "F": 1.0}
NAME = "image"


def _fail(message: str) -> ParamError:
    return ParamError(NAME, message)


def _shown(path: str) -> str:
    return repr(path if len(path) <= 60 else "..." + path[-57:])


def _open(path: str) -> Image.Image:
    """The opened Pillow image, its size and format checked before any pixel is decoded."""
    file = Path(path)
    try:
        size = file.stat().st_size if file.is_file() else -1
    except (OSError, ValueError):  # a NUL character, a name too long for the system
        raise _fail(f"{_shown(path)} is not a usable file name") from None
    if size < 0:
        if file.exists():
            raise _fail(f"{_shown(path)} is not a file; give a PNG, JPEG, BMP or GIF picture")
        raise _fail(f"no such file {_shown(path)}")
    if size > MAX_FILE_BYTES:
        raise _fail(f"{_shown(path)} is larger than {MAX_FILE_BYTES // 1_000_000} MB")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(file)
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _fail(
            f"{_shown(path)} is not a picture Pillow can read as {', '.join(FORMATS)}"
            f" (or it has more than {MAX_PIXELS:,} pixels)"
        ) from None
    except OSError as err:
        raise _fail(f"cannot read {_shown(path)} ({err.strerror or 'read error'})") from None
    if img.format not in FORMATS:
        raise _fail(f"{_shown(path)} is {img.format}; allowed: {', '.join(FORMATS)}")
    pixels = img.width * img.height
    if pixels > MAX_PIXELS:
        raise _fail(
            f"{_shown(path)} is {img.width}×{img.height} = {pixels:,} pixels;"
            f" at most {MAX_PIXELS:,}"
        )
    return img


def check_image(path: str) -> None:
    """Raise ParamError unless ``path`` names a readable picture within the limits."""
    if path:
        _open(path).close()


def _planes(img: Image.Image, channels: int) -> list[np.ndarray]:
    """The picture as ``channels`` float32 planes in [0, 1] (grayscale repeated or R, G, B)."""
    img.seek(0)  # a GIF's first frame
    img = ImageOps.exif_transpose(img)  # a phone's photo upright, as a viewer shows it
    if img.mode in _WIDE_MODES:
        wide = np.asarray(img, dtype=np.float64)
        white = _WIDE_MODES[img.mode] if img.mode != "I" or wide.max() > 255 else 255.0
        gray = np.clip(wide / white, 0.0, 1.0).astype(np.float32)
        return [gray] * channels
    if img.mode in ("RGBA", "LA", "PA") or "transparency" in img.info:
        # Transparent parts show the page behind them: white, as a viewer draws them.
        rgba = img.convert("RGBA")
        page = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(page, rgba)
    if channels == 3:
        rgb = np.asarray(img.convert("RGB"), dtype=np.float32) / 255.0  # (H, W, 3)
        return [rgb[..., i] for i in range(3)]
    gray = np.asarray(img.convert("L"), dtype=np.float32) / 255.0  # (H, W)
    return [gray] * channels


def _fit(plane: np.ndarray, height: int, width: int) -> np.ndarray:
    """Resize with the aspect kept, then crop the centre to ``height`` × ``width``."""
    image = Image.fromarray(np.ascontiguousarray(plane, dtype=np.float32))  # mode F
    fitted = ImageOps.fit(image, (width, height), method=Image.Resampling.BOX)
    return np.asarray(fitted, dtype=np.float64)  # (height, width)


def load_image(path: str, channels: int, height: int, width: int) -> torch.Tensor:
    """The picture at ``path`` as a (channels, height, width) float64 tensor in [0, 1]."""
    img = _open(path)
    try:
        planes = _planes(img, channels)
    except (OSError, ValueError, SyntaxError):
        raise _fail(f"{_shown(path)} could not be decoded (a damaged or cut-off file?)") from None
    finally:
        img.close()
    arr = np.stack([_fit(p, height, width) for p in planes])  # (C, H, W)
    return torch.from_numpy(np.clip(arr, 0.0, 1.0))


def picture_or(path: str, seeded: torch.Tensor, levels: int | None = None) -> torch.Tensor:
    """``seeded`` (C, H, W) itself, or the picture at ``path`` in its shape and value range.

    ``levels``: the scene shows integers 0..levels-1 (the small-integer convolutions and
    pooling show 0–9), so the picture is rounded to those; ``None`` keeps [0, 1].
    """
    if not path:
        return seeded
    c, h, w = seeded.shape
    values = load_image(path, c, h, w)  # (C, H, W) in [0, 1]
    if levels is not None:
        values = torch.round(values * (levels - 1))
    return values.to(seeded.dtype)
