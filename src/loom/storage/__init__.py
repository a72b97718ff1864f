"""Storage: the metadata database (SQLAlchemy 2 + Alembic) and the artifact store.

Key names: ``Database`` (engine + sessions from a URL), ``Base`` (ORM base),
``migrate`` (Alembic upgrade to head), ``ArtifactStore`` / ``open_artifact_store``.
Non-goals: no business logic; services in each capability own their queries.
"""
