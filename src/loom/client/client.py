"""``Client`` and its resources, one per capability."""

from __future__ import annotations

import builtins
from pathlib import Path
from typing import Any

from loom.auth.schemas import TokenPublic, WhoAmI
from loom.client.base import Transport, load_credentials
from loom.client.embeddings import Embeddings
from loom.client.pipelines import Pipelines
from loom.client.runs import Runs
from loom.client.vectors import Vectors
from loom.data.dataset_schemas import (
    DatasetPreview,
    DatasetPublic,
    DatasetVersionPublic,
)
from loom.jobs.schemas import JobPublic
from loom.registry.schemas import ModelPublic, ModelVersionPublic
from loom.serving.schemas import EndpointPublic, PredictResponse


class _Resource:
    def __init__(self, transport: Transport) -> None:
        self._t = transport


class Jobs(_Resource):
    """Background jobs: imports, training, batch scoring."""

    def list(
        self, state: str | None = None, type: str | None = None
    ) -> builtins.list[JobPublic]:
        params = {k: v for k, v in {"state": state, "type": type}.items() if v}
        data = self._t.json("GET", "/jobs", params=params)
        return [JobPublic.model_validate(j) for j in data["items"]]

    def get(self, job_id: str) -> JobPublic:
        return JobPublic.model_validate(self._t.json("GET", f"/jobs/{job_id}"))

    def logs(self, job_id: str) -> str:
        return self._t.request("GET", f"/jobs/{job_id}/logs").text

    def cancel(self, job_id: str) -> JobPublic:
        return JobPublic.model_validate(self._t.json("POST", f"/jobs/{job_id}/cancel"))

    def retry(self, job_id: str) -> JobPublic:
        return JobPublic.model_validate(self._t.json("POST", f"/jobs/{job_id}/retry"))

    def wait(self, job_id: str, timeout_s: float = 600.0) -> JobPublic:
        """Block until the job succeeds; raises ``LoomAPIError`` if it fails."""
        return JobPublic.model_validate(self._t.wait_job(job_id, timeout_s))


class Datasets(_Resource):
    """Datasets and their versions."""

    def import_source(
        self,
        name: str,
        source: dict[str, Any],
        *,
        description: str = "",
        wait: bool = True,
    ) -> DatasetPublic | JobPublic:
        """Import from a source spec (``{"kind": "file"|"sql"|"url", …}``)."""
        body = {"name": name, "source": source, "description": description}
        job = self._t.json("POST", "/datasets/imports", json=body)
        if not wait:
            return JobPublic.model_validate(job)
        self._t.wait_job(job["id"])
        return self.get(name)

    def import_file(
        self,
        name: str,
        path: str | Path,
        *,
        format: str | None = None,
        wait: bool = True,
    ) -> DatasetPublic | JobPublic:
        """Import a CSV/Parquet/JSON-lines file inside the server's data roots.

        A relative path that exists here is made absolute (client and server
        usually share the machine); otherwise the server reads it relative to
        its first data root.
        """
        local = Path(path).expanduser()
        if not local.is_absolute() and local.exists():
            local = local.resolve()
        source = {"kind": "file", "path": str(local), "format": format}
        return self.import_source(name, source, wait=wait)

    def import_sql(
        self, name: str, url: str, query: str, *, wait: bool = True
    ) -> DatasetPublic | JobPublic:
        """Import the result of a SQL query (SQLAlchemy URL)."""
        return self.import_source(
            name, {"kind": "sql", "url": url, "query": query}, wait=wait
        )

    def import_url(
        self, name: str, url: str, *, format: str | None = None, wait: bool = True
    ) -> DatasetPublic | JobPublic:
        """Import from an fsspec URL (``s3://…``)."""
        return self.import_source(
            name, {"kind": "url", "url": url, "format": format}, wait=wait
        )

    def upload(
        self, name: str, path: str | Path, *, wait: bool = True
    ) -> DatasetPublic | JobPublic:
        """Upload a local file to the server and import it."""
        path = Path(path)
        with path.open("rb") as handle:
            job = self._t.json(
                "POST",
                "/datasets/uploads",
                data={"name": name},
                files={"file": (path.name, handle)},
            )
        if not wait:
            return JobPublic.model_validate(job)
        self._t.wait_job(job["id"])
        return self.get(name)

    def list(self) -> builtins.list[DatasetPublic]:
        return [
            DatasetPublic.model_validate(d)
            for d in self._t.json("GET", "/datasets")["items"]
        ]

    def get(self, ref: str) -> DatasetPublic:
        return DatasetPublic.model_validate(self._t.json("GET", f"/datasets/{ref}"))

    def versions(self, ref: str) -> builtins.list[DatasetVersionPublic]:
        data = self._t.json("GET", f"/datasets/{ref}/versions")
        return [DatasetVersionPublic.model_validate(v) for v in data["items"]]

    def preview(self, ref: str, version: int | None = None) -> DatasetPreview:
        params = {"version": version} if version else {}
        return DatasetPreview.model_validate(
            self._t.json("GET", f"/datasets/{ref}/preview", params=params)
        )


class Algorithms(_Resource):
    """The algorithm catalog."""

    def list(self, task: str | None = None) -> builtins.list[dict[str, Any]]:
        params = {"task": task} if task else {}
        items: list[dict[str, Any]] = self._t.json("GET", "/algorithms", params=params)[
            "items"
        ]
        return items

    def get(self, name: str) -> dict[str, Any]:
        result: dict[str, Any] = self._t.json("GET", f"/algorithms/{name}")
        return result


