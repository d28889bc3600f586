"""The commands of `goldenrecord`: one function per command, found through `COMMANDS`.

Each takes the parsed arguments and the log handler (None when the host set up logging)
and returns the exit status (None for 0). `args.progress` (cli.progress.Progress) makes
the progress reporters of the long ones; each names the absolute database it used. A command that cannot do its job raises
CommandError, a configuration problem ConfigError; `main` prints either as one line.
"""
import contextlib
import logging
import os
import time

from goldenrecord import workos_clients, workos_role_map
from goldenrecord.settings import ConfigError

from . import audit, keys
from .database import checked, checked_database_path, describe, open_checked, opened
from .errors import CommandError
from .parser import configuration
from .serve import serve

log = logging.getLogger("goldenrecord")


def run(args, log_handler=None):
    """Run the command `args` names; returns its exit status (None for 0)."""
    subcommand = getattr(args, f"{args.command}_command", None)  # `keys create`, ...
    return COMMANDS[f"{args.command} {subcommand}" if subcommand else args.command](
        args, log_handler)


def run_serve(args, log_handler):
    """`serve`: migrate if needed and serve; `--ephemeral` on a new temporary database."""
    if args.ephemeral:
        with _temporary_database(args) as path:
            args.db, args.ephemeral = path, False
            return run_serve(args, log_handler)
    config = configuration(args, **{"server.host": args.host, "server.port": args.port})
    if args.demo:
        _seed_demo(config, args.progress)
    serve(config, log_handler=log_handler)


def run_seed(args, log_handler):
    """`seed --demo`."""
    _seed_demo(configuration(args), args.progress)


def run_migrate(args, log_handler):
    """`migrate`: opening the store migrates it; says which version it is at."""
    with args.progress.reporter("migrate", "migrations") as report:
        store, created = open_checked(configuration(args), progress=report)
    try:
        log.info("%s is at schema version %d", describe(store.path, created),
                 store.schema_version())
    finally:
        store.close()


def run_reindex(args, log_handler):
    """`search reindex`."""
    with opened(configuration(args)) as (store, where), \
            args.progress.reporter("search reindex", "steps") as report:
        store.reindex_search(report)
    log.info("search index rebuilt for %s", where)


def run_zipapp(args, log_handler):
    """`zipapp`: needs no configuration, only an installed Golden Record."""
    from goldenrecord.embedding import bundle

    try:
        log.info("wrote %s", bundle.build(args.output))
    except bundle.CannotBuild as error:
        raise CommandError(f"zipapp: {error}")


def run_sync_users(args, log_handler):
    """`workos sync-users`: progress on stderr, the counts as JSON on stdout."""
    from goldenrecord.workos_sync import sync

    return _run_workos(args, "users", lambda client, store, config, report: sync.sync_users(
        client, store, progress=lambda so_far: report(so_far["total"])))


def run_sync(args, log_handler):
    """`workos sync`: organizations, users and memberships through WorkOS's Events API
    (a full sync the first time); progress on stderr, the counts as JSON on stdout."""
    from goldenrecord.workos_sync import incremental

    return _run_workos(args, "objects", lambda client, store, config, report: incremental.sync_all(
        client, store, role_map=workos_role_map(config), progress=report))


def _run_workos(args, unit, run):
    """A WorkOS sync from the command line: exit 2 without an API key, 1 naming WorkOS's
    refusal (what was synced before it is kept), else 0 with the counts on stdout."""
    import json

    from goldenrecord.workos_sync import client as workos_client

    config = configuration(args)
    new_client = workos_clients(config)
    if new_client is None:
        raise ConfigError("workos.api_key: not set; the WorkOS sync needs a WorkOS API key")
    with opened(config) as (store, where), \
            args.progress.reporter("WorkOS sync", unit) as report:
        client = new_client()
        try:
            counts = run(client, store, config, report)
        except workos_client.WorkOSError as error:
            log.error("WorkOS sync stopped: %s (what was synced before this is kept; run it "
                      "again to finish)", error.message)
            return 1
        finally:
            client.close()
    log.info("WorkOS %s synced into %s", unit, where)
    print(json.dumps(counts))
    return 0


