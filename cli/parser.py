"""The argument parser of `goldenrecord`: every command, its flags and its --help text."""
import argparse
import os
from datetime import datetime, timezone

from goldenrecord import __version__


def _parse_time(text):
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 date-time: {text!r}")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def build_parser():
    """The parser of every command; `dest="command"` (and `<group>_command`) name the one given."""
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

    load = command("import", "Create organizations, users or memberships from an NDJSON or CSV file.",
                   "Create the records of FILE, each what the API's create takes (camelCase "
                   "fields; CSV: a header row of field names, empty cells absent, metadata and "
                   "isOwner as JSON), checked by the API's rules. Written in batches of one "
                   "transaction each: a batch with a bad line is not written at all, and every "
                   "bad line is reported by number and field on stderr. Progress on stderr; "
                   "exit status 1 when any batch was refused.")
    load.add_argument("file", metavar="FILE", help="the records, one per line (NDJSON) or row (CSV)")
    load.add_argument("--kind", required=True, choices=("organizations", "users", "memberships"),
                      help="what the records are")
    load.add_argument("--format", choices=("ndjson", "csv"),
                      help="default: csv for a .csv file, else ndjson")
    load.add_argument("--batch-size", type=int, default=500, metavar="N",
                      help="records per transaction (default 500)")

    command("sync-users", "Create, link and update users from every WorkOS user.",
            "Page through WorkOS's User Management users (workos.api_key, workos.base_url) and "
            "create, link or update the matching Golden Record users, a transaction per page. "
            "Progress goes to stderr; the final counts, as JSON, to stdout.",
            within=group("workos", "The WorkOS integration."))
    return parser

