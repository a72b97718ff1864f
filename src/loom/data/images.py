"""Import a folder of labelled images (``<root>/<label>/<file>.png``) as pixel columns.

Each image becomes one row: ``pixel_0 …`` in the layout ``cnn_classifier``
reads (channel by channel, each channel row-major, values 0 to 255), then
``label`` (the sub-folder name) and ``path`` (relative to the root). The whole
table is decoded before anything is written, so a bad file stops the import
with nothing on disk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from loom.core.errors import InvalidInputError

if TYPE_CHECKING:
    import pyarrow as pa

    from loom.data.schemas import ImageFolderSource

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif")
SIZE_PATTERN = r"^[1-9][0-9]{0,3}x[1-9][0-9]{0,3}$"
Resolve = Callable[[str | Path], Path]


def parse_size(size: str | None) -> tuple[int, int] | None:
    """``"28x32"`` → ``(28, 32)`` (height, width); None stays None.

    Raises:
        InvalidInputError: not ``HxW`` with positive integers.
    """
    if size is None:
        return None
    if not re.match(SIZE_PATTERN, size):
        raise InvalidInputError(
            f"size must be HEIGHTxWIDTH in pixels, such as 28x28; got '{size}'"
        )
    height, width = size.split("x")
    return int(height), int(width)


def resolve_folder(path: str | Path, resolve: Resolve) -> Path:
    """The real path of an image folder inside the data roots.

    ``resolve`` (``resolve_in_roots`` bound to the roots) checks containment
    before existence; it refuses directories as "not a regular file", which
    is exactly what this wants.

    Raises:
        AccessOutsideRootsError: the folder is outside the data roots.
        InvalidInputError: the folder does not exist or is a file.
    """
    try:
        resolve(path)
    except InvalidInputError:
        resolved = Path(path).expanduser().resolve()
        if resolved.is_dir():
            return resolved
        raise InvalidInputError(f"image folder not found: {path}") from None
    raise InvalidInputError(
        f"'{path}' is a file; give the folder holding <label>/<image> files"
    )


def list_images(root: Path) -> list[tuple[str, Path]]:
    """``(label, file)`` for every image one level below a label folder, sorted.

    Raises:
        InvalidInputError: an image lies directly in the root (it has no
            label), or no image was found.
    """
    found: list[tuple[str, Path]] = []
    for entry in sorted(root.iterdir()):
        if entry.name.startswith("."):
            continue
        if entry.is_file() and entry.suffix.lower() in IMAGE_SUFFIXES:
            raise InvalidInputError(
                f"image '{entry.name}' is directly in the folder; put each image "
                "in a <label>/ sub-folder named after its class"
            )
        if entry.is_dir():
            found += [
                (entry.name, file)
                for file in sorted(entry.iterdir())
                if file.is_file() and file.suffix.lower() in IMAGE_SUFFIXES
            ]
    if not found:
        raise InvalidInputError(
            f"no images in '{root}'; expected <label>/<file> with one of "
            f"{', '.join(IMAGE_SUFFIXES)}"
        )
    return found


def read_pixels(
    file: Path, name: str, mode: str, size: tuple[int, int] | None
) -> tuple[np.ndarray, tuple[int, int]]:
    """One image as a flat uint8 vector (channels first) and its (height, width).

    Raises:
        InvalidInputError: the file cannot be decoded, naming it.
    """
    from PIL import Image

    try:
        with Image.open(file) as image:
            image.load()
            converted = image.convert(mode)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise InvalidInputError(f"cannot read image '{name}': {reason}") from None
    if size is not None and converted.size != (size[1], size[0]):
        converted = converted.resize((size[1], size[0]), Image.Resampling.BILINEAR)
    array = np.asarray(converted, dtype=np.uint8)
    array = array[None, :, :] if array.ndim == 2 else array.transpose(2, 0, 1)
    return array.reshape(-1), (array.shape[1], array.shape[2])


def image_table(
    path: str | Path, resolve: Resolve, *, size: str | None = None, mode: str = "L"
) -> pa.Table:
    """Decode every image of the folder into one Arrow table.

    Args:
        path: the folder (inside the data roots).
        resolve: ``resolve_in_roots`` bound to the data roots; every file goes
            through it, so a symlink cannot lead outside them.
        size: ``HxW`` to resize to; None keeps the first image's size and
            requires every other image to match it.
        mode: ``L`` (grey, one channel) or ``RGB`` (three channels).

    Raises:
        InvalidInputError: a bad file, a size mismatch or an empty folder.
        AccessOutsideRootsError: the folder or a file is outside the roots.
    """
    import pyarrow as pa

    if mode not in ("L", "RGB"):
        raise InvalidInputError(f"mode must be one of: L, RGB; got '{mode}'")
    target = parse_size(size)
    root = resolve_folder(path, resolve)
    rows: list[np.ndarray] = []
    labels: list[str] = []
    names: list[str] = []
    first: tuple[int, int] | None = None
    for label, file in list_images(root):
        name = file.relative_to(root).as_posix()
        pixels, shape = read_pixels(resolve(file), name, mode, target)
        first = first or shape
        if shape != first:
            raise InvalidInputError(
                f"image '{name}' is {shape[0]}x{shape[1]} but the first image is "
                f"{first[0]}x{first[1]}; set size (such as {first[0]}x{first[1]}) "
                "to resize every image"
            )
        rows.append(pixels)
        labels.append(label)
        names.append(name)
    matrix = np.stack(rows)
    columns = {f"pixel_{j}": matrix[:, j] for j in range(matrix.shape[1])}
    return pa.table({**columns, "label": labels, "path": names})


def import_image_folder(
    source: ImageFolderSource, resolve: Resolve, out: Path, log: Callable[[str], None]
) -> int:
    """Write the folder's table to ``out`` (deterministic Parquet); the row count."""
    from loom.data._parquet import write_batches

    log(f"reading images under {source.path} (mode {source.mode})")
    table = image_table(source.path, resolve, size=source.size, mode=source.mode)
    log(f"decoded {table.num_rows} images, {table.num_columns - 2} pixel columns")
    return write_batches(table.to_batches(), table.schema, out)


def check_image_folder(source: ImageFolderSource, resolve: Resolve) -> None:
    """Quick checks before the import: size syntax and the folder's place."""
    parse_size(source.size)
    resolve_folder(source.path, resolve)
