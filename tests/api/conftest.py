"""Fixtures shared by the API tests."""

from __future__ import annotations

import pytest

from loom.client import Client
from tests.fixtures.api import Api


@pytest.fixture
def sdk(api: Api) -> Client:
    """An SDK client whose calls go to the in-process app."""
    client = Client(url="http://testserver", token=api.token)
    api.client.headers["Authorization"] = f"Bearer {api.token}"
    # The TestClient speaks httpx's interface to the app in this process.
    client._transport.http = api.client  # type: ignore[assignment]
    return client
