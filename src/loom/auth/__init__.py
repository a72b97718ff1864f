"""Auth: workspaces, hashed API tokens, and who is calling.

Key names: ``Principal`` (the caller), ``authenticate`` (token → principal),
``issue_token``, ``bootstrap`` (first-start default workspace + admin token).
Scopes: ``admin`` (workspace + create workspaces/tokens), ``workspace`` (everything in
one workspace), ``endpoint`` (predict on one endpoint only).
Non-goals: users, passwords, SSO — tokens are the only credential for now.
"""
