"""Helpers for API tests that need data registered without running a job."""

from __future__ import annotations

from typing import Any

from loom.auth import service as auth_service
from loom.data import service as data_service
from tests.fixtures.api import Api


def register_frame(api: Api, name: str, frame: Any) -> None:
    """Import ``frame`` in-process (as the import job would) and register it."""
    from loom.data.importing import import_source
    from loom.data.schemas import FileSource

    path = api.data_dir / f"{name}.csv"
    frame.to_csv(path, index=False)
    workdir = api.settings.home / "work" / name
    workdir.mkdir(parents=True, exist_ok=True)
    result = import_source(
        FileSource(path=str(path)), data_roots=[api.data_dir], workdir=workdir
    )
    state = api.client.app.state.loom  # type: ignore[attr-defined]
    with state.db.session() as session:
        ws = auth_service.authenticate(session, api.token).workspace_id
        key = data_service.dataset_artifact_key(ws, f"ds_{name}", result.content_hash)
        state.artifacts.put_file(result.parquet_path, key)
        data_service.register_version(
            session,
            workspace_id=ws,
            name=name,
            description="",
            dataset_id=f"ds_{name}",
            content_hash=result.content_hash,
            row_count=result.row_count,
            size_bytes=result.size_bytes,
            columns=[c.model_dump(mode="json") for c in result.columns],
            preview=result.preview,
            source={"kind": "file"},
            artifact_key=key,
            job_id=None,
        )
