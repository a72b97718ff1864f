"""Test isolation: every test gets its own LOOM_HOME, SQLite file and settings."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from loom.algorithms.boosting.openmp import prefer_passive_wait
from loom.core.config import Settings, get_settings

# Before scikit-learn/LightGBM/XGBoost load in this process: two xdist workers on
# two cores starve each other when idle OpenMP threads spin.
prefer_passive_wait()

pytest_plugins = ["tests.fixtures.api", "tests.fixtures.postgres"]


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point LOOM_HOME at a fresh directory so no test touches a real home."""
    home = tmp_path / "loom-home"
    monkeypatch.setenv("LOOM_HOME", str(home))
    for name in (
        "LOOM_DATABASE_URL",
        "LOOM_ARTIFACT_ROOT",
        "LOOM_DATA_ROOTS",
        "LOOM_URL",
        "LOOM_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield home
    get_settings.cache_clear()


@pytest.fixture
def settings(_isolated_home: Path) -> Settings:
    """Settings for this test's home, with a fast job poll."""
    return Settings(home=_isolated_home, job_poll_interval_s=0.05)


@pytest.fixture
def seed() -> int:
    """The seed tests use (reproducibility is asserted with it)."""
    return 42
