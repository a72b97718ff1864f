"""The bare FastAPI peer: one route that scores Loom's fitted estimator, no platform.

It is the "what does the model plus a web framework cost" baseline for
``benchmarks/serving.py``: the same fitted scikit-learn estimator Loom serves,
loaded straight from Loom's artifact directory (``estimator.joblib`` plus the
feature order and labels in ``bundle.json``), behind the most ordinary FastAPI
handler one would write: a pydantic request model, ``predict_proba`` with
the label taken as its argmax, and a plain dict response. That is exactly the
model work Loom's endpoint does (``ModelBundle._predict``); a separate
``predict`` call would run the whole pipeline a second time (about 0.18 ms for
the iris pipeline, a third of the request), which Loom does not do. It
deliberately has no auth, no per-column validation and no registry lookups,
which is the overhead Loom's endpoint is measured against. uvicorn settings
match ``loom server``.

``--mode sync`` (the default, the primary baseline) declares the route with
``def``, so FastAPI runs it in its threadpool, as Loom runs its predict work and
as FastAPI's docs advise for blocking calls. ``--mode async`` declares it
``async def`` and scores on the event loop: no thread hop and no GIL hand-offs
between threads, the fastest a one-process FastAPI app gets; it is measured as
a reference ceiling.

Run: ``.venv/bin/python benchmarks/bare_app.py --model-dir DIR --port PORT``.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel


class PredictRequest(BaseModel):
    """``{"records": [{column: number, ...}, ...]}``, as Loom's endpoint takes."""

    records: list[dict[str, float]]


def create_app(model_dir: Path, mode: str = "sync") -> FastAPI:
    """Load the estimator once and return an app with ``POST /predict``.

    Args:
        model_dir: a Loom model directory (``bundle.json`` + ``estimator.joblib``).
        mode: ``sync`` (``def`` route, threadpool) or ``async`` (event loop).
    """
    meta = json.loads((model_dir / "bundle.json").read_text())
    estimator = joblib.load(model_dir / "estimator.joblib")
    features: list[str] = meta["features"]
    # Loom fits classifiers on class codes 0..K-1; labels maps them back.
    labels: list[Any] = meta["labels"]
    out_labels = [labels[int(c)] for c in estimator.classes_]
    keys = [str(v) for v in out_labels]
    app = FastAPI()

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    def score(body: PredictRequest) -> dict[str, Any]:
        X = np.array([[r[f] for f in features] for r in body.records], dtype=float)
        proba = estimator.predict_proba(X)
        return {
            "predictions": [out_labels[i] for i in proba.argmax(axis=1).tolist()],
            "probabilities": [dict(zip(keys, p, strict=True)) for p in proba.tolist()],
        }

    if mode == "async":

        @app.post("/predict")
        async def predict_async(body: PredictRequest) -> dict[str, Any]:
            return score(body)

    else:

        @app.post("/predict")
        def predict(body: PredictRequest) -> dict[str, Any]:
            return score(body)

    return app


def main() -> None:
    """Serve the app on 127.0.0.1 with the same uvicorn settings as Loom."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model-dir", type=Path, required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--mode", choices=("sync", "async"), default="sync")
    args = parser.parse_args()
    uvicorn.run(
        create_app(args.model_dir, args.mode),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
