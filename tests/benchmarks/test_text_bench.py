"""Smoke run of ``benchmarks/text.py``: every section runs and the page is written.

Timings are not asserted (they depend on the machine and its load); the point
is that the script keeps working as the training code changes underneath it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import ModuleType


def test_text_bench_main_writes_results_page(
    tmp_path: Path, bench: Callable[[str], ModuleType]
) -> None:
    text = bench("text")
    argv = ["--tokens", "3000", "--w2v-epochs", "1", "--mlp-rows", "400"]
    argv += ["--cnn-rows", "120", "--epochs", "2", "--repeats", "1"]
    path = text.main([*argv, "--output", str(tmp_path)])

    page = path.read_text()
    assert path == tmp_path / "text.md"
    for title in ("word2vec throughput", "MLP epoch time", "CNN epoch time"):
        assert f"## {title}" in page
    rows = ("gensim direct", "loom estimator fit", "loom train(): fitting")
    for row in (*rows, "loom train(): end to end", "plain PyTorch", "loom train()"):
        assert f"| {row} |" in page
    assert "vs <= 10%" in page and "vs <= 5%" in page


def test_text_bench_reads_fashion_mnist_idx_or_falls_back(
    bench: Callable[[str], ModuleType],
) -> None:
    text = bench("text")
    frame, source = text.cnn_frame(50)
    assert len(frame) == 50 and frame["target"].nunique() > 1
    side = 28 if source.startswith("Fashion") else 8
    assert frame.shape[1] == side * side + 1
