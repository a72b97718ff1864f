"""Serving: online endpoints, endpoint tokens, the predict hot path and batch scoring.

Key names: ``create_endpoint``/``update_endpoint`` (deploy a version or alias),
``EndpointRuntimes`` (loaded models cached in the server process), ``predict``,
the ``batch.predict`` job in ``serving.jobs``.
Non-goals (for now): traffic splitting/gradual rollout, monitoring dashboards.
"""
