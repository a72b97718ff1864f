"""The web UI: the built React bundle (``ui/dist``) that the server serves at ``/``.

Sources live in the repository's ``frontend/`` (React + TypeScript + Vite); ``make run``
builds them into this package. Non-goals: no server-side rendering.
"""
