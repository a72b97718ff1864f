"""Tracking: experiments and training runs — what was trained, on what, and how well.

Key names: ``create_run`` (validate, then queue a ``training.run`` job), ``get_run``,
``list_runs``, ``compare_runs``; the job handler in ``tracking.jobs``.
A run's state is its job's state. Non-goals: metric histories per step (neural
training adds them later), nested runs.
"""