class Models(_Resource):
    """The model registry."""

    def register(
        self, name: str, run_id: str, description: str = ""
    ) -> ModelVersionPublic:
        body = {"name": name, "run_id": run_id, "description": description}
        return ModelVersionPublic.model_validate(
            self._t.json("POST", "/models", json=body)
        )

    def list(self) -> builtins.list[ModelPublic]:
        return [
            ModelPublic.model_validate(m)
            for m in self._t.json("GET", "/models")["items"]
        ]

    def get(self, ref: str) -> ModelPublic:
        return ModelPublic.model_validate(self._t.json("GET", f"/models/{ref}"))

    def version(self, ref: str, version: int) -> ModelVersionPublic:
        return ModelVersionPublic.model_validate(
            self._t.json("GET", f"/models/{ref}/versions/{version}")
        )

    def set_alias(self, ref: str, alias: str, version: int) -> ModelPublic:
        data = self._t.json(
            "PUT", f"/models/{ref}/aliases/{alias}", json={"version": version}
        )
        return ModelPublic.model_validate(data)

    def delete_alias(self, ref: str, alias: str) -> ModelPublic:
        return ModelPublic.model_validate(
            self._t.json("DELETE", f"/models/{ref}/aliases/{alias}")
        )

    def export(self, ref: str, version: int, format: str, path: str | Path) -> Path:
        """Download a neural model version as a zip (``onnx`` or ``torchscript``).

        The zip holds the model file, ``preprocessing.json`` and a README
        saying how to feed it. Returns the path written.
        """
        response = self._t.request(
            "GET",
            f"/models/{ref}/versions/{version}/export",
            params={"format": format},
        )
        target = Path(path)
        target.write_bytes(response.content)
        return target


class Endpoints(_Resource):
    """Online endpoints and batch scoring."""

    def deploy(
        self,
        name: str,
        model: str,
        *,
        version: int | None = None,
        alias: str | None = None,
    ) -> EndpointPublic:
        body = {"name": name, "model": model, "version": version, "alias": alias}
        return EndpointPublic.model_validate(
            self._t.json("POST", "/endpoints", json=body)
        )

    def update(
        self,
        name: str,
        *,
        model: str | None = None,
        version: int | None = None,
        alias: str | None = None,
    ) -> EndpointPublic:
        body = {"model": model, "version": version, "alias": alias}
        return EndpointPublic.model_validate(
            self._t.json("PATCH", f"/endpoints/{name}", json=body)
        )

    def list(self) -> builtins.list[EndpointPublic]:
        return [
            EndpointPublic.model_validate(e)
            for e in self._t.json("GET", "/endpoints")["items"]
        ]

    def get(self, name: str) -> EndpointPublic:
        return EndpointPublic.model_validate(self._t.json("GET", f"/endpoints/{name}"))

    def delete(self, name: str) -> None:
        self._t.request("DELETE", f"/endpoints/{name}")

    def create_token(self, name: str, token_name: str = "endpoint") -> TokenPublic:
        data = self._t.json(
            "POST", f"/endpoints/{name}/tokens", json={"name": token_name}
        )
        return TokenPublic.model_validate(data)

    def predict(
        self, name: str, records: builtins.list[dict[str, Any]]
    ) -> PredictResponse:
        data = self._t.json(
            "POST", f"/endpoints/{name}/predict", json={"records": records}
        )
        return PredictResponse.model_validate(data)

    def batch_predict(
        self,
        *,
        model: str,
        dataset: str,
        output_name: str,
        version: int | None = None,
        alias: str | None = None,
        wait: bool = True,
    ) -> JobPublic:
        body = {
            "model": model,
            "dataset": dataset,
            "output_name": output_name,
            "version": version,
            "alias": alias,
        }
        job = self._t.json("POST", "/batch-predictions", json=body)
        return JobPublic.model_validate(self._t.wait_job(job["id"]) if wait else job)


class Client:
    """A connection to a Loom server.

    Args:
        url: server URL (default ``LOOM_URL``, the credentials file, or
            ``http://127.0.0.1:8700``).
        token: API token (default ``LOOM_TOKEN`` or ``$LOOM_HOME/credentials``).
        timeout_s: per-request timeout.

    Example:
        >>> client = Client()
        >>> ds = client.datasets.import_file("iris", "iris.csv")
        >>> run = client.runs.create(dataset="iris", target="species",
        ...                          algorithm="random_forest_classifier")
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        *,
        timeout_s: float = 60.0,
    ) -> None:
        stored_url, stored_token = load_credentials()
        self._transport = Transport(url or stored_url, token or stored_token, timeout_s)
        self.jobs = Jobs(self._transport)
        self.datasets = Datasets(self._transport)
        self.algorithms = Algorithms(self._transport)
        self.runs = Runs(self._transport)
        self.models = Models(self._transport)
        self.endpoints = Endpoints(self._transport)
        self.vectors = Vectors(self._transport)
        self.pipelines = Pipelines(self._transport)
        self.embeddings = Embeddings(self._transport)

    @property
    def url(self) -> str:
        """The server this client talks to."""
        return self._transport.url

    def whoami(self) -> WhoAmI:
        """The caller's workspace and token."""
        return WhoAmI.model_validate(self._transport.json("GET", "/whoami"))

    def health(self) -> dict[str, Any]:
        """The server's health answer (needs no token)."""
        result: dict[str, Any] = self._transport.json("GET", "/health")
        return result

    def close(self) -> None:
        """Close the underlying HTTP connections."""
        self._transport.http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()
