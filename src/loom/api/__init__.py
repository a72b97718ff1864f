"""The HTTP API (FastAPI): thin routers over the capability services.

Key names: ``create_app`` (the ASGI app), ``LoomState`` (what the app holds:
database, artifact store, dispatcher, endpoint runtimes). Non-goals: business
logic — handlers parse, call a service, and return its schema.
"""
