"""/healthz: answers once the database is open and migrated, for scripts to wait on."""
from .responses import ok


class HealthResource:
    public = True

    def __init__(self, store):
        self.store = store

    def on_get(self, req, resp):
        self.store.ping()
        ok(req, resp, {"status": "ok"})
