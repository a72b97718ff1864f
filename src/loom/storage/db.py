"""Engine and sessions from a URL, and migrations to head on start."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from loom.storage.dialects import engine_options, install_pragmas

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


class Database:
    """An engine plus a session factory for one metadata store URL.

    Args:
        url: SQLAlchemy URL (``sqlite:///path`` or ``postgresql+psycopg://…``).
    """

    def __init__(self, url: str) -> None:
        # Every table must be known before the first flush: foreign keys between
        # capabilities resolve through the shared metadata.
        import loom.storage.all_tables  # noqa: F401

        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database:
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        self.url = url
        self.engine: Engine = create_engine(url, **engine_options(url))
        install_pragmas(self.engine)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self._sessions.begin() as session:
            yield session

    def migrate(self) -> None:
        """Upgrade the schema to the newest Alembic revision."""
        upgrade_to_head(self.engine)

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def alembic_config(engine: Engine) -> object:
    """An Alembic ``Config`` bound to ``engine`` (so env.py needs no URL of its own)."""
    from alembic.config import Config

    config = Config(str(MIGRATIONS_DIR / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def upgrade_to_head(engine: Engine) -> None:
    """Run Alembic migrations up to head."""
    from alembic import command

    command.upgrade(alembic_config(engine), "head")  # type: ignore[arg-type]
