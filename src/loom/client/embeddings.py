"""``client.embeddings``: similarity queries against a trained embedding run."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

import numpy as np

from loom.client.base import Transport


class Embeddings:
    """Neighbours, analogies, similarities and vectors of an embedding run."""

    def __init__(self, transport: Transport) -> None:
        self._t = transport

    def similar(
        self,
        run_id: str,
        positive: str | Sequence[str],
        negative: Sequence[str] | None = None,
        topn: int = 10,
    ) -> builtins.list[tuple[str, float]]:
        """Nearest words to ``positive`` (minus ``negative``: an analogy).

        ``similar(run, ["king", "woman"], ["man"])`` looks for queen.

        Returns:
            ``(word, cosine)`` pairs, most similar first.

        Raises:
            LoomAPIError: 404 unknown run, 409 no model yet, 422 a word the
                model has no vector for, or not a word model.
        """
        words = [positive] if isinstance(positive, str) else list(positive)
        body = {"positive": words, "negative": list(negative or []), "topn": topn}
        data = self._t.json("POST", f"/runs/{run_id}/embeddings/similar", json=body)
        return [(item["word"], float(item["score"])) for item in data["items"]]

    def similarity(self, run_id: str, a: str, b: str) -> float:
        """Cosine similarity of two words (word models) or two texts."""
        data = self._t.json(
            "POST", f"/runs/{run_id}/embeddings/similarity", json={"a": a, "b": b}
        )
        return float(data["similarity"])

    def vectors(self, run_id: str, texts: Sequence[str]) -> np.ndarray:
        """The embedding of each text, ``(len(texts), dimension)`` float32."""
        data = self._t.json(
            "POST", f"/runs/{run_id}/embeddings/vectors", json={"texts": list(texts)}
        )
        matrix = np.asarray(data["vectors"], dtype=np.float32)
        return matrix.reshape(len(texts), int(data["dimension"]))
