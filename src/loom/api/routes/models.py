"""The model registry: register, list, show, versions, aliases, export."""

from __future__ import annotations

import tempfile
from pathlib import Path as FilePath
from typing import Literal

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel

from loom.api.deps import CurrentPrincipal, SessionDep, StateDep
from loom.core.pages import Page
from loom.registry import service
from loom.registry.schemas import (
    ALIAS_PATTERN,
    AliasSet,
    ModelPublic,
    ModelRegister,
    ModelVersionPublic,
)

router = APIRouter(prefix="/models", tags=["models"])


class ExportInfo(BaseModel):
    """Which export formats a model version offers (empty: not a neural model)."""

    model_name: str
    version: int
    algorithm: str
    formats: list[str]


@router.post("", status_code=status.HTTP_201_CREATED)
def register_model(
    body: ModelRegister, principal: CurrentPrincipal, session: SessionDep
) -> ModelVersionPublic:
    """Register a succeeded run's model as the next version of a named model."""
    return service.register_model(
        session, workspace_id=principal.workspace_id, request=body
    )


@router.get("")
def list_models(principal: CurrentPrincipal, session: SessionDep) -> Page[ModelPublic]:
    """The workspace's registered models."""
    return service.list_models(session, workspace_id=principal.workspace_id)


@router.get("/{model}")
def get_model(
    model: str, principal: CurrentPrincipal, session: SessionDep
) -> ModelPublic:
    """A model with every version and alias."""
    return service.get_model(session, workspace_id=principal.workspace_id, ref=model)


@router.get("/{model}/versions/{version}")
def get_version(
    model: str, version: int, principal: CurrentPrincipal, session: SessionDep
) -> ModelVersionPublic:
    """One version with its lineage and input schema."""
    return service.get_version(
        session, workspace_id=principal.workspace_id, ref=model, version=version
    )


@router.get(
    "/{model}/versions/{version}/export",
    response_model=None,
    responses={200: {"content": {"application/zip": {}}}},
)
def export_version(
    model: str,
    version: int,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
    format: Literal["onnx", "torchscript"] | None = Query(None),
) -> Response | ExportInfo:
    """A neural model version as a zip (ONNX or TorchScript + preprocessing.json).

    Without ``format`` it answers which formats the version offers, so a
    client can ask before downloading.
    """
    from loom.algorithms.neural.export import FORMATS, exportable_algorithms

    found, row = service.resolve_version_row(
        session, workspace_id=principal.workspace_id, ref=model, version=version
    )
    if format is None:
        neural = row.algorithm in exportable_algorithms()
        return ExportInfo(
            model_name=found.name,
            version=row.version,
            algorithm=row.algorithm,
            formats=list(FORMATS) if neural else [],
        )
    from loom.algorithms.neural.export import export_bundle

    with (
        tempfile.TemporaryDirectory() as tmp,
        state.artifacts.local_path(row.artifact_key) as bundle_dir,
    ):
        out = export_bundle(bundle_dir, format, FilePath(tmp) / "export.zip")
        content = out.read_bytes()
    filename = f"{found.name}-v{row.version}-{format}.zip"
    return Response(
        content,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.put("/{model}/aliases/{alias}")
def set_alias(
    model: str,
    body: AliasSet,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
    alias: str = Path(pattern=ALIAS_PATTERN),
) -> ModelPublic:
    """Point an alias (``production``, ``staging``…) at a version; endpoints that
    follow the alias switch to it."""
    result = service.set_alias(
        session,
        workspace_id=principal.workspace_id,
        ref=model,
        alias=alias,
        version=body.version,
    )
    state.runtimes.invalidate(principal.workspace_id)
    return result


@router.delete("/{model}/aliases/{alias}")
def delete_alias(
    model: str,
    alias: str,
    principal: CurrentPrincipal,
    session: SessionDep,
    state: StateDep,
) -> ModelPublic:
    """Remove an alias."""
    result = service.delete_alias(
        session, workspace_id=principal.workspace_id, ref=model, alias=alias
    )
    state.runtimes.invalidate(principal.workspace_id)
    return result
