"""HTTP plumbing for the SDK: credentials, requests, errors, waiting on jobs."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import httpx
import orjson

DEFAULT_URL = "http://127.0.0.1:8700"


class LoomAPIError(Exception):
    """The server refused a call; ``detail`` is its one-line explanation."""

    def __init__(self, status_code: int, detail: str, code: str = "error") -> None:
        super().__init__(f"{detail} (HTTP {status_code})")
        self.status_code = status_code
        self.detail = detail
        self.code = code


def load_credentials() -> tuple[str, str | None]:
    """URL and token from ``LOOM_URL``/``LOOM_TOKEN`` or ``$LOOM_HOME/credentials``."""
    url = os.environ.get("LOOM_URL")
    token = os.environ.get("LOOM_TOKEN")
    path = Path(os.environ.get("LOOM_HOME", ".loom")).expanduser() / "credentials"
    if path.exists() and (url is None or token is None):
        stored = json.loads(path.read_text())
        url = url or stored.get("url")
        token = token or stored.get("token")
    return url or DEFAULT_URL, token


class Transport:
    """One httpx client bound to a server and a token."""

    def __init__(self, url: str, token: str | None, timeout_s: float) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.url = url.rstrip("/")
        self.http = httpx.Client(base_url=self.url, headers=headers, timeout=timeout_s)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send a call under ``/api/v1`` and raise ``LoomAPIError`` on failure."""
        try:
            response = self.http.request(method, f"/api/v1{path}", **kwargs)
        except httpx.TransportError as exc:
            raise LoomAPIError(
                0, f"cannot reach the Loom server at {self.url}: {exc}"
            ) from None
        if response.status_code >= 400:
            try:
                body = response.json()
                detail, code = str(body.get("detail")), str(body.get("code", "error"))
            except ValueError:
                detail, code = response.text or response.reason_phrase, "error"
            raise LoomAPIError(response.status_code, detail, code)
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        """Send a call and decode its JSON answer."""
        response = self.request(method, path, **kwargs)
        return orjson.loads(response.content) if response.content else None

    def wait_job(self, job_id: str, timeout_s: float = 600.0) -> dict[str, Any]:
        """Poll a job until it ends; raise ``LoomAPIError`` if it did not succeed."""
        deadline = time.monotonic() + timeout_s
        delay = 0.1
        while True:
            job: dict[str, Any] = self.json("GET", f"/jobs/{job_id}")
            if job["state"] == "succeeded":
                return job
            if job["state"] in ("failed", "cancelled"):
                raise LoomAPIError(
                    409,
                    f"job {job_id} {job['state']}: {job.get('error')}",
                    job["state"],
                )
            if time.monotonic() > deadline:
                raise LoomAPIError(
                    408, f"job {job_id} still {job['state']} after {timeout_s:.0f}s"
                )
            time.sleep(delay)
            delay = min(delay * 1.5, 1.0)
