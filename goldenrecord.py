"""Golden Record: the one authoritative record of organizations, users, memberships,
roles and permissions, served over HTTP on one SQLite file.

This module is the composition root: `GoldenRecord` builds the store, the HTTP app and the
background work from a configuration (settings/). The command line lives in cli/,
`goldenrecord.main` its entry.
"""
import importlib
import os
import sys
import uuid
from datetime import datetime, timezone

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


def open_store(config, *, clock=utc_now, uuidgen=uuid.uuid4):
    """The store on `config.database.path`, migrated to the current schema."""
    from goldenrecord import store
    opened = store.Store(config.database.path, clock=clock, uuidgen=uuidgen)
    opened.migrate()
    return opened


class GoldenRecord:
    """One Golden Record instance: its store, its WSGI app and its background work.

    `clock` (aware UTC datetimes) and `uuidgen` are injectable so tests can control time
    and ids. `close()` stops the background work, writing what it buffered, and closes
    the database.
    """

    def __init__(self, config=None, *, clock=utc_now, uuidgen=uuid.uuid4, store=None,
                 access_log=None):
        from goldenrecord import restapi
        from goldenrecord.webhook_delivery import WebhookSender

        self.config = config or Config()
        self.store = store or open_store(self.config, clock=clock, uuidgen=uuidgen)
        analytics = self.config.analytics
        self.usage = restapi.UsageRecorder(
            self.store.analytics, clock, retention_days=analytics.retention_days,
            flush_seconds=analytics.flush_seconds) if analytics.enabled else None
        self.app = restapi.build_app(
            self.store, clock=clock, usage=self.usage,
            tier_limits=self.config.rate_limits.by_tier(),
            failed_auth_per_ip=self.config.rate_limits.failed_auth_per_ip,
            trusted_proxies=self.config.server.trusted_proxies,
            allow_private_targets=self.config.webhooks.allow_private_targets,
            access_log=access_log, version=__version__,
            workos=restapi.WorkosLink(self.config.workos.webhook_secret,
                                      workos_clients(self.config)))
        hooks = self.config.webhooks
        self.webhooks = WebhookSender(
            self.store.events, clock=clock, workers=hooks.workers, max_attempts=hooks.max_attempts,
            backoff_base_seconds=hooks.backoff_base_seconds, timeout_seconds=hooks.timeout_seconds,
            allow_private_targets=hooks.allow_private_targets)
        self.store.start()
        if self.usage is not None:
            self.usage.start()
        self.webhooks.start()

    def close(self):
        """Stop background work (pending webhook deliveries stay queued) and close the store."""
        self.webhooks.stop()
        if self.usage is not None:
            self.usage.stop()
        self.store.close()


def create_app(config=None, **options):
    """The WSGI app for `config` (for falcon.testing and other WSGI hosts).

    Options are GoldenRecord's. Usage analytics are written by a daemon thread once a
    second; use GoldenRecord directly to flush them on close.
    """
    return GoldenRecord(config, **options).app


if __name__ == "__main__":  # `python goldenrecord.py serve` from a checkout
    from goldenrecord.cli import main

    sys.exit(main())
