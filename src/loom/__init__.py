"""Loom: a self-hosted machine-learning platform.

Key names: ``loom.Client`` (the Python SDK). The server lives in ``loom.api``,
the command line in ``loom.cli``. ``import loom`` stays light: heavy libraries are
imported only by the modules that need them.
"""

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Client", "__version__"]

if TYPE_CHECKING:
    from loom.client import Client


def __getattr__(name: str) -> Any:
    # Lazy so that `import loom` does not pull httpx into server workers.
    if name == "Client":
        from loom.client import Client

        return Client
    raise AttributeError(name)
