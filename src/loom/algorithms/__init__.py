"""The algorithm catalog: every trainable algorithm, its parameters and its builder.

Key names: ``Task``, ``Algorithm`` (in ``base``), and in ``registry``:
``get_algorithm``, ``list_algorithms``, ``validate_params``, ``describe`` and the
``register`` decorator. Adapters live in family packages (``classical/``,
``boosting/``) and are discovered lazily from ``registry._CATALOG_MODULES``.

Non-goals: training loops, metrics and model bundles (see ``loom.training``);
hyper-parameter search; anything that touches the database or HTTP.
"""
