"""The commands of `goldenrecord`: one function per command, found through `COMMANDS`.

Each takes the parsed arguments and the log handler (None when the host set up logging)
and returns the exit status (None for 0). A command that cannot do its job raises
CommandError, a configuration problem ConfigError; `main` prints either as one line.
"""
import contextlib
import logging
import os
import time

from goldenrecord import open_store, workos_clients
from goldenrecord.settings import ConfigError, load_config

from .serve import serve

log = logging.getLogger("goldenrecord")


class CommandError(Exception):
    """A command failed for a reason that is not configuration (a backup that cannot be
    written, a seed into a database holding other data, a key the store refuses):
    reported as one line, exit status 2."""


def run(args, log_handler=None):
    """Run the command `args` names; returns its exit status (None for 0)."""
    subcommand = getattr(args, f"{args.command}_command", None)  # `keys create`, ...
    return COMMANDS[f"{args.command} {subcommand}" if subcommand else args.command](
        args, log_handler)


def _configuration(args, **flags):
    """The configuration of a command: its --config file, --db and `flags` ("section.key")
    over the environment and the defaults."""
    return load_config(args.config, overrides={"database.path": args.db, **flags})


def run_serve(args, log_handler):
    """`serve`: migrate if needed and serve; `--ephemeral` on a new temporary database."""
    if args.ephemeral:
        with _temporary_database(args) as path:
            args.db, args.ephemeral = path, False
            return run_serve(args, log_handler)
    config = _configuration(args, **{"server.host": args.host, "server.port": args.port})
    if args.demo:
        _seed_demo(config)
    serve(config, log_handler=log_handler)


def run_seed(args, log_handler):
    """`seed --demo`."""
    _seed_demo(_configuration(args))


def run_migrate(args, log_handler):
    """`migrate`: opening the store migrates it; says which version it is at."""
    config = _configuration(args)
    log.info("database %s is at schema version %d", config.database.path,
             open_store(config).schema_version())


def run_reindex(args, log_handler):
    """`search reindex`."""
    config = _configuration(args)
    opened = open_store(config)
    opened.reindex_search()
    log.info("search index rebuilt for %s", config.database.path)


def run_zipapp(args, log_handler):
    """`zipapp`: needs no configuration, only an installed Golden Record."""
    from goldenrecord.embedding import bundle

    try:
        log.info("wrote %s", bundle.build(args.output))
    except bundle.CannotBuild as error:
        raise CommandError(f"zipapp: {error}")


def run_sync_users(args, log_handler):
    """`workos sync-users`."""
    import json

    from goldenrecord.workos_sync import client as workos_client, sync

    config = _configuration(args)
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
        raise CommandError(f"seed: {error}")
    finally:
        opened.close()
    if summary is None:
        log.info("the demo data set is in %s already; nothing to do", config.database.path)
    else:
        log.info("demo data set written to %s: %s", config.database.path,
                 ", ".join(f"{count} {noun}" for noun, count in summary.items()))


def run_backup(args, log_handler):
    """`backup PATH`."""
    from goldenrecord import store
    config, path = _configuration(args), args.path
    started = time.monotonic()
    try:
        size = store.engine_for(config.database).backup(path)
    except store.BackupError as error:
        raise CommandError(f"backup: {error}")
    log.info("backed up %s to %s (%d bytes, integrity ok) in %.2f s", config.database.path, path,
             size, time.monotonic() - started)


def run_create_key(args, log_handler):
    """`keys create`: the plaintext key alone on stdout."""
    from goldenrecord import store as store_package
    opened = open_store(_configuration(args))
    try:
        _, plaintext = opened.api_keys.create(
            name=args.name, scopes=args.scopes, organization_id=args.org, tier=args.tier,
            allowed_ips=args.allowed_ips, expires_at=args.expires_at)
    except (store_package.Invalid, store_package.NotFound) as error:
        raise CommandError(f"{getattr(error, 'field', None) or 'org'}: {error}")
    print(plaintext)


# A command of a group (`keys create`) is named "<group> <command>".
COMMANDS = {
    "serve": run_serve,
    "seed": run_seed,
    "migrate": run_migrate,
    "backup": run_backup,
    "keys create": run_create_key,
    "search reindex": run_reindex,
    "workos sync-users": run_sync_users,
    "zipapp": run_zipapp,
}
