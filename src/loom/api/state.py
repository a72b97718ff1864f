"""Everything a running server holds, in one object on ``app.state.loom``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from loom.auth.service import PrincipalCache
from loom.core.config import Settings
from loom.jobs.dispatcher import Dispatcher
from loom.serving.runtime import EndpointRuntimes
from loom.storage.artifacts import ArtifactStore
from loom.storage.db import Database

if TYPE_CHECKING:
    from loom.vectors.service import VectorService


@dataclass
class LoomState:
    """The server's long-lived parts."""

    settings: Settings
    db: Database
    artifacts: ArtifactStore
    principals: PrincipalCache
    runtimes: EndpointRuntimes
    dispatcher: Dispatcher | None
    # Opened in the app's lifespan (it starts threads and locks directories).
    vectors: VectorService | None = None
