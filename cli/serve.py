"""`goldenrecord serve`: the first-start admin key, then waitress until a signal.

Shared by the command line and the embedding API's child process (embedding/child.py).
"""
import logging
import math
import os
import signal
import sys

from goldenrecord import GoldenRecord, __version__, open_store
from goldenrecord.settings import ConfigError

log = logging.getLogger("goldenrecord")

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


def serve(config, env=None, log_handler=None):
    """Run waitress until SIGINT or SIGTERM; in-flight requests finish before exit."""
    import waitress

    env = os.environ if env is None else env
    store = open_store(config)
    ensure_admin_key(store, env, _announce_admin_key)
    service = GoldenRecord(config, store=store,
                           access_log=log_handler.log_request if log_handler else None).start()
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
    Forwarded headers reach the app untouched: waitress would otherwise delete them
    (its `trusted_proxy` takes one address, not server.trusted_proxies' ranges), and the
    app decides itself whose to believe (restapi/clientip.py).
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
        "clear_untrusted_proxy_headers": False,
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
