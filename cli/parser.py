"""The argument parser of `goldenrecord`: every command, its flags and its --help text."""
import argparse
import os
from datetime import datetime, timezone

from goldenrecord import __version__
from goldenrecord.settings import load_config

from .logs import FORMATS, LEVELS


def _parse_time(text):
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def configuration(args, **flags):
    """The configuration of a parsed command: its --config file, --db and `flags`
    ("section.key") over the environment and the defaults."""
    return load_config(args.config, overrides={"database.path": args.db, **flags})


def logging_flags(parser):
    """--log-format and --log-level, which every command takes."""
    parser.add_argument("--log-format", choices=FORMATS, default="text",
                        help="stderr log lines as text (default) or one JSON object per line")
    parser.add_argument("--log-level", choices=LEVELS, default="INFO", type=str.upper,
                        help="the least severe level logged (default INFO; access lines are INFO)")


def build_parser():
    """The parser of every command; `dest="command"` (and `<group>_command`) name the one given."""
    parser = argparse.ArgumentParser(
        prog="goldenrecord",
        description="Golden Record: organizations, users, memberships, roles and permissions.",
    )
    parser.add_argument("--version", action="version", version=f"goldenrecord {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, help_text, description=None, within=commands, long=False):
        sub = within.add_parser(name, help=help_text, description=description or help_text)
        sub.add_argument("--config", metavar="F", help="TOML configuration file "
                         "(default: $GOLDENRECORD_CONFIG)")
        sub.add_argument("--db", metavar="PATH", help="SQLite database file "
                         "(default: $GOLDENRECORD_DB, then database.path)")
        logging_flags(sub)
        if long:
            sub.add_argument("--quiet", action="store_true", help="no progress on stderr (a "
                             "bar on a terminal, else a line every few seconds)")
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
    seed.add_argument("--quiet", action="store_true", help="no progress on stderr")

    command("migrate", "Create or upgrade the database schema (idempotent).", long=True)

    zipapp = commands.add_parser(
        "zipapp", help="Build a one-file goldenrecord.pyz (runs on bare Python 3.11+).",
        description="Build a zipapp holding Golden Record and its dependencies, copied from "
        "this environment (no network): `python3 goldenrecord.pyz serve`.")
    logging_flags(zipapp)
    zipapp.add_argument("--output", metavar="PATH", default=os.path.join("dist", "goldenrecord.pyz"),
                        help="where to write it (default dist/goldenrecord.pyz)")

    command("reindex", "Rebuild the search index from the tables (safe while serving).",
            "Rebuild the full-text and typo indexes from the tables, in one transaction; "
            "safe to run while the service is serving.", within=group("search", "Manage the search index."),
            long=True)

    copy = command("backup", "Copy the database consistently while the service serves.",
                   "Copy the database to PATH with SQLite's online backup API: a consistent "
                   "snapshot, taken while the service keeps serving, checked with "
                   "PRAGMA integrity_check before it is moved into place.", long=True)
    copy.add_argument("path", metavar="PATH", help="the new backup file (must not exist)")

    move = commands.add_parser(
        "copy", help="Copy a SQLite installation into a new PostgreSQL database.",
        description="Copy every row of the SQLite database --from sqlite:PATH into the new "
        "PostgreSQL database --to postgresql://..., in one transaction, then compare every "
        "table's count. The copy's secrets open with the SQLite database's secret key "
        "(PATH.key, or --secret-key-file): give the replicas that key (docs/postgresql.md).")
    logging_flags(move)
    move.add_argument("--from", dest="source", required=True, metavar="sqlite:PATH")
    move.add_argument("--to", dest="target", required=True, metavar="postgresql://...")
    move.add_argument("--secret-key-file", dest="key_file", default="",
                      help="the SQLite database's secret key file (default PATH.key)")
    move.add_argument("--quiet", action="store_true", help="no progress on stderr")

    keys = group("keys", "Manage API keys (also when locked out of the API).")
    create = command("create", "Create an API key and print it alone on stdout.",
                     "Create an API key and print the plaintext key alone on stdout "
                     "(it is stored only as a hash and cannot be shown again).", within=keys)
    create.add_argument("--name", required=True, help="a name that tells the key apart "
                        "(not empty, at most 100 characters)")
    create.add_argument("--scope", action="append", required=True, dest="scopes",
                        metavar="S", help="a scope such as organizations:read, or *:* (repeatable)")
    create.add_argument("--org", metavar="ORG_ID", help="confine the key to one organization")
    create.add_argument("--tier", default="free", help="rate-limit tier: free, basic, pro, enterprise")
    create.add_argument("--allowed-ip", action="append", default=[], dest="allowed_ips",
                        metavar="CIDR", help="address or CIDR range allowed to use the key (repeatable)")
    create.add_argument("--expires-at", type=_parse_time, metavar="ISO8601")

    listing = command("list", "List every API key's metadata (never a key).",
                      "List every API key: id, name, scopes, organization, tier, whether it "
                      "is active, expiry. The keys themselves are stored only as hashes.",
                      within=keys)
    listing.add_argument("--json", action="store_true",
                         help="the keys' metadata as a JSON array, as GET /api/v1/keys has it")
    revoke = command("revoke", "Revoke an API key at once.", within=keys)
    revoke.add_argument("id", metavar="ID", help="the key's id (key_…), from `keys list`")
    rotate = command("rotate", "Issue a new key for an old one and print it alone on stdout.",
                     "Issue a new key with the old key's name, scopes, organization, tier, "
                     "allowed IPs and expiry, and print it alone on stdout; the old key "
                     "keeps working for 7 days (as POST /api/v1/keys/:id?action=rotate).",
                     within=keys)
    rotate.add_argument("id", metavar="ID", help="the key's id (key_…), from `keys list`")
    load = command("import", "Create organizations, users or memberships from an NDJSON or CSV file.",
                   "Create the records of FILE, each what the API's create takes (camelCase "
                   "fields; CSV: a header row of field names, empty cells absent, metadata and "
                   "isOwner as JSON), checked by the API's rules. Written in batches of one "
                   "transaction each: a batch with a bad line is not written at all, and every "
                   "bad line is reported by number and field on stderr. Progress on stderr; "
                   "exit status 1 when any batch was refused.", long=True)
    load.add_argument("file", metavar="FILE", help="the records, one per line (NDJSON) or row (CSV)")
    load.add_argument("--kind", required=True, choices=("organizations", "users", "memberships"),
                      help="what the records are")
    load.add_argument("--format", choices=("ndjson", "csv"),
                      help="default: csv for a .csv file, else ndjson")
    load.add_argument("--batch-size", type=int, default=500, metavar="N",
                      help="records per transaction (default 500)")

    workos = group("workos", "The WorkOS integration.")
    command("sync-users", "Create, link and update users from every WorkOS user.",
            "Page through WorkOS's User Management users (workos.api_key, workos.base_url) and "
            "create, link or update the matching Golden Record users, a transaction per page. "
            "Progress goes to stderr; the final counts, as JSON, to stdout.",
            within=workos, long=True)
    command("sync", "Sync organizations, users and memberships from WorkOS's events.",
            "Apply WorkOS's events (organization.*, user.*, organization_membership.*) after "
            "the last one applied, remembering where it stopped; the first run, or one whose "
            "cursor is older than WorkOS's 30-day retention, first syncs every organization, "
            "user and membership. Progress goes to stderr; the counts, as JSON, to stdout.",
            within=workos, long=True)

    audit = group("audit", "The audit log's tamper evidence and retention.")
    command("verify", "Check the audit log's hash chain; name the first altered or removed entry.",
            "Walk the audit log's hash chain from the last pruned entry's hash. Exit status 0 "
            "when every entry holds, 1 naming the first entry that was altered or removed.",
            within=audit)
    command("prune", "Remove audit entries and events past their retention now.",
            "Remove the audit entries older than audit.retention_days and the events older "
            "than events.retention_days (the service does this hourly by itself), keeping "
            "the last pruned entry's hash so that `audit verify` still holds.", within=audit)
    return parser

