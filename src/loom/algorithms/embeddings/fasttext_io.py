"""Thin, numpy-2-safe access to the ``fasttext`` package: train from a temp file.

fastText trains only from a file, so documents are written to a temporary
UTF-8 file (one line each) that is removed afterwards. Some of the package's
Python helpers call ``np.array(..., copy=False)``, which numpy 2 turns into an
error (``predict`` on one line, the test meters); this module calls the C++
object (``model.f``) directly instead.

Reproducibility: fastText 0.9.3 fills only ``thread / 10`` of its input
matrix with random values (``DenseMatrix::uniform`` draws one tenth per
thread) and leaves the rest as allocated. On one thread (the only
reproducible setting) that memory is whatever the allocator hands back:
zeros from a fresh ``mmap``, stale bytes from a reused heap chunk, so runs
in a long-lived process differed and sometimes diverged to NaN. Training
therefore runs in a fresh interpreter (``python -c``): its allocations, and
so the bytes fastText starts from, are the same on every run. The child
also pins glibc's mmap threshold so blocks of 128 KiB or more come from
zeroed pages, and ``MIN_MATRIX_FLOATS`` makes the matrix at least that big.

"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

MMAP_THRESHOLD = 128 * 1024
MIN_MATRIX_FLOATS = MMAP_THRESHOLD // 4


def min_bucket(dim: int, bucket: int) -> int:
    """``bucket`` raised so the input matrix spans at least 128 KiB (see above)."""
    return max(bucket, -(-MIN_MATRIX_FLOATS // dim))


# Run by the child interpreter: argv = input file, output file, trainer, JSON args.
_CHILD = """
import ctypes, json, sys
try:
    ctypes.CDLL("libc.so.6").mallopt(-3, 131072)  # M_MMAP_THRESHOLD
except (OSError, AttributeError):
    pass
import fasttext
source, target, trainer, args = sys.argv[1:5]
train = getattr(fasttext, "train_" + trainer)
model = train(input=source, verbose=0, **json.loads(args))
model.save_model(target)
"""


def train_from_lines(lines: Iterable[str], trainer: str, **kwargs: Any) -> Any:
    """Train with ``fasttext.train_<trainer>`` on ``lines`` in a fresh interpreter.

    Args:
        lines: one document per item (newlines inside are replaced by spaces).
        trainer: ``"unsupervised"`` or ``"supervised"``.
        kwargs: fastText's own arguments (``dim``, ``epoch``, ``thread``...),
            JSON-serialisable.

    Raises:
        InvalidInputError: fastText refused the data or the arguments (its
            own message, e.g. an empty vocabulary).
    """
    import json
    import subprocess
    import sys

    from loom.core.errors import InvalidInputError

    with tempfile.TemporaryDirectory(prefix="loom-fasttext-") as work:
        source, target = Path(work) / "input.txt", Path(work) / "model.bin"
        with source.open("w", encoding="utf-8") as out:
            for line in lines:
                out.write(line.replace("\n", " ").replace("\r", " ") + "\n")
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                _CHILD,
                str(source),
                str(target),
                trainer,
                json.dumps(kwargs),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            lines_out = (done.stderr or "").strip().splitlines()
            reason = lines_out[-1] if lines_out else f"exit {done.returncode}"
            raise InvalidInputError(f"fastText could not train: {reason}")
        return load(target)


def load(path: Path) -> Any:
    """A saved ``.bin`` model (``fasttext.load_model`` without its stderr notice)."""
    from fasttext.FastText import _FastText

    return _FastText(model_path=str(path))


def label_probabilities(model: Any, lines: list[str]) -> tuple[list[list[str]], Any]:
    """Every label's probability for each line (``k=-1``: all labels).

    Calls the C++ ``multilinePredict`` directly: the Python ``predict`` wraps
    single-line results with ``np.array(copy=False)``, an error on numpy 2.
    """
    clean = [line.replace("\n", " ").replace("\r", " ") + "\n" for line in lines]
    labels, probabilities = model.f.multilinePredict(clean, -1, 0.0, "strict")
    return labels, probabilities
