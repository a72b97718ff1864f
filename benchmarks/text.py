"""Loom's overhead on word2vec, MLP and CNN training vs the libraries called directly.

Targets from issue 5: word2vec through Loom within 5 % of gensim's throughput
(words/s); MLP and CNN epoch time within 10 % of a plain PyTorch loop.

* **word2vec**: gensim's bundled ``lee_background.cor`` repeated to ``--tokens``
  tokens. *direct*: ``str.split`` + ``gensim.models.Word2Vec`` with the params
  Loom uses (CBOW, negative sampling, window 5, min_count 2, 100 dims, sample
  1e-3, workers=1, one multi-epoch call). *loom fit*: the estimator Loom builds
  (``algorithm.build``; whitespace tokenizer; trains epoch by epoch with
  ``compute_loss``). *loom train(): fitting*: the model's training inside
  ``loom.training.fitting.train`` (its ``fit_duration_s``; the target's
  figure); *end to end* adds reading the table and the intrinsic evaluation
  (analogies, word similarity). Throughput = corpus tokens x epochs / seconds.
* **MLP**: breast cancer repeated to ``--mlp-rows`` rows; ``mlp_classifier``
  defaults (2 x 64 ReLU, Adam 1e-3, batch 32), fixed epochs, no early stopping.
* **CNN**: Fashion-MNIST (``/usr/share/datasets/fashion-mnist``, Debian's
  ``dataset-fashion-mnist``; scikit-learn digits when absent), first
  ``--cnn-rows`` training images; ``cnn_classifier`` defaults.

For MLP/CNN the Loom epoch time is the median interval between the run's
per-epoch callbacks inside ``train()``; the plain loop trains the same layers
on the same 80 % training rows with the same optimiser and batch size and is
timed per epoch, under Loom's thread policy (one thread for networks too small
to gain from more: on a loaded 2-core machine a 2-thread loop of the tiny MLP
ran ~100x slower, which would flatter Loom). Medians over ``--repeats``
rounds go to ``results/text.md``.

Run: ``.venv/bin/python benchmarks/text.py [--tokens 1000000] [--repeats 3]``.
"""

from __future__ import annotations

import argparse
import gzip
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from text_report import markdown

from loom.algorithms.neural.training_loop import _is_small

BENCH_DIR = Path(__file__).resolve().parent
RESULTS = BENCH_DIR / "results"
FASHION = Path("/usr/share/datasets/fashion-mnist")
SEED = 42
W2V = {"window": 5, "min_count": 2, "vector_size": 100, "negative": 5}


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options; the defaults give the reported run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=1_000_000)
    parser.add_argument("--w2v-epochs", type=int, default=5)
    parser.add_argument("--mlp-rows", type=int, default=100_000)
    parser.add_argument("--cnn-rows", type=int, default=60_000)
    parser.add_argument("--epochs", type=int, default=3, help="MLP/CNN epochs")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip", nargs="*", default=[], help="word2vec mlp cnn")
    parser.add_argument("--output", type=Path, default=RESULTS)
    return parser.parse_args(argv)


# -- word2vec -------------------------------------------------------------------


def lee_lines(tokens: int) -> list[str]:
    """``lee_background.cor`` lines repeated until ``tokens`` tokens."""
    from gensim.test.utils import datapath

    base = Path(datapath("lee_background.cor")).read_text().splitlines()
    base = [line for line in base if line.split()]
    lines: list[str] = []
    count = 0
    while count < tokens:
        for line in base:
            lines.append(line)
            count += len(line.split())
            if count >= tokens:
                break
    return lines


def w2v_direct(lines: list[str], epochs: int) -> float:
    """gensim as a user writes it: split, one ``Word2Vec`` call; wall seconds."""
    from gensim.models import Word2Vec

    start = time.perf_counter()
    sentences = [line.split() for line in lines]
    Word2Vec(
        sentences,
        epochs=epochs,
        sg=0,
        hs=0,
        alpha=0.025,
        min_alpha=0.0001,
        sample=1e-3,
        workers=1,
        seed=SEED,
        **W2V,
    )
    return time.perf_counter() - start


def w2v_params(epochs: int) -> dict[str, Any]:
    return {**W2V, "epochs": epochs, "workers": 1, "tokenizer": "whitespace"}


