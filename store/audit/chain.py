"""The hash chain that makes the audit log tamper-evident.

Each entry's `hash` is SHA-256 over its previous entry's hash and its own stored columns in
a fixed order, so altering any column of an entry, or removing one from the middle, breaks
the link to the next; pruning keeps the last pruned entry's hash (feed_mark 'audit') for
the first kept one to link to. `verify` walks the stored rows and names the first that
does not hold.
"""
import hashlib
import json

# The hashed columns, in order: everything an entry says.
HASHED = ("seq", "id", "created_at", "action", "actor_type", "actor_id", "actor_name",
          "target_type", "target_id", "organization_id", "changes", "metadata",
          "client_address", "request_id")
GENESIS = "0" * 64


def entry_hash(prev_hash, row):
    """The hash of `row` (a mapping of HASHED columns, as stored) after `prev_hash`."""
    body = json.dumps([row[name] for name in HASHED], separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{prev_hash}\n{body}".encode()).hexdigest()




def first_break(anchor, rows):
    """The first problem of the chain of `rows` (mappings with HASHED, prev_hash and hash,
    in seq order) starting after `anchor` ((seq, hash) of the last pruned entry, or
    (0, GENESIS)): None when every link holds, else (seq, entry id, what is wrong)."""
    expected_seq, expected_prev = anchor[0] + 1, anchor[1]
    for row in rows:
        if row["seq"] != expected_seq:
            return (expected_seq, None,
                    f"entries {expected_seq}..{row['seq'] - 1} are missing (removed)")
        if row["prev_hash"] != expected_prev:
            return (row["seq"], row["id"],
                    "its previous-hash does not match the entry before it (that one was "
                    "altered or removed)")
        if entry_hash(row["prev_hash"], row) != row["hash"]:
            return row["seq"], row["id"], "its contents were altered after it was written"
        expected_seq, expected_prev = row["seq"] + 1, row["hash"]
    return None
