"""The Python SDK: ``from loom import Client``.

Key names: ``Client`` (one per server + token) with resources ``datasets``, ``jobs``,
``algorithms``, ``runs``, ``models``, ``endpoints``; ``LoomAPIError``.
It imports only the capabilities' ``schemas`` modules, so it stays light.
"""

from loom.client.base import LoomAPIError
from loom.client.client import Client

__all__ = ["Client", "LoomAPIError"]
