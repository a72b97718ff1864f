"""``create_app``: the FastAPI application with its lifespan, routers and UI."""

from __future__ import annotations

import gc
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

from loom import __version__
from loom.api.deps import authenticate_request
from loom.api.errors import install_error_handlers
from loom.api.routes import (
    algorithms,
    datasets,
    embeddings,
    endpoints,
    identity,
    jobs,
    models,
    pipelines,
    runs,
    vectors,
    vectors_data,
)
from loom.api.state import LoomState
from loom.auth import service as auth_service
from loom.auth.service import PrincipalCache
from loom.core.config import Settings, get_settings
from loom.jobs.dispatcher import Dispatcher
from loom.jobs.executors import create_executor
from loom.serving.runtime import EndpointRuntimes
from loom.storage.artifacts import open_artifact_store
from loom.storage.db import Database

if TYPE_CHECKING:
    from loom.pipelines.scheduling import Scheduler

UI_DIST = Path(__file__).resolve().parent.parent / "ui" / "dist"


def _operation_id(route: APIRoute) -> str:
    tag = route.tags[0] if route.tags else "default"
    return f"{tag}-{route.name}"


def build_state(settings: Settings, *, run_dispatcher: bool) -> LoomState:
    """Open the stores, migrate the database and prepare the dispatcher."""
    settings.home.mkdir(parents=True, exist_ok=True)
    for root in settings.resolved_data_roots:
        if root.is_relative_to(settings.home):
            root.mkdir(parents=True, exist_ok=True)
    db = Database(settings.resolved_database_url)
    db.migrate()
    artifacts = open_artifact_store(settings.resolved_artifact_root)
    dispatcher = (
        Dispatcher(db, create_executor(settings), settings) if run_dispatcher else None
    )
    return LoomState(
        settings=settings,
        db=db,
        artifacts=artifacts,
        principals=PrincipalCache(settings.token_cache_ttl_s),
        runtimes=EndpointRuntimes(db, artifacts),
        dispatcher=dispatcher,
    )


def _bootstrap(state: LoomState) -> None:
    with state.db.session() as session:
        token = auth_service.bootstrap(
            session,
            credentials_path=state.settings.credentials_path,
            server_url=state.settings.server_url,
        )
    if token is not None:
        from loom.data.demo import write_demo_files

        demo_dir = state.settings.home / "data"
        if demo_dir in state.settings.resolved_data_roots:
            write_demo_files(demo_dir)
        sys.stdout.write(
            "\nLoom created the 'default' workspace and an admin token (shown once,\n"
            f"also saved to {state.settings.credentials_path}):\n\n    {token}\n\n"
        )
        sys.stdout.flush()


def create_app(
    settings: Settings | None = None, *, run_dispatcher: bool = True
) -> FastAPI:
    """Build the Loom server application.

    Args:
        settings: configuration (from the environment when omitted).
        run_dispatcher: start the job dispatcher; tests of pure API behaviour turn
            it off to keep jobs queued.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state = build_state(settings, run_dispatcher=run_dispatcher)
        _bootstrap(state)
        from loom.vectors.service import VectorService

        state.vectors = vector_service = VectorService(
            settings.home / "vectors", state.db, bundles=state.runtimes.bundles
        )
        app.state.loom = state
        if state.dispatcher is not None:
            state.dispatcher.start()
        scheduler = _start_scheduler(state)
        # Everything loaded at start-up (libraries, routes, settings) lives for the
        # whole process: move it out of the collector's sight, so full collections
        # scan only request garbage instead of pausing predict traffic for tens of
        # milliseconds (Instagram's gc.freeze habit).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if scheduler is not None:
                scheduler.stop()
            if state.dispatcher is not None:
                state.dispatcher.stop()
            vector_service.close()
            state.db.dispose()

    app = FastAPI(
        title="Loom",
        version=__version__,
        summary="A self-hosted machine-learning platform.",
        lifespan=lifespan,
        generate_unique_id_function=_operation_id,
    )
    install_error_handlers(app)
    api = APIRouter(prefix="/api/v1")
    # predict authenticates inside its handler (off the hot path's dependency
    # machinery) and is matched first; see routes/endpoints.py.
    api.include_router(endpoints.predict_router)
    api.include_router(vectors_data.search_router)
    api.include_router(identity.public_router)
    for module in (
        identity,
        jobs,
        datasets,
        algorithms,
        runs,
        models,
        vectors,
        vectors_data,
        pipelines,
        embeddings,
    ):
        api.include_router(module.router, dependencies=[Depends(authenticate_request)])
    api.include_router(endpoints.router)
    app.include_router(api)
    _mount_ui(app)
    return app


def _start_scheduler(state: LoomState) -> Scheduler | None:
    """The pipeline scheduler thread (one per process), unless turned off."""
    if not state.settings.scheduler_enabled:
        return None
    from loom.pipelines.scheduling import Scheduler

    dispatcher = state.dispatcher
    scheduler = Scheduler(
        state.db, state.settings, dispatcher.wake if dispatcher else None
    )
    scheduler.start()
    return scheduler


def _mount_ui(app: FastAPI) -> None:
    if (UI_DIST / "index.html").exists():
        app.mount("/", StaticFiles(directory=UI_DIST, html=True), name="ui")
        return

    @app.get("/", include_in_schema=False)
    def ui_missing() -> HTMLResponse:
        return HTMLResponse(
            "<h1>Loom</h1><p>The web UI is not built. Run <code>make run</code> "
            "(or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>). "
            "The API is at <a href='/docs'>/docs</a>.</p>"
        )