def run_import(args, log_handler):
    """`import FILE --kind K`: per-line errors and progress on stderr, counts on stdout.
    The total of a progress report is unknown (None): the file is read as it goes."""
    import json

    from . import importing

    if args.batch_size < 1:
        raise CommandError("--batch-size: must be at least 1")
    with opened(configuration(args)) as (store, where), \
            args.progress.reporter("import", args.kind) as report:
        log.info("importing %s into %s", args.kind, where)
        reported = 0

        def progress(outcome):
            nonlocal reported
            for error in outcome.errors[reported:]:
                log.error("%s: %s", args.file, error)
            reported = len(outcome.errors)
            report(outcome.written, None)

        try:
            with open(args.file, newline="", encoding="utf-8") as lines:
                outcome = importing.import_records(
                    store, args.kind,
                    importing.records(lines, importing.format_of(args.file, args.format)),
                    batch_size=args.batch_size, progress=progress)
        except OSError as error:
            raise CommandError(f"import: {error.strerror}: {args.file}")
        except UnicodeDecodeError as error:
            raise CommandError(f"import: {args.file} is not UTF-8 text ({error.reason})")
    print(json.dumps({"written": outcome.written, "refusedBatches": outcome.refused_batches,
                      "errors": len(outcome.errors)}))
    return 1 if outcome.refused_batches else 0


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


def _seed_demo(config, progress):
    from goldenrecord.embedding import demo

    with opened(config, uuidgen=demo.Ids()) as (store, where), \
            progress.reporter("seed", "records") as report:
        try:
            summary = demo.seed(store, report)
        except demo.NotEmpty as error:
            raise CommandError(f"seed: {error}")
    if summary is None:
        log.info("the demo data set is in %s already; nothing to do", where)
    else:
        log.info("demo data set written to %s: %s", where,
                 ", ".join(f"{count} {noun}" for noun, count in summary.items()))


def run_backup(args, log_handler):
    """`backup PATH`: the source is checked like any command's database, but never
    created; the copy's folder must exist. The secret key file is copied beside the copy
    (none when the key is given as GOLDENRECORD_SECRET_KEY: the operator keeps it
    elsewhere on purpose)."""
    from goldenrecord import store

    config = configuration(args)
    source = checked_database_path(config)
    target = os.path.abspath(args.path)
    started = time.monotonic()
    try:
        with args.progress.reporter("backup", "pages") as report:
            made = store.engine_for(config.database).backup(target, report)
    except store.BackupError as error:
        raise CommandError(f"backup: {error}")
    except OSError as error:
        raise CommandError(f"backup: cannot write {target} ({error.strerror}); choose a "
                           "folder this user can write to")
    log.info("backed up database %s to %s (%d bytes, integrity ok) in %.2f s", source, target,
             made.size, time.monotonic() - started)
    if made.key_file:
        log.info("its secrets are sealed with the key copied to %s: restoring needs both "
                 "files; keep the key apart from where the backup travels", made.key_file)
    elif config.database.secret_key:
        log.info("its secrets are sealed with the key in GOLDENRECORD_SECRET_KEY: restoring "
                 "needs that same key")


# A command of a group (`keys create`) is named "<group> <command>".
def run_copy(args, log_handler):
    """`copy --from sqlite:PATH --to postgresql://...`: migrate the target, copy the rows
    under the source's secret key, check the counts."""
    from goldenrecord.store import Store, engine_for
    from goldenrecord.store.postgresql.copying import CopyError, copy
    from goldenrecord.settings import load_config

    if not args.source.startswith("sqlite:"):
        raise CommandError("copy: --from must be sqlite:PATH")
    source = os.path.abspath(args.source.removeprefix("sqlite:"))
    if not os.path.isfile(source):
        raise CommandError(f"copy: {source}: no such SQLite database")
    key_file = os.path.abspath(args.key_file or source + ".key")
    if not os.path.isfile(key_file):
        raise CommandError(f"copy: {key_file}: the source's secret key file is missing "
                           "(--secret-key-file names another)")
    config = load_config(env={}, overrides={"database.url": args.target,
                                            "database.secret_key_file": key_file})
    engine = engine_for(config.database)
    if not getattr(engine, "replicated", False):
        raise CommandError("copy: --to must be a postgresql:// URL")
    checked(engine.check_location)
    target = Store(engine)
    try:
        target.migrate()
        with args.progress.reporter("copy", "rows") as report:
            counts = copy(source, engine, report)
    except CopyError as error:
        raise CommandError(f"copy: {error}")
    finally:
        engine.close()
    log.info("copied %d rows of %s into %s; every table's count matches (%s); start the "
             "replicas with database.secret_key_file = %s", sum(counts.values()), source,
             engine.path, ", ".join(f"{t} {n}" for t, n in counts.items() if n), key_file)


COMMANDS = {
    "copy": run_copy,
    "serve": run_serve,
    "seed": run_seed,
    "migrate": run_migrate,
    "backup": run_backup,
    "keys create": keys.run_create,
    "keys list": keys.run_list,
    "keys revoke": keys.run_revoke,
    "keys rotate": keys.run_rotate,
    "search reindex": run_reindex,
    "workos sync-users": run_sync_users,
    "workos sync": run_sync,
    "import": run_import,
    "zipapp": run_zipapp,
    "audit verify": audit.run_verify,
    "audit prune": audit.run_prune,
}
