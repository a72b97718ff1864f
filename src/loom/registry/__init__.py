"""Model registry: named models, numbered versions from runs, and movable aliases.

Key names: ``register_model`` (run → new version), ``set_alias``, ``resolve_version``
(version number or alias → version). A version keeps lineage (run, dataset version)
and the input schema the endpoint validates against. Non-goals: stage workflows
with approvals (aliases cover ``staging``/``production``).
"""
