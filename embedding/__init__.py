"""Golden Record inside other programs: `running()` starts the real service for a test
suite or a script, and `pytest_plugin` offers it as fixtures.

    with goldenrecord.running({"webhooks.max_attempts": 1}) as gr:
        gr.session.post("/api/v1/organizations", json={"name": "Acme", "slug": "acme"})
"""
from .instance import Instance, running, start

__all__ = ["Instance", "running", "start"]
