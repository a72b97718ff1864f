"""The ``loom`` command line: ``loom <noun> <verb>``, ``--json`` on every command.

It talks to the server only through ``loom.client``; ``loom server`` starts one.
"""
