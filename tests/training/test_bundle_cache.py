"""The server's one model cache: one load per artifact key, bounded by LRU."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loom.storage.artifacts import open_artifact_store
from loom.training.bundle_cache import BundleCache
from loom.training.fitting import TrainingSpec, train


def test_bundle_cache_loads_once_per_key_and_evicts_least_recent(
    iris_df: pd.DataFrame, tmp_path: Path
) -> None:
    store = open_artifact_store(str(tmp_path / "artifacts"))
    bundle = train(iris_df, TrainingSpec("gaussian_nb", {}, "species")).bundle
    bundle.save(tmp_path / "model")
    for key in ("models/a", "models/b", "models/c"):
        store.put_dir(tmp_path / "model", key)
    cache = BundleCache(store, size=2)

    first = cache.get("models/a")
    assert cache.get("models/a") is first  # not read again
    assert first.predict_frame(iris_df.head(3))[0] == ["setosa"] * 3
    cache.get("models/b")
    cache.get("models/a")  # a is now the most recent
    cache.get("models/c")  # evicts b, the least recently used
    assert len(cache) == 2
    assert cache.get("models/a") is first
    assert cache.get("models/b") is not None and len(cache) == 2
    assert cache.get("models/a") is first  # b's return evicted c, not a
