"""Image-folder import: real digit PNGs → pixel columns → cnn_classifier."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sklearn.datasets import load_digits

from loom.core.errors import AccessOutsideRootsError, InvalidInputError
from loom.data.importing import check_source, import_source
from loom.data.schemas import ImageFolderSource
from loom.training.fitting import TrainingSpec, train


def _write_digits(root: Path, n: int = 600) -> np.ndarray:
    """``n`` digits as 8x8 grey PNGs under ``root/<digit>/``; their pixels."""
    digits = load_digits()
    pixels = (digits.images[:n] * 255 / 16).round().astype(np.uint8)
    for i, (image, label) in enumerate(zip(pixels, digits.target[:n], strict=True)):
        folder = root / f"d{label}"
        folder.mkdir(parents=True, exist_ok=True)
        Image.fromarray(image, mode="L").save(folder / f"{i:04d}.png")
    return pixels


def _import(source: ImageFolderSource, roots: list[Path], work: Path) -> pd.DataFrame:
    check_source(source, data_roots=roots)
    result = import_source(source, data_roots=roots, workdir=work)
    return pd.read_parquet(result.parquet_path)


def test_image_folder_import_trains_cnn_above_floor(tmp_path: Path) -> None:
    images = tmp_path / "data" / "digits"
    pixels = _write_digits(images)
    frame = _import(
        ImageFolderSource(path=str(images)), [tmp_path / "data"], tmp_path / "w"
    )
    assert len(frame) == 600
    assert list(frame.columns[:2]) == ["pixel_0", "pixel_1"]
    assert list(frame.columns[-2:]) == ["label", "path"]
    first = frame[frame["path"] == "d0/0000.png"].iloc[0]
    np.testing.assert_array_equal(
        first[[f"pixel_{j}" for j in range(64)]], pixels[0].ravel()
    )
    # No features named: the CNN takes the pixel columns, never 'path'.
    spec = TrainingSpec(
        algorithm="cnn_classifier", params={"epochs": 15}, target="label", seed=0
    )
    outcome = train(frame, spec)
    assert outcome.bundle.features == [f"pixel_{j}" for j in range(64)]
    assert outcome.metrics["accuracy"] >= 0.9
    assert outcome.details["report"]["summary"]["layers"][0]["output_shape"] == [
        1,
        8,
        8,
    ]


def test_image_folder_rgb_and_resize_layout(tmp_path: Path) -> None:
    folder = tmp_path / "pics" / "red"
    folder.mkdir(parents=True)
    image = np.zeros((2, 3, 3), dtype=np.uint8)
    image[..., 0] = 200  # red channel
    image[0, 1, 2] = 50  # blue at row 0, column 1
    Image.fromarray(image, mode="RGB").save(folder / "a.bmp")
    Image.fromarray(np.zeros((4, 6, 3), np.uint8), mode="RGB").save(folder / "b.png")
    source = ImageFolderSource(path=str(tmp_path / "pics"), mode="RGB", size="2x3")
    frame = _import(source, [tmp_path], tmp_path / "w")
    assert frame.shape == (2, 3 * 2 * 3 + 2)
    row = frame.iloc[0]
    assert [row[f"pixel_{j}"] for j in range(6)] == [200] * 6  # red plane first
    assert row["pixel_13"] == 50  # blue plane (offset 12), row 0, column 1


def test_image_folder_bad_inputs_raise_and_write_nothing(tmp_path: Path) -> None:
    root = tmp_path / "data"
    images = root / "imgs"
    _write_digits(images, n=20)
    work = tmp_path / "w"
    (images / "d3" / "broken.png").write_bytes(b"not an image")
    with pytest.raises(InvalidInputError, match=r"cannot read image 'd3/broken\.png'"):
        _import(ImageFolderSource(path=str(images)), [root], work)
    assert not (work / "data.parquet").exists()
    (images / "d3" / "broken.png").unlink()
    Image.fromarray(np.zeros((9, 9), np.uint8)).save(images / "d1" / "big.png")
    with pytest.raises(InvalidInputError, match=r"'d1/big\.png' is 9x9 but the first"):
        _import(ImageFolderSource(path=str(images)), [root], work)
    assert not (work / "data.parquet").exists()
    resized = _import(ImageFolderSource(path=str(images), size="8x8"), [root], work)
    assert len(resized) == 21
    with pytest.raises(AccessOutsideRootsError, match="outside the configured data"):
        check_source(ImageFolderSource(path=str(images)), data_roots=[tmp_path / "x"])
    with pytest.raises(InvalidInputError, match="image folder not found"):
        check_source(ImageFolderSource(path=str(root / "nope")), data_roots=[root])
