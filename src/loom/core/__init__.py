"""Core: settings, errors and small helpers every capability shares.

Key names: ``Settings``/``get_settings`` (config), ``LoomError`` and its subclasses
(errors), ``new_id`` (ids), ``utcnow`` (clock). Non-goals: no I/O, no database.
"""