def w2v_loom_fit(lines: list[str], epochs: int) -> float:
    """The estimator Loom builds, fitted on the raw lines; wall seconds."""
    from loom.algorithms.registry import get_algorithm, validate_params

    algorithm = get_algorithm("word2vec")
    estimator = algorithm.build(validate_params("word2vec", w2v_params(epochs)), SEED)
    start = time.perf_counter()
    estimator.fit(lines)
    return time.perf_counter() - start


def w2v_loom_train(lines: list[str], epochs: int) -> tuple[float, float]:
    """``train()`` on a one-column table: (wall seconds, seconds spent fitting).

    The fitting share is ``TrainingOutcome.fit_duration_s``: the model's
    training inside ``train()``, without the intrinsic evaluation after it.
    """
    from loom.training.fitting import TrainingSpec, train

    frame = pd.DataFrame({"text": lines})
    spec = TrainingSpec(
        algorithm="word2vec",
        params=w2v_params(epochs),
        target=None,
        features=["text"],
        seed=SEED,
    )
    start = time.perf_counter()
    outcome = train(frame, spec)
    return time.perf_counter() - start, outcome.fit_duration_s


def bench_word2vec(args: argparse.Namespace) -> dict[str, Any]:
    """Throughputs (words/s) per path, or a skip note when word2vec is missing."""
    from loom.algorithms.registry import list_algorithms

    if "word2vec" not in {a.name for a in list_algorithms()}:
        return {"skipped": "algorithm word2vec is not registered in this Loom"}
    lines = lee_lines(args.tokens)
    words = sum(len(line.split()) for line in lines) * args.w2v_epochs
    seconds: dict[str, list[float]] = {
        name: []
        for name in (
            "gensim direct",
            "loom estimator fit",
            "loom train(): fitting",
            "loom train(): end to end",
        )
    }
    for _ in range(args.repeats):
        seconds["gensim direct"].append(w2v_direct(lines, args.w2v_epochs))
        seconds["loom estimator fit"].append(w2v_loom_fit(lines, args.w2v_epochs))
        wall, fitting = w2v_loom_train(lines, args.w2v_epochs)
        seconds["loom train(): fitting"].append(fitting)
        seconds["loom train(): end to end"].append(wall)
    return {"words": words, "seconds": seconds, "baseline": "gensim direct"}


# -- MLP / CNN ------------------------------------------------------------------


