"""VectorManager: per-workspace directories, caching, drop, snapshots."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from loom.core.errors import ConflictError, InvalidInputError, NotFoundError
from loom.vectors.manager import VectorManager
from tests.vectors.conftest import make_schema


def test_manager_keeps_workspaces_apart(tmp_path: Path) -> None:
    manager = VectorManager(tmp_path, snapshot_interval_s=0)
    created = manager.create("ws1", make_schema())
    created.insert([1], np.ones((1, 16)))
    assert manager.get("ws1", "items") is created
    assert manager.list("ws1") == ["items"]
    assert manager.list("ws2") == []
    with pytest.raises(NotFoundError):
        manager.get("ws2", "items")
    with pytest.raises(ConflictError):
        manager.create("ws1", make_schema())
    manager.close_all()


def test_manager_rejects_path_like_names(tmp_path: Path) -> None:
    manager = VectorManager(tmp_path, snapshot_interval_s=0)
    with pytest.raises(InvalidInputError, match="workspace"):
        manager.get("../etc", "items")
    with pytest.raises(InvalidInputError, match="collection name"):
        manager.get("ws1", "../x")


def test_manager_snapshots_dirty_collections_and_reopens_them(tmp_path: Path) -> None:
    manager = VectorManager(tmp_path, snapshot_interval_s=0)
    c = manager.create("ws1", make_schema())
    c.insert([1, 2], np.ones((2, 16)))
    assert c.stats().wal_bytes > 0
    assert manager.snapshot_dirty() == 1
    assert c.stats().wal_bytes == 0 and not c.is_dirty
    assert manager.snapshot_dirty() == 0
    manager.close_all()
    again = VectorManager(tmp_path, snapshot_interval_s=0)
    assert again.get("ws1", "items").count() == 2
    again.drop("ws1", "items")
    assert again.list("ws1") == []
    with pytest.raises(NotFoundError):
        again.drop("ws1", "items")
    again.close_all()


def test_manager_background_thread_snapshots(tmp_path: Path) -> None:
    manager = VectorManager(tmp_path, snapshot_interval_s=0.05)
    c = manager.create("ws1", make_schema())
    c.insert([1], np.ones((1, 16)))
    for _ in range(200):
        if not c.is_dirty:
            break
        time.sleep(0.02)
    assert not c.is_dirty
    manager.close_all()
