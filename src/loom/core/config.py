"""One settings object, read from ``LOOM_*`` environment variables."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Loom's configuration; every default works with zero set-up and is safe.

    Attributes:
        home: where the embedded database, artifacts, logs and credentials live.
        database_url: SQLAlchemy URL; SQLite under ``home`` unless set.
        artifact_root: a local directory or any fsspec URL (``s3://bucket/prefix``).
        executor: job executor name (``local``; ``ray`` when installed).
        executor_workers: how many jobs run at once in the local executor.
        data_roots: the only directories file imports may read from.
        host/port: where the server listens; loopback by default.
        scheduler_enabled / scheduler_interval_s: the pipeline scheduler thread
            and how often it looks for due schedules and ended runs to alert on.
        smtp_*: the SMTP server pipeline alert e-mails go through (none by
            default: e-mail alerts are then logged as not sent).
    """

    model_config = SettingsConfigDict(env_prefix="LOOM_", extra="ignore")

    home: Path = Field(default=Path(".loom"))
    database_url: str | None = None
    artifact_root: str | None = None
    executor: Literal["local", "ray"] = "local"
    executor_workers: int = Field(default=2, ge=1, le=64)
    data_roots: str | None = Field(
        default=None,
        description="os.pathsep-separated directories file imports may read from.",
    )
    host: str = "127.0.0.1"
    port: int = Field(default=8700, ge=1, le=65535)
    job_poll_interval_s: float = Field(default=0.2, gt=0, le=10)
    token_cache_ttl_s: float = Field(default=5.0, ge=0, le=300)
    scheduler_enabled: bool = True
    scheduler_interval_s: float = Field(default=30.0, gt=0, le=3600)
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "loom@localhost"

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, value: Path) -> Path:
        return value.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        """The metadata store URL, defaulting to ``sqlite:///$LOOM_HOME/loom.db``."""
        return self.database_url or f"sqlite:///{self.home / 'loom.db'}"

    @property
    def resolved_artifact_root(self) -> str:
        """The artifact root, defaulting to ``$LOOM_HOME/artifacts``."""
        return self.artifact_root or str(self.home / "artifacts")

    @property
    def resolved_data_roots(self) -> list[Path]:
        """Directories file imports may read (default: data/ and uploads/ in home)."""
        if self.data_roots:
            parts = [p for p in self.data_roots.split(os.pathsep) if p.strip()]
            return [Path(p).expanduser().resolve() for p in parts]
        return [self.home / "data", self.uploads_dir]

    @property
    def uploads_dir(self) -> Path:
        """Where files uploaded through the API or UI land before import."""
        return self.home / "uploads"

    @property
    def logs_dir(self) -> Path:
        """Where job logs are written."""
        return self.home / "logs"

    @property
    def credentials_path(self) -> Path:
        """The admin token file written on first start (mode 0600)."""
        return self.home / "credentials"

    @property
    def server_url(self) -> str:
        """The URL clients on this machine use to reach the server."""
        return f"http://{self.host}:{self.port}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings (cached; tests clear the cache)."""
    return Settings()
