"""The training engine: featurize a table, fit a catalog algorithm, evaluate, bundle.

Key names: ``fitting.train`` with ``TrainingSpec`` / ``TrainingOutcome``;
``bundle.ModelBundle`` (save/load, ``predict_records`` for online serving,
``predict_frame`` for batch scoring); ``encoding.TabularEncoder``;
``evaluation`` (metrics and curve data) and ``plots`` (PNG charts).

Non-goals: storing runs, artifacts or jobs (the tracking and jobs capabilities
call ``train`` and save the bundle), HTTP, and hyper-parameter search.
Heavy libraries (matplotlib, lightgbm) are imported only where they are used.
"""