def mlp_frame(rows: int) -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer

    frame = load_breast_cancer(as_frame=True).frame
    reps = -(-rows // len(frame))
    return pd.concat([frame] * reps, ignore_index=True).iloc[:rows]


def read_idx(path: Path) -> np.ndarray:
    """An IDX (MNIST-format) gzip file as a uint8 array."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def cnn_frame(rows: int) -> tuple[pd.DataFrame, str]:
    """Fashion-MNIST pixel columns + ``target`` (digits when it is not installed)."""
    images = FASHION / "train-images-idx3-ubyte.gz"
    if images.exists():
        X = read_idx(images)[:rows].reshape(-1, 784)
        y = read_idx(FASHION / "train-labels-idx1-ubyte.gz")[:rows]
        source = f"Fashion-MNIST, {len(X)} images 28x28"
    else:
        from sklearn.datasets import load_digits

        print(
            "Fashion-MNIST not found: apt-get install dataset-fashion-mnist; "
            "using scikit-learn digits",
            file=sys.stderr,
        )
        digits = load_digits()
        X, y = digits.data[:rows], digits.target[:rows]
        source = f"scikit-learn digits, {len(X)} images 8x8"
    frame = pd.DataFrame(X, columns=[f"pixel_{j}" for j in range(X.shape[1])])
    frame["target"] = y
    return frame, source


def loom_epochs(frame: pd.DataFrame, algorithm: str, epochs: int) -> list[float]:
    """Seconds between ``train()``'s per-epoch callbacks (epochs 2..n)."""
    from loom.training.fitting import TrainingSpec, train

    marks: list[float] = []
    spec = TrainingSpec(
        algorithm=algorithm,
        params={"epochs": epochs, "early_stopping": False},
        target="target",
        seed=SEED,
    )
    train(frame, spec, on_epoch=lambda _i, _m: marks.append(time.perf_counter()))
    return list(np.diff(marks))


def plain_epochs(frame: pd.DataFrame, kind: str, epochs: int) -> list[float]:
    """A hand-written PyTorch loop over the same layers and training rows."""
    import torch
    from sklearn.model_selection import train_test_split

    X = frame.drop(columns="target").to_numpy(np.float64)
    y = frame["target"].to_numpy()
    X, _, y, _ = train_test_split(X, y, test_size=0.2, random_state=SEED, stratify=y)
    if kind == "mlp":
        X = (X - X.mean(0)) / np.where(X.std(0) == 0, 1.0, X.std(0))
        model = plain_mlp(X.shape[1], int(y.max()) + 1)
    else:
        X = (X - X.mean()) / (X.std() or 1.0)
        model = plain_cnn(int(np.sqrt(X.shape[1])), int(y.max()) + 1)
    inputs = torch.as_tensor(X, dtype=torch.float32)
    targets = torch.as_tensor(y, dtype=torch.long)
    torch.manual_seed(SEED)
    threads = torch.get_num_threads()
    if _is_small(model, 32):  # Loom's policy: one thread for small networks
        torch.set_num_threads(1)
    try:
        return _plain_loop(model, inputs, targets, epochs)
    finally:
        torch.set_num_threads(threads)


def _plain_loop(model: Any, inputs: Any, targets: Any, epochs: int) -> list[float]:
    import torch
    from torch import nn

    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        for batch in torch.randperm(len(inputs)).split(32):
            optimiser.zero_grad()
            loss = loss_fn(model(inputs[batch]), targets[batch])
            loss.backward()
            optimiser.step()
        times.append(time.perf_counter() - start)
    return times[1:]


def plain_mlp(n_in: int, n_out: int) -> Any:
    from torch import nn

    return nn.Sequential(
        nn.Linear(n_in, 64),
        nn.ReLU(),
        nn.Linear(64, 64),
        nn.ReLU(),
        nn.Linear(64, n_out),
    )


def plain_cnn(side: int, n_out: int) -> Any:
    from torch import nn

    def block(c_in: int, c_out: int) -> list[Any]:
        conv = nn.Conv2d(c_in, c_out, 3, padding=1)
        return [conv, nn.BatchNorm2d(c_out), nn.ReLU(), nn.MaxPool2d(2)]

    final = side // 2 // 2
    return nn.Sequential(
        nn.Unflatten(1, (1, side, side)),
        *block(1, 16),
        *block(16, 32),
        nn.Flatten(),
        nn.Linear(32 * final * final, 64),
        nn.ReLU(),
        nn.Linear(64, n_out),
    )


def bench_network(
    frame: pd.DataFrame, kind: str, epochs: int, repeats: int
) -> dict[str, Any]:
    """Per-epoch seconds of the plain loop and of Loom, interleaved rounds."""
    algorithm = {"mlp": "mlp_classifier", "cnn": "cnn_classifier"}[kind]
    seconds: dict[str, list[float]] = {"plain PyTorch": [], "loom train()": []}
    for _ in range(repeats):
        seconds["plain PyTorch"] += plain_epochs(frame, kind, epochs)
        seconds["loom train()"] += loom_epochs(frame, algorithm, epochs)
    return {"seconds": seconds, "baseline": "plain PyTorch"}


# -- main ---------------------------------------------------------------------


def main(argv: list[str] | None = None) -> Path:
    """Run the selected sections and write ``text.md``; its path."""
    import torch

    args = parse_args(argv)
    if args.epochs < 2:
        raise SystemExit("--epochs must be at least 2 (the first epoch is warm-up)")
    sections: dict[str, dict[str, Any]] = {}
    if "word2vec" not in args.skip:
        sections["word2vec"] = bench_word2vec(args)
        sections["word2vec"]["data"] = f"lee_background.cor to {args.tokens} tokens"
    if "mlp" not in args.skip:
        frame = mlp_frame(args.mlp_rows)
        sections["mlp"] = bench_network(frame, "mlp", args.epochs, args.repeats)
        sections["mlp"]["data"] = f"breast cancer repeated to {len(frame)} rows"
    if "cnn" not in args.skip:
        frame, source = cnn_frame(args.cnn_rows)
        sections["cnn"] = bench_network(frame, "cnn", args.epochs, args.repeats)
        sections["cnn"]["data"] = source
    machine = (
        f"{platform.processor() or platform.machine()}, torch threads "
        f"{torch.get_num_threads()}, Python {platform.python_version()}"
    )
    args.output.mkdir(parents=True, exist_ok=True)
    path = args.output / "text.md"
    path.write_text(markdown(sections, vars(args), machine, statistics.median))
    print(path.read_text())
    return path


if __name__ == "__main__":
    main()
