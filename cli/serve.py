"""`goldenrecord serve`: the first-start admin key, then waitress until a signal.

Shared by the command line and the embedding API's child process (embedding/child.py).
"""
import logging
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
    server = waitress.create_server(
        service.app,
        host=config.server.host,
        port=config.server.port,
        threads=config.server.threads,
        ident="goldenrecord",
        expose_tracebacks=False,
    )
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

