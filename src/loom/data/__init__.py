"""Data: connect sources, import them as versioned Parquet, inspect schema and preview.

Key names: ``FileSource``/``SqlSource``/``UrlSource`` (schemas), ``import_source``
(the streaming import engine), ``start_import``/``register_version`` (service),
``run_import`` (the ``dataset.import`` job). A version is immutable and named by
the sha256 of its Parquet. Non-goals: labelling and feature pipelines (later
capabilities build on these datasets).
"""
