"""Golden Record: the one authoritative record of organizations, users, memberships,
roles and permissions, served over HTTP on one SQLite file.

This module is the composition root: `GoldenRecord` builds the store, the HTTP app and the
background work from a configuration (settings/) without starting anything; `start()` and
`close()` run and end it. The command line lives in cli/, `goldenrecord.main` its entry.
"""
import functools
import importlib
import os
import sys
from datetime import datetime, timedelta, timezone

__version__ = "0.1.0"

# Golden Record's parts (store, search, restapi, webhook_delivery) are imported as
# submodules of this module -- `goldenrecord.store` -- so that installing Golden Record
# adds one top-level name to the host environment and a host project's own `store` or
# `search` package can neither shadow ours nor be shadowed by it. Setting `__path__`
# makes this module a package: in a source checkout its parts sit beside this file; an
# installed wheel (or the zipapp, where `_here` is the zip file) puts them in a
# `goldenrecord/` folder beside it.
_here = os.path.dirname(os.path.abspath(__file__))
__path__ = [_here if os.path.isdir(_here) and not os.path.isdir(os.path.join(_here, "goldenrecord"))
            else os.path.join(_here, "goldenrecord")]

from goldenrecord.settings import (  # noqa: E402,F401  (re-exported: goldenrecord.load_config)
    Config, ConfigError, load_config)

# Imported when first used, not up front: `goldenrecord.running` without the embedding API
# (or requests), and the command line's names without the command line (which imports this
# module: it is the layer above the composition root).
_LAZY = {"running": "goldenrecord.embedding", "main": "goldenrecord.cli",
         "serve": "goldenrecord.cli", "ensure_admin_key": "goldenrecord.cli",
         "BOOTSTRAP_VARIABLE": "goldenrecord.cli", "CommandError": "goldenrecord.cli"}


def __getattr__(name):
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'goldenrecord' has no attribute {name!r}")


# ---------------------------------------------------------------- composition

def utc_now():
    return datetime.now(timezone.utc)


def workos_clients(config):
    """A factory of WorkOS clients for `config`, or None when no workos.api_key is set."""
    settings = config.workos
    if not settings.api_key:
        return None

    def new_client():
        from goldenrecord.workos_sync.client import WorkOSClient

        return WorkOSClient(settings.api_key, base_url=settings.base_url)

    return new_client


def workos_role_map(config):
    """`workos.role_map` as a dict: WorkOS role slug -> Golden Record role slug."""
    return dict(entry.split("=", 1) for entry in config.workos.role_map)


def open_store(config, *, clock=utc_now, uuidgen=None, progress=None):
    """The store on the database `config.database` names, migrated to the current schema
    (`progress` hears of each migration).

    ConfigError when it names an engine there is none of, and when its secret key is
    missing, malformed or not the database's (one line, exit status 2, naming the setting
    that points at the key).
    """
    from goldenrecord import store

    database = config.database
    try:
        opened = store.Store(store.engine_for(database), clock=clock, uuidgen=uuidgen)
    except store.SecretKeyError as error:
        setting = ("database.secret_key (GOLDENRECORD_SECRET_KEY)" if database.secret_key
                   else "database.secret_key_file")
        raise ConfigError(f"{setting}: {error}") from None
    opened.migrate(progress)
    opened.feed.retention = timedelta(days=config.events.retention_days)
    opened.audit.retention = timedelta(days=config.audit.retention_days)
    return opened


def metrics_for(store):
    """A new registry and its instruments (goldenrecord.metrics), its gauges read from
    `store` at each scrape: one per instance, never the process-wide default."""
    from goldenrecord.metrics import Metrics
    return Metrics(queue_depth=store.events.queue_depth, database_bytes=store.database_bytes)


class GoldenRecord:
    """One Golden Record instance: its store, its WSGI app and its background work.

    Building one starts nothing. `start()` starts the background work: the store's commit
    watch, the usage recorder and the webhook sender; `close()` stops what was started,
    writing what it buffered, and closes the database. `with GoldenRecord(config) as gr:`
    does both. `clock` (aware UTC datetimes) and `uuidgen` (None: time-ordered version 7
    UUIDs, store/ids.py) are injectable so tests can control time and ids; `store` is an open store to use instead of opening one.
    `metrics` is this instance's own Prometheus registry and instruments, served at
    /metrics; `write_probe_seconds` is how long /readyz waits for the write lock (None:
    restapi.health.WRITE_PROBE_SECONDS).
    """

    def __init__(self, config=None, *, clock=utc_now, uuidgen=None, store=None,
                 access_log=None, write_probe_seconds=None):
        from goldenrecord import admin_ui, restapi, scim
        from goldenrecord.webhook_delivery import WebhookSender

        self.config = config or Config()
        self.store = store or open_store(self.config, clock=clock, uuidgen=uuidgen)
        self.metrics = metrics_for(self.store)
        analytics = self.config.analytics
        self.usage = restapi.UsageRecorder(
            self.store.analytics, analytics, clock=clock) if analytics.enabled else None
        # The dashboard is HTTP too, but on top of the API: its sessions sign API requests in.
        sessions = admin_ui.sessions_for(self.store, clock)
        self.app = restapi.build_app(
            self.store, self.config, clock=clock, metrics=self.metrics, usage=self.usage,
            access_log=access_log, version=__version__, sessions=sessions,
            write_probe_seconds=write_probe_seconds,
            workos=restapi.WorkosLink(self.config.workos.webhook_secret,
                                      workos_clients(self.config),
                                      workos_role_map(self.config)),
            extensions=[functools.partial(admin_ui.install, sessions=sessions, clock=clock),
                        functools.partial(scim.install, store=self.store)])
        self.webhooks = WebhookSender(self.store.events, self.config.webhooks, clock=clock,
                                      on_outcome=self.metrics.delivered)
        self._state = "built"

    def start(self):
        """Start the background work; returns self. Again is a no-op; after close() an error:
        the database is gone."""
        if self._state == "closed":
            raise RuntimeError("this GoldenRecord is closed; build a new one")
        if self._state == "built":
            self._state = "started"
            self.store.start()
            if self.usage is not None:
                self.usage.start()
            self.webhooks.start()
        return self

    def close(self):
        """Stop what start() started (pending webhook deliveries stay queued), write the
        buffered usage and close the store. Safe without start(), and more than once."""
        if self._state == "closed":
            return
        self._state = "closed"
        self.webhooks.stop()
        if self.usage is not None:
            self.usage.stop()
        self.store.close()

    def __enter__(self):
        try:
            return self.start()
        except BaseException:
            self.close()  # `with` calls __exit__ only once __enter__ returned
            raise

    def __exit__(self, *exc_info):
        self.close()


def create_app(config=None, **options):
    """The WSGI app for `config`, for falcon.testing and WSGI hosts that only need the API.

    Options are GoldenRecord's. It starts no thread, so nothing runs behind the app: usage
    analytics stay buffered unwritten, webhooks are not sent, and every read asks SQLite.
    Use `GoldenRecord` (start, close) for those.
    """
    return GoldenRecord(config, **options).app


if __name__ == "__main__":  # `python goldenrecord.py serve` from a checkout
    from goldenrecord.cli import main

    sys.exit(main())
