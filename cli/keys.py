"""`goldenrecord keys create|list|revoke|rotate`: API keys from a shell on the host.

An operator locked out of the API (the admin key lost, revoked, or leaked) recovers here:
the command line is the operator and may do anything, with the store's own rules (a
rotation here is the API's rotation). A plaintext key is printed alone on stdout, so
`KEY=$(goldenrecord keys rotate key_…)` works; everything else goes to stderr, and
`keys list` never shows a key, only its metadata.
"""
import json
import logging

from goldenrecord.store import Invalid, NotFound, records

from .database import opened
from .errors import CommandError
from .parser import configuration

log = logging.getLogger("goldenrecord")

# keys list's table: heading and the metadata field (records.api_key) of each column.
COLUMNS = (("ID", "id"), ("NAME", "name"), ("SCOPES", "scopes"), ("ORG", "organizationId"),
           ("TIER", "tier"), ("ACTIVE", "isActive"), ("EXPIRES", "expiresAt"))


def run_create(args, log_handler):
    """`keys create`: the plaintext key alone on stdout."""
    with opened(configuration(args)) as (store, where):
        try:
            key, plaintext = store.api_keys.create(
                name=args.name, scopes=args.scopes, organization_id=args.org, tier=args.tier,
                allowed_ips=args.allowed_ips, expires_at=args.expires_at)
        except (Invalid, NotFound) as error:
            raise CommandError(f"{getattr(error, 'field', None) or 'org'}: {error}")
    print(plaintext)
    log.info("created API key %s (%s) in %s", key.id, key.name, where)


def run_list(args, log_handler):
    """`keys list [--json]`: every key's metadata, oldest first; never a key."""
    with opened(configuration(args)) as (store, where):
        now = store.now()
        keys = [records.api_key(key, now) for key in _every_key(store)]
    print(json.dumps(keys, indent=2) if args.json else table(keys))
    log.info("%d API keys in %s", len(keys), where)


def run_revoke(args, log_handler):
    """`keys revoke ID`: at once; the key's next request is refused."""
    with opened(configuration(args)) as (store, where):
        key = _usable(lambda: store.api_keys.revoke(args.id), args.id)
    log.info("revoked API key %s (%s) in %s", key.id, key.name, where)


def run_rotate(args, log_handler):
    """`keys rotate ID`: the new key alone on stdout; the old one works for 7 more days."""
    with opened(configuration(args)) as (store, where):
        old, new, plaintext = _usable(lambda: store.api_keys.rotate(args.id), args.id)
    print(plaintext)
    log.info("rotated API key %s (%s) in %s: the new key is %s; the old one works until %s",
             old.id, old.name, where, new.id, records.timestamp(old.expires_at))


def _usable(action, key_id):
    """`action()` on a usable key; a key unknown, revoked or expired is a CommandError."""
    try:
        return action()
    except NotFound:
        raise CommandError(f"id: no usable API key {key_id} (unknown, revoked or expired); "
                           "`goldenrecord keys list` shows them all")


def _every_key(store):
    """Every key, page after page (the list is keyset-paged, like the API's)."""
    after = None
    while True:
        page = store.api_keys.list(limit=100, after=after)
        yield from page.items
        if page.after is None:
            return
        after = page.after


def table(keys):
    """Aligned columns, one key a line; names shown with control characters replaced,
    so a key named by an API client cannot drive the operator's terminal."""
    rows = [[heading for heading, _ in COLUMNS]]
    rows += [[_cell(key[field]) for _, field in COLUMNS] for key in keys]
    widths = [max(len(row[i]) for row in rows) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip()
                     for row in rows)


def _cell(value):
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        value = ",".join(value)
    return "".join(c if c.isprintable() else "\N{REPLACEMENT CHARACTER}" for c in str(value))
