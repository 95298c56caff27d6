"""`--set image=PATH`: pictures of odd sizes and modes become each scene's input, exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from explain.mlcore.digits import normalize
from explain.mlcore.image import MAX_PIXELS, load_image, picture_or
from explain.mlcore.params import ParamError
from tests.conftest import build_trace


def _gradient(width: int, height: int) -> np.ndarray:
    """A horizontal ramp 0..255 with a brighter bottom half: aspect and orientation show."""
    ramp = np.linspace(0, 255, width)[None, :].repeat(height, axis=0)  # (H, W)
    ramp[height // 2 :] = np.minimum(ramp[height // 2 :] + 60, 255)
    return ramp.round().astype(np.uint8)


def _save(tmp_path: Path, name: str, image: Image.Image, **kwargs: object) -> str:
    path = tmp_path / name
    image.save(path, **kwargs)
    return str(path)


def _pictures(tmp_path: Path) -> dict[str, str]:
    gray = Image.fromarray(_gradient(37, 23))
    rgb = Image.merge("RGB", [gray, gray.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gray])
    rgba = rgb.copy()
    rgba.putalpha(Image.fromarray(np.full((23, 37), 128, dtype=np.uint8)))
    wide = (np.asarray(gray, dtype=np.uint16) * 257).astype(np.uint16)
    return {
        "L": _save(tmp_path, "l.png", gray),
        "RGB": _save(tmp_path, "rgb.jpg", rgb, quality=95),
        "RGBA": _save(tmp_path, "rgba.png", rgba),
        "P": _save(tmp_path, "p.gif", rgb.convert("P")),
        "1": _save(tmp_path, "one.bmp", gray.convert("1")),
        "I;16": _save(tmp_path, "wide.png", Image.fromarray(wide)),
        "tiny": _save(tmp_path, "tiny.png", Image.new("L", (1, 1), 200)),
        "tall": _save(tmp_path, "tall.png", Image.fromarray(_gradient(3, 400))),
    }


@pytest.mark.parametrize("kind", ["L", "RGB", "RGBA", "P", "1", "I;16", "tiny", "tall"])
@pytest.mark.parametrize("channels", [1, 3])
def test_every_mode_and_size_becomes_the_asked_shape_in_range(
    tmp_path: Path, kind: str, channels: int
) -> None:
    path = _pictures(tmp_path)[kind]
    x = load_image(path, channels, 7, 5)
    assert x.shape == (channels, 7, 5) and x.dtype == torch.float64
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    assert torch.isfinite(x).all()


def test_aspect_is_kept_by_a_centre_crop_and_values_follow_the_picture(tmp_path: Path) -> None:
    # A 40x10 ramp into 4x4: the crop keeps the middle quarter of the ramp, left to right.
    ramp = np.linspace(0, 255, 40)[None, :].repeat(10, axis=0).round().astype(np.uint8)
    path = _save(tmp_path, "ramp.png", Image.fromarray(ramp))
    x = load_image(path, 1, 4, 4)[0]  # (4, 4)
    assert torch.all(x[:, 1:] > x[:, :-1])  # brighter to the right, as the picture
    assert 0.3 < float(x.mean()) < 0.7  # the centre of the ramp, not its ends
    assert float(x[:, 0].min()) > 0.3  # the dark left end was cropped away


def test_sixteen_bit_values_are_scaled_not_clipped(tmp_path: Path) -> None:
    wide = np.full((4, 4), 32768, dtype=np.uint16)  # half of 16-bit white
    path = _save(tmp_path, "half.png", Image.fromarray(wide))
    assert torch.allclose(
        load_image(path, 1, 2, 2), torch.full((1, 2, 2), 0.5, dtype=torch.float64), atol=1e-3
    )


def test_transparent_parts_show_a_white_page(tmp_path: Path) -> None:
    clear = Image.new("RGBA", (6, 6), (0, 0, 0, 0))
    path = _save(tmp_path, "clear.png", clear)
    assert torch.allclose(load_image(path, 1, 3, 3), torch.ones(1, 3, 3, dtype=torch.float64))


def test_rgb_channels_stay_apart(tmp_path: Path) -> None:
    red = Image.new("RGB", (8, 8), (255, 0, 0))
    path = _save(tmp_path, "red.bmp", red)
    x = load_image(path, 3, 2, 2)
    assert (
        torch.equal(x[0], torch.ones(2, 2, dtype=torch.float64)) and float(x[1:].abs().max()) == 0.0
    )


def test_gif_uses_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("L", (4, 4), 255), Image.new("L", (4, 4), 0)]
    path = str(tmp_path / "two.gif")
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert float(load_image(path, 1, 2, 2).min()) > 0.99


def test_small_integer_scenes_get_integers_0_to_9(tmp_path: Path) -> None:
    path = _pictures(tmp_path)["L"]
    x = picture_or(path, torch.zeros(2, 5, 5, dtype=torch.float64), levels=10)
    assert torch.equal(x, x.round()) and int(x.min()) >= 0 and int(x.max()) <= 9
    assert int(x.max()) == 9 and int(x.min()) < 5  # the ramp's centre spans most of the range
    assert picture_or("", torch.ones(1, 2, 2)).equal(torch.ones(1, 2, 2))


@pytest.mark.parametrize(
    ("name", "overrides", "tensor"),
    [
        ("conv", {"in_channels": "3"}, "input"),
        ("conv-stride", {}, "input"),
        ("maxpool", {"channels": "2"}, "input"),
        ("avgpool", {}, "input"),
        ("cnn-shapes", {}, "input"),
        ("network", {"input": "3x20x12", "layers": "conv(4,3) relu"}, "input"),
    ],
)
def test_every_image_scene_shows_the_pictures_numbers(
    tmp_path: Path, name: str, overrides: dict[str, str], tensor: str
) -> None:
    path = _pictures(tmp_path)["RGB"]
    trace = build_trace(name, image=path, **overrides)
    got = torch.tensor(trace.tensors[tensor], dtype=torch.float64)  # (C, H, W)
    c, h, w = got.shape
    expected = load_image(path, c, h, w)
    if name == "cnn-shapes":  # the trained network takes its input normalised, as trained
        assert torch.allclose(got, normalize(expected), atol=1e-12)
    elif name == "network":
        assert torch.equal(got, expected)
    else:  # the small-integer scenes: the picture rounded to 0..9
        assert torch.equal(got, torch.round(expected * 9))
    from explain.scenes.registry import get

    get(name).verify(trace)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda d: str(d / "missing.png"), "no such file"),
        (lambda d: str(d), "not a file"),
        (lambda d: _text_file(d), "not a picture"),
        (lambda d: _save(d, "x.tiff", Image.new("L", (3, 3))), "TIFF"),
        (lambda d: _huge(d), f"{MAX_PIXELS:,}"),
        (lambda d: _cut(d), "decoded"),
    ],
)
def test_bad_pictures_are_one_line_naming_image(make: object, words: str, tmp_path: Path) -> None:
    path = make(tmp_path)  # type: ignore[operator]
    with pytest.raises(ParamError) as err:
        build_trace("conv", image=path)
    message = str(err.value)
    assert message.startswith("image: ") and "\n" not in message and words in message


def _text_file(folder: Path) -> str:
    path = folder / "notes.png"
    path.write_text("not a picture at all")
    return str(path)


def _huge(folder: Path) -> str:
    # A PNG header claiming 6000x6000 is refused before any pixel is decoded.
    return _save(folder, "huge.png", Image.new("1", (6000, 6000)))


def _cut(folder: Path) -> str:
    noise = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    path = Path(_save(folder, "cut.png", Image.fromarray(noise)))  # about 4 KB: noise
    path.write_bytes(path.read_bytes()[:300])
    return str(path)


def test_cached_traces_and_renders_are_keyed_by_the_pictures_bytes(tmp_path: Path) -> None:
    from explain.scenes.app.render import RenderOptions, render_key
    from explain.scenes.app.trace_cache import trace_key

    path = tmp_path / "p.png"
    Image.new("L", (4, 4), 10).save(path)
    keys = (
        trace_key("conv", {"image": str(path)}),
        render_key("conv", {"image": str(path)}, RenderOptions()),
    )
    Image.new("L", (4, 4), 200).save(path)  # same path, another picture
    again = (
        trace_key("conv", {"image": str(path)}),
        render_key("conv", {"image": str(path)}, RenderOptions()),
    )
    assert keys[0] != again[0] and keys[1] != again[1]


def test_trace_command_takes_a_picture(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from explain.scenes.cli import app

    path = _pictures(tmp_path)["P"]
    result = CliRunner().invoke(app, ["trace", "maxpool", "--set", f"image={path}"])
    assert result.exit_code == 0, result.output
    got = torch.tensor(json.loads(result.stdout)["tensors"]["input"], dtype=torch.float64)
    assert torch.equal(got, torch.round(load_image(path, 1, 4, 4) * 9))


def test_a_photo_is_upright_as_its_exif_orientation_says(tmp_path: Path) -> None:
    pixels = np.zeros((16, 16), dtype=np.uint8)
    pixels[:8] = 255  # stored white on top
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x0112] = 3  # orientation: shown turned by 180 degrees
    path = _save(tmp_path, "turned.jpg", image, exif=exif, quality=100)
    x = load_image(path, 1, 2, 2)[0]  # (2, 2)
    assert float(x[0].max()) < 0.2 and float(x[1].min()) > 0.8  # white at the bottom
