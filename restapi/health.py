"""/healthz and /readyz, public, for scripts and load balancers to wait on.

/healthz says the process is alive and its database open and migrated. /readyz says it
can do its job now: every migration this code knows is applied (none is pending or under
way in another process) and the database takes a write (no other connection holds the
write lock past a short wait); otherwise 503 GR_SERVICE_UNAVAILABLE naming what is wrong.
"""
from . import schemas
from .operations import operation
from .responses import ok

# How long /readyz waits for the write lock before it answers 503. Well under a load
# balancer's usual 1 s probe timeout; a write that waits longer is waiting on something
# (a migration, a reindex, another process) that the balancer should hear about.
WRITE_PROBE_SECONDS = 0.5


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


class ReadyResource:
    public = True

    def __init__(self, store, write_probe_seconds=None):
        self.store = store
        self.write_probe_seconds = (WRITE_PROBE_SECONDS if write_probe_seconds is None
                                    else write_probe_seconds)

    @operation("Readiness: every migration applied, and the database takes writes",
               name="getReadiness", scope=None, response=schemas.HEALTH, errors=("GR_SERVICE_UNAVAILABLE",),
               description="503 `GR_SERVICE_UNAVAILABLE` while a migration is pending or "
                           "running, or while the database's write lock cannot be had "
                           f"within {WRITE_PROBE_SECONDS} s.")
    def on_get(self, req, resp):
        self.store.check_ready(self.write_probe_seconds)
        ok(req, resp, {"status": "ok"})
