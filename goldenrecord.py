"""Golden Record: the one authoritative record of organizations, users, memberships,
roles and permissions, served over HTTP on one SQLite file.

This module is the composition root: it reads configuration, builds the store and the
HTTP app (`create_app`), and runs the command line (`goldenrecord serve|migrate|keys|backup|…`).
"""
import argparse
import atexit
import collections
import contextlib
import dataclasses
import ipaddress
import logging
import math
import os
import signal
import sys
import threading
import time
import tomllib
import uuid
from dataclasses import dataclass, field
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

log = logging.getLogger("goldenrecord")


def __getattr__(name):
    # `goldenrecord.running` without importing the embedding API (or requests) up front.
    if name == "running":
        from goldenrecord.embedding import running
        return running
    raise AttributeError(f"module 'goldenrecord' has no attribute {name!r}")


# ---------------------------------------------------------------- configuration

@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8080
    threads: int = 8
    trusted_proxies: tuple[str, ...] = ()
    # Open connections are cheap for waitress (one socket in its poll loop, no thread
    # until a request is complete), so the limit is set far above what clients need, and
    # idle ones are closed soon: waitress's own 100 and 120 s let ~100 idle sockets shut
    # everyone out.
    connection_limit: int = 1000
    channel_timeout: float = 30.0


@dataclass(frozen=True)
class DatabaseConfig:
    path: str = "goldenrecord.db"


@dataclass(frozen=True)
class RateLimitsConfig:
    free: int = 60
    basic: int = 300
    pro: int = 1000
    enterprise: int = 5000
    failed_auth_per_ip: int = 20
    enabled: bool = True

    def by_tier(self):
        if not self.enabled:
            return None
        return {"free": self.free, "basic": self.basic, "pro": self.pro,
                "enterprise": self.enterprise}


@dataclass(frozen=True)
class AnalyticsConfig:
    retention_days: int = 90
    flush_seconds: float = 1.0
    enabled: bool = True


@dataclass(frozen=True)
class WebhooksConfig:
    workers: int = 4
    max_attempts: int = 5
    backoff_base_seconds: float = 30.0
    timeout_seconds: float = 10.0
    allow_private_targets: bool = False


@dataclass(frozen=True)
class WorkosConfig:
    api_key: str = ""
    webhook_secret: str = ""
    base_url: str = "https://api.workos.com"


@dataclass(frozen=True)
class Config:
    server: ServerConfig = field(default_factory=ServerConfig)
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    rate_limits: RateLimitsConfig = field(default_factory=RateLimitsConfig)
    webhooks: WebhooksConfig = field(default_factory=WebhooksConfig)
    workos: WorkosConfig = field(default_factory=WorkosConfig)
    analytics: AnalyticsConfig = field(default_factory=AnalyticsConfig)


class ConfigError(Exception):
    """A configuration problem, reported as one line naming the key, exit status 2."""


ENVIRONMENT = {
    "GOLDENRECORD_DB": "database.path",
    "GOLDENRECORD_HOST": "server.host",
    "GOLDENRECORD_PORT": "server.port",
    # Secrets are best kept out of config files:
    "GOLDENRECORD_WORKOS_API_KEY": "workos.api_key",
    "GOLDENRECORD_WORKOS_WEBHOOK_SECRET": "workos.webhook_secret",
}


def _coerce(name, kind, value, from_text):
    """`value` as `kind`, or ConfigError naming `name`. Text (env, flags) is parsed."""
    if kind is bool:
        if isinstance(value, bool):
            return value
        if from_text and str(value).lower() in ("true", "false", "1", "0"):
            return str(value).lower() in ("true", "1")
    if kind is int and not isinstance(value, bool):
        if isinstance(value, int):
            return value
        if from_text and isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    if kind is float and not isinstance(value, bool):
        if isinstance(value, (int, float)):
            return float(value)
        if from_text:
            try:
                return float(value)
            except ValueError:
                pass
    if kind is str and isinstance(value, str):
        return value
    if kind == tuple[str, ...] and isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    type_name = {bool: "a boolean", int: "a whole number", float: "a number", str: "a string"}
    raise ConfigError(f"{name}: expected {type_name.get(kind, 'a list of strings')}, got {value!r}")


def _apply(config, dotted, value, *, from_text, source):
    section_name, _, key = dotted.partition(".")
    section = getattr(config, section_name, None)
    kinds = {f.name: f.type for f in dataclasses.fields(section)} if section else {}
    if key not in kinds:
        raise ConfigError(f"{source}: unknown key '{dotted}'")
    value = _coerce(f"{source} {dotted}" if source != dotted else dotted, kinds[key], value, from_text)
    return dataclasses.replace(config, **{section_name: dataclasses.replace(section, **{key: value})})


