"""`goldenrecord serve`: the first-start admin key, then waitress until a signal.

Shared by the command line and the embedding API's child process (embedding/child.py).
"""
import errno
import logging
import math
import os
import signal
import socket
import sys

from goldenrecord import GoldenRecord, __version__
from goldenrecord.settings import ConfigError

from .database import describe, open_checked
from .errors import CommandError

log = logging.getLogger("goldenrecord")

BOOTSTRAP_VARIABLE = "GOLDENRECORD_BOOTSTRAP_KEY"


# The first-start and bootstrap keys are the operator's own, and the dashboard signs in
# with them: a page is one to three API requests and the search dropdown up to ten a
# second, which the `free` tier's 60 a minute cannot carry.
OPERATOR_TIER = "enterprise"


def ensure_admin_key(store, env, announce):
    """Make sure a fresh installation can be reached.

    With $GOLDENRECORD_BOOTSTRAP_KEY set, that key is created (scope *:*) unless a key
    with that value exists already, revoked or not. Otherwise, when no usable key is
    left, a new *:* key is minted and passed to `announce` (the only time it is shown).
    Both are of tier OPERATOR_TIER.
    """
    from goldenrecord.store.apikeys import WELL_FORMED

    wanted = env.get(BOOTSTRAP_VARIABLE)
    if wanted:
        if not WELL_FORMED.match(wanted):
            raise ConfigError(f"{BOOTSTRAP_VARIABLE}: must be gr_live_ followed by at least "
                              "32 URL-safe characters")
        if store.api_keys.find(wanted) is None:
            store.api_keys.create(name="bootstrap", scopes=["*:*"], tier=OPERATOR_TIER,
                                  plaintext=wanted)
        return
    if not store.api_keys.any_usable():
        _, plaintext = store.api_keys.create(name="admin (first start)", scopes=["*:*"],
                                             tier=OPERATOR_TIER)
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
    """Run waitress until SIGINT or SIGTERM; in-flight requests finish before exit.

    The port is bound before the first-start key is made, so a start that fails (a port
    in use) leaves the key's one showing to the start that serves.
    """
    env = os.environ if env is None else env
    store, created = open_checked(config)
    service = GoldenRecord(config, store=store, access_log=_access_log(log_handler))
    server = _bind_then_admit(service, config, env)
    service.start()
    log.info("Golden Record %s serving on http://%s:%s from %s", __version__,
             config.server.host, server.effective_port, describe(store.path, created))
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


def _access_log(log_handler):
    """The batched handler's fast path when access lines (INFO) are logged at all; else
    None, the API's own, which asks the logging level."""
    if log_handler and logging.getLogger("goldenrecord.access").isEnabledFor(logging.INFO):
        return log_handler.log_request
    return None


def _bind_then_admit(service, config, env):
    """Bind the port, then make sure an admin key exists (announcing a new one); returns
    the waitress server. Whatever fails closes what was opened."""
    server = None
    try:
        _allow_open_files(config.server.connection_limit)
        server = _listen(service.app, config.server)
        ensure_admin_key(service.store, env, _announce_admin_key)
        return server
    except BaseException:
        if server is not None:
            server.close()
        service.close()
        raise


def _listen(app, server):
    """A waitress server for `app`, bound to `server`'s host and port; a bind the
    operator can fix (a port in use, reserved, an unknown host) is a CommandError."""
    import waitress

    from .channel import quieten
    from .dispatch import ReadsKeptMoving, reserved_for_reads

    # its threads start once the port is bound: a failed bind leaves none behind
    dispatcher = ReadsKeptMoving(reserved_for_reads(server.threads))
    try:
        created = waitress.create_server(app, _dispatcher=dispatcher, **_waitress_options(server))
    except (OSError, ValueError) as error:
        # waitress turns a host it cannot resolve (socket.gaierror) into a ValueError
        cause = error.__context__ if isinstance(error, ValueError) else error
        line = bind_failure(server.host, server.port, cause) if isinstance(cause, OSError) else None
        if line is None:
            raise
        raise CommandError(line) from None
    dispatcher.set_thread_count(server.threads)
    return quieten(created)


def bind_failure(host, port, error):
    """The line for an error listening on `host`:`port`, or None for one we cannot
    explain."""
    if isinstance(error, socket.gaierror):
        return (f"server.host: {host!r} is not a known host name or address; use an address "
                "of this machine, such as 127.0.0.1 or 0.0.0.0 (--host)")
    if error.errno == errno.EADDRINUSE:
        return (f"server.port: {host}:{port} is in use by another program; stop it, or "
                "choose another port (--port; 0 picks a free one)")
    if error.errno in (errno.EACCES, errno.EPERM):
        return (f"server.port: listening on port {port} needs privileges this user lacks "
                "(ports below 1024 are reserved); choose a port from 1024 up (--port), and "
                "put a reverse proxy on the low port")
    if error.errno == errno.EADDRNOTAVAIL:
        return (f"server.host: {host} is not an address of this machine; use one of its "
                "addresses, 127.0.0.1 or 0.0.0.0 (--host)")
    return None



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
