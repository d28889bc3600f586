"""/healthz: answers once the database is open and migrated, for scripts to wait on."""
from . import schemas
from .operations import operation
from .responses import ok


class HealthResource:
    public = True

    def __init__(self, store):
        self.store = store

    @operation("Liveness: the database is open and migrated", scope=None,
               response=schemas.HEALTH)
    def on_get(self, req, resp):
        self.store.ping()
        ok(req, resp, {"status": "ok"})