def _check(config):
    if not 0 <= config.server.port <= 65535:
        raise ConfigError(f"server.port: {config.server.port} is not a TCP port")
    for key in ("server.threads", "server.connection_limit", "webhooks.workers",
                "webhooks.max_attempts", "analytics.retention_days"):
        section, name = key.split(".")
        if getattr(getattr(config, section), name) < 1:
            raise ConfigError(f"{key}: must be at least 1")
    for limit in dataclasses.fields(RateLimitsConfig):
        if limit.type is int and getattr(config.rate_limits, limit.name) < 1:
            raise ConfigError(f"rate_limits.{limit.name}: must be at least 1")
    if config.analytics.flush_seconds <= 0:
        raise ConfigError("analytics.flush_seconds: must be more than 0")
    if config.server.channel_timeout < 1:
        raise ConfigError("server.channel_timeout: must be at least 1 (seconds)")
    _check_workos_url(config.workos.base_url)
    for cidr in config.server.trusted_proxies:
        try:
            ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise ConfigError(f"server.trusted_proxies: '{cidr}' is not an IP address or CIDR range")
    return config


def _check_workos_url(url):
    """https only, but for a loopback host (a local fake of WorkOS): the API key travels
    in every request."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not host or parts.scheme not in ("https", "http") or (parts.scheme == "http" and not loopback):
        raise ConfigError(f"workos.base_url: '{url}' must be an https:// URL "
                          "(http:// only for a loopback address)")


def load_config(path=None, *, env=None, overrides=None):
    """The effective configuration: flags (`overrides`) > environment > file > defaults.

    `path` falls back to $GOLDENRECORD_CONFIG; `overrides` maps "section.key" to values
    from the command line.
    """
    env = os.environ if env is None else env
    config = Config()
    path = path or env.get("GOLDENRECORD_CONFIG")
    if path:
        try:
            with open(path, "rb") as handle:
                data = tomllib.load(handle)
        except OSError as error:
            raise ConfigError(f"config file {path}: {error.strerror}")
        except tomllib.TOMLDecodeError as error:
            raise ConfigError(f"config file {path}: {error}")
        for section, values in data.items():
            if not isinstance(values, dict) or not hasattr(config, section):
                raise ConfigError(f"{path}: unknown key '{section}'")
            for key, value in values.items():
                config = _apply(config, f"{section}.{key}", value, from_text=False,
                                source=f"{section}.{key}")
    for variable, dotted in ENVIRONMENT.items():
        if env.get(variable):
            config = _apply(config, dotted, env[variable], from_text=True, source=variable)
    for dotted, value in (overrides or {}).items():
        if value is not None:
            config = _apply(config, dotted, value, from_text=isinstance(value, str), source=dotted)
    return _check(config)


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


BOOTSTRAP_VARIABLE = "GOLDENRECORD_BOOTSTRAP_KEY"


def ensure_admin_key(store, env, announce):
    """Make sure a fresh installation can be reached.

    With $GOLDENRECORD_BOOTSTRAP_KEY set, that key is created (scope *:*) unless a key
    with that value exists already, revoked or not. Otherwise, when no usable key is
    left, a new *:* key is minted and passed to `announce` (the only time it is shown).
    """
    from goldenrecord.store.apikeys import WELL_FORMED

    wanted = env.get(BOOTSTRAP_VARIABLE)
    if wanted:
        if not WELL_FORMED.match(wanted):
            raise ConfigError(f"{BOOTSTRAP_VARIABLE}: must be gr_live_ followed by at least "
                              "32 URL-safe characters")
        if store.api_keys.find(wanted) is None:
            store.api_keys.create(name="bootstrap", scopes=["*:*"], plaintext=wanted)
        return
    if not store.api_keys.any_usable():
        _, plaintext = store.api_keys.create(name="admin (first start)", scopes=["*:*"])
        announce(plaintext)


def _announce_admin_key(plaintext):
    line = "=" * 72
    sys.stderr.write(
        f"\n{line}\n Golden Record created an admin API key (scope *:*). It is shown only once:\n\n"
        f"   {plaintext}\n\n Store it safely; create narrower keys with it for applications.\n"
        f"{line}\n\n"
    )
    sys.stderr.flush()


# ---------------------------------------------------------------- serving

def serve(config, env=None, log_handler=None):
    """Run waitress until SIGINT or SIGTERM; in-flight requests finish before exit."""
    import waitress

    env = os.environ if env is None else env
    store = open_store(config)
    ensure_admin_key(store, env, _announce_admin_key)
    service = GoldenRecord(config, store=store,
                           access_log=log_handler.log_request if log_handler else None)
    _allow_open_files(config.server.connection_limit)
    server = waitress.create_server(service.app, **_waitress_options(config.server))
    log.info("Golden Record %s serving on http://%s:%s (database %s)", __version__,
             config.server.host, server.effective_port, config.database.path)
    if log_handler:
        log_handler.flush()  # harnesses wait for this line to learn the port

    def stop(signum, frame):
        log.info("received %s, shutting down", signal.Signals(signum).name)
        # a second signal must not interrupt the shutdown under way (and its final writes)
        signal.signal(signal.SIGTERM, already_stopping)
        signal.signal(signal.SIGINT, already_stopping)
        raise SystemExit(0)

    def already_stopping(signum, frame):
        log.info("received %s again; still shutting down", signal.Signals(signum).name)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        # waitress's run() turns SystemExit into a shutdown that lets worker threads
        # finish the requests they hold.
        server.run()
    finally:
        server.close()
        service.close()
        log.info("stopped")


def _waitress_options(server):
    """waitress's settings for `server` (a ServerConfig).

    Idle and slow clients must not lock others out: waitress stops accepting at
    `connection_limit` open connections, and closes a connection idle for
    `channel_timeout` seconds (whole seconds, so rounded up), looking every
    `cleanup_interval` seconds. poll() rather than select(), which fails outright on a
    descriptor numbered 1024 or above, i.e. past about a thousand connections.
    """
    return {
        "host": server.host,
        "port": server.port,
        "threads": server.threads,
        "connection_limit": server.connection_limit,
        "channel_timeout": math.ceil(server.channel_timeout),
        "cleanup_interval": 1,
        "asyncore_use_poll": True,
        "ident": "goldenrecord",
        "expose_tracebacks": False,
    }


# Descriptors beside the connections: the database and its WAL files, the log, webhook
# and WorkOS sockets, the listening socket.
SPARE_FILES = 100


def _allow_open_files(connection_limit):
    """Raise the soft limit on open files to what `connection_limit` needs.

    Each connection is a descriptor. Short of them, accept() fails with EMFILE, which
    waitress logs and retries at once, in a loop that never blocks: a busy, noisy server
    that serves no one. The hard limit cannot be raised; falling short of it is a warning.
    """
    try:
        import resource
    except ImportError:  # Windows has no such limit
        return
    wanted = connection_limit + SPARE_FILES
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY or soft >= wanted:
        return
    granted = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    resource.setrlimit(resource.RLIMIT_NOFILE, (granted, hard))
    if granted < wanted:
        log.warning("server.connection_limit %d needs %d open files, but the limit is %d "
                    "(ulimit -Hn); lower server.connection_limit or raise the limit",
                    connection_limit, wanted, granted)


# ---------------------------------------------------------------- command line

def _parse_time(text):
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _parser():
    parser = argparse.ArgumentParser(
        prog="goldenrecord",
        description="Golden Record: organizations, users, memberships, roles and permissions.",
    )
    parser.add_argument("--version", action="version", version=f"goldenrecord {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help_text, description=None, within=commands):
        sub = within.add_parser(name, help=help_text, description=description or help_text)
        sub.add_argument("--config", metavar="F", help="TOML configuration file "
                         "(default: $GOLDENRECORD_CONFIG)")
        sub.add_argument("--db", metavar="PATH", help="SQLite database file "
                         "(default: $GOLDENRECORD_DB, then database.path)")
        return sub

    def group(name, help_text):
        parent = commands.add_parser(name, help=help_text, description=help_text)
        return parent.add_subparsers(dest=f"{name}_command", required=True, metavar="COMMAND")

    serve_cmd = command("serve", "Migrate the database if needed and serve the HTTP API.")
    serve_cmd.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve_cmd.add_argument("--port", help="TCP port (default 8080; 0 picks a free one)")
    serve_cmd.add_argument("--ephemeral", action="store_true",
                           help="serve a new temporary database, deleted on exit (a sandbox)")
    serve_cmd.add_argument("--demo", action="store_true",
                           help="first load the demo data set into an empty database (as seed --demo)")

    seed = command("seed", "Fill an empty database with the demo data set.",
                   "Fill an empty database with a small, deterministic demo data set: verified "
                   "and staging organizations, users, memberships with roles and owners, a "
                   "webhook subscription. Does nothing when the demo set is there already; "
                   "refuses a database holding other data.")
    seed.add_argument("--demo", action="store_true", required=True,
                      help="the demo data set (the only one so far)")

    command("migrate", "Create or upgrade the database schema (idempotent).")

    zipapp = commands.add_parser(
        "zipapp", help="Build a one-file goldenrecord.pyz (runs on bare Python 3.11+).",
        description="Build a zipapp holding Golden Record and its dependencies, copied from "
        "this environment (no network): `python3 goldenrecord.pyz serve`.")
    zipapp.add_argument("--output", metavar="PATH", default=os.path.join("dist", "goldenrecord.pyz"),
                        help="where to write it (default dist/goldenrecord.pyz)")

    command("reindex", "Rebuild the search index from the tables (safe while serving).",
            "Rebuild the full-text and typo indexes from the tables, in one transaction; "
            "safe to run while the service is serving.", within=group("search", "Manage the search index."))

    copy = command("backup", "Copy the database consistently while the service serves.",
                   "Copy the database to PATH with SQLite's online backup API: a consistent "
                   "snapshot, taken while the service keeps serving, checked with "
                   "PRAGMA integrity_check before it is moved into place.")
    copy.add_argument("path", metavar="PATH", help="the new backup file (must not exist)")

    create = command("create", "Create an API key and print it alone on stdout.",
                     "Create an API key and print the plaintext key alone on stdout "
                     "(it is stored only as a hash and cannot be shown again).",
                     within=group("keys", "Manage API keys."))
    create.add_argument("--name", required=True)
    create.add_argument("--scope", action="append", required=True, dest="scopes",
                        metavar="S", help="a scope such as organizations:read, or *:* (repeatable)")
    create.add_argument("--org", metavar="ORG_ID", help="confine the key to one organization")
    create.add_argument("--tier", default="free", help="rate-limit tier: free, basic, pro, enterprise")
    create.add_argument("--allowed-ip", action="append", default=[], dest="allowed_ips",
                        metavar="CIDR", help="address or CIDR range allowed to use the key (repeatable)")
    create.add_argument("--expires-at", type=_parse_time, metavar="ISO8601")

    command("sync-users", "Create, link and update users from every WorkOS user.",
            "Page through WorkOS's User Management users (workos.api_key, workos.base_url) and "
            "create, link or update the matching Golden Record users, a transaction per page. "
            "Progress goes to stderr; the final counts, as JSON, to stdout.",
            within=group("workos", "The WorkOS integration."))
    return parser


def _run(args, log_handler=None):
    if args.command == "zipapp":
        from goldenrecord.embedding import bundle
        log.info("wrote %s", bundle.build(args.output))
        return
    if getattr(args, "ephemeral", False):
        with _temporary_database(args) as path:
            args.db, args.ephemeral = path, False
            return _run(args, log_handler)
    overrides = {"database.path": args.db}
    if args.command == "serve":
        overrides.update({"server.host": args.host, "server.port": args.port})
    config = load_config(args.config, overrides=overrides)
    if args.command == "serve":
        if args.demo:
            _seed_demo(config)
        serve(config, log_handler=log_handler)
    elif args.command == "seed":
        _seed_demo(config)
    elif args.command == "migrate":
        store = open_store(config)
        from goldenrecord.store.migrations import current_version

        log.info("database %s is at schema version %d", config.database.path,
                 current_version(store.db))
    elif args.command == "keys":
        _create_key(config, args)
    elif args.command == "backup":
        _backup(config, args.path)
    elif args.command == "search":
        opened = open_store(config)
        opened.reindex_search()
        log.info("search index rebuilt for %s", config.database.path)
    elif args.command == "workos":
        return _sync_workos_users(config)


def _sync_workos_users(config):
    import json

    from goldenrecord.workos_sync import client as workos_client, sync

    new_client = workos_clients(config)
    if new_client is None:
        raise ConfigError("workos.api_key: not set; the WorkOS sync needs a WorkOS API key")
    opened, client = open_store(config), new_client()
    try:
        counts = sync.sync_users(client, opened, progress=lambda so_far: log.info(
            "WorkOS sync: %(total)d users so far (%(created)d created, %(updated)d updated, "
            "%(linked)d linked, %(unchanged)d unchanged, %(failed)d failed)", so_far))
    except workos_client.WorkOSError as error:
        log.error("WorkOS sync stopped: %s (users synced before this are kept; run it again "
                  "to finish)", error.message)
        return 1
    finally:
        client.close()
        opened.close()
    print(json.dumps(counts))
    return 0


@contextlib.contextmanager
def _temporary_database(args):
    """The database of `serve --ephemeral`: in a new temporary folder, removed on exit."""
    import shutil
    import tempfile

    if args.db:
        raise ConfigError("--ephemeral: serves a new temporary database; leave out --db")
    folder = tempfile.mkdtemp(prefix="goldenrecord-sandbox-")
    try:
        yield os.path.join(folder, "goldenrecord.db")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _seed_demo(config):
    from goldenrecord.embedding import demo

    opened = open_store(config, uuidgen=demo.Ids())
    try:
        summary = demo.seed(opened)
    except demo.NotEmpty as error:
        raise ConfigError(f"seed: {error}")
    finally:
        opened.close()
    if summary is None:
        log.info("the demo data set is in %s already; nothing to do", config.database.path)
    else:
        log.info("demo data set written to %s: %s", config.database.path,
                 ", ".join(f"{count} {noun}" for noun, count in summary.items()))


def _backup(config, path):
    from goldenrecord.store.backup import BackupError, backup
    started = time.monotonic()
    try:
        size = backup(config.database.path, path)
    except BackupError as error:
        raise ConfigError(f"backup: {error}")
    log.info("backed up %s to %s (%d bytes, integrity ok) in %.2f s", config.database.path, path,
             size, time.monotonic() - started)


def _create_key(config, args):
    from goldenrecord import store as store_package
    opened = open_store(config)
    try:
        _, plaintext = opened.api_keys.create(
            name=args.name, scopes=args.scopes, organization_id=args.org, tier=args.tier,
            allowed_ips=args.allowed_ips, expires_at=args.expires_at)
    except (store_package.Invalid, store_package.NotFound) as error:
        raise ConfigError(f"{getattr(error, 'field', None) or 'org'}: {error}")
    print(plaintext)


class BatchedStderrHandler(logging.Handler):
    """Log lines to stderr, written in batches by one thread every `interval` seconds.

    Request threads only append a record; formatting and the write happen on the writer
    thread, a few times a second. A write (or a thread wake-up) per request would hand
    the GIL around on every request and cost a tenth of the throughput.
    """

    def __init__(self, interval=0.1):
        super().__init__()
        self._records = collections.deque()
        self._interval = interval
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name="goldenrecord-log", daemon=True)
        self._thread.start()

    def emit(self, record):
        self._records.append(record)

    def log_request(self, method, path, status, elapsed_ms, request_id):
        """The access log's fast path: a tuple now, a formatted line on the writer thread."""
        self._records.append((time.time(), method, path, status, elapsed_ms, request_id))

    def _line(self, item):
        if isinstance(item, logging.LogRecord):
            return self.format(item)
        at, method, path, status, elapsed_ms, request_id = item
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(at)) + f",{int(at % 1 * 1000):03d}"
        return (f"{stamp} INFO goldenrecord.access: {method} {path} {status} "
                f"{elapsed_ms:.1f}ms {request_id}")

    def flush(self):
        """Have the writer write what is buffered now rather than at its next turn."""
        self._wake.set()

    def _run(self):
        while not self._stop.is_set():
            self._wake.wait(self._interval)
            self._wake.clear()
            self.drain()

    def drain(self):
        lines = []
        while self._records:
            try:
                lines.append(self._line(self._records.popleft()) + "\n")
            except Exception:
                lines.append("(unformattable log record)\n")
        if lines:
            sys.stderr.write("".join(lines))  # whatever sys.stderr is now (tests swap it)
            sys.stderr.flush()

    def close(self):
        self._stop.set()
        self._wake.set()
        self._thread.join()
        self.drain()
        super().close()


_logging_ready = False


def _log_to_stderr():
    """Send logging to stderr in batches; returns the handler, or None when a host
    application (or pytest) configured logging already, which is then left alone."""
    global _logging_ready
    if _logging_ready or logging.getLogger().handlers:
        return None
    _logging_ready = True
    # The logging HOWTO's "Optimization" switches: our lines never show caller, thread or
    # process, and computing them (a stack walk per record) cost ~5% of throughput.
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = BatchedStderrHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    atexit.register(handler.close)
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    return handler


def main(argv=None):
    log_handler = _log_to_stderr()
    args = _parser().parse_args(argv)
    try:
        status = _run(args, log_handler)
    except ConfigError as error:
        print(f"goldenrecord: error: {error}", file=sys.stderr)
        return 2
    return status or 0


if __name__ == "__main__":
    sys.exit(main())
