"""/healthz: answers once the database is open and migrated, for scripts to wait on."""
from . import schemas
from .operations import operation
from .responses import ok


class HealthResource:
    public = True

    def __init__(self, store):
        self.store = store

    @operation("Liveness: the database is open and migrated", name="getHealth", scope=None,
               response=schemas.HEALTH, description=(
                   "Answers 200 once the server can read its database; for scripts and "
                   "load balancers to wait on. Needs no key."))
    def on_get(self, req, resp):
        self.store.ping()
        ok(req, resp, {"status": "ok"})
