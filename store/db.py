"""The one database handle of this process, and its write transactions.

The handle is bound at run time through a proxy (peewee's DatabaseProxy), so the models
can be imported before anyone knows which database they live in: `bind` binds it to an
engine's (store/engine.py) when a store opens, and the engine's vault with it. One process serves one Golden Record
database.
"""
import contextlib

import peewee as pw

from .audit import journal

database = pw.DatabaseProxy()
# The bound engine's Vault (store/vault.py): SealedField columns (store/fields.py) seal
# and unseal through it, so no query has to pass the secret key.
sealer = pw.Proxy()
_engine = None


def bind(engine):
    """Open `engine`'s database and bind the models and their sealed columns to it;
    returns the peewee database. SecretKeyError when its secret key will not do."""
    global _engine
    handle = engine.open()
    database.initialize(handle)
    sealer.initialize(engine.vault)
    _engine = engine
    return handle


# Writes the audit entries of a transaction's notes inside it, just before it commits
# (store/audit/log.py AuditLog.write); set by the store that opens.
_audit_writer = None


def bind_audit(writer):
    global _audit_writer
    _audit_writer = writer


@contextlib.contextmanager
def write_transaction():
    """A transaction that holds the write lock from its start (the bound engine's
    `write_transaction`): every change of the store is made in one. What it changed is
    written to the audit log in the same transaction (store/audit/journal.py)."""
    with _engine.write_transaction() as transaction:
        mark = journal.begin()
        committed = False
        try:
            yield transaction
            committed = True
        finally:
            notes = journal.end(mark, committed)
        if notes and _audit_writer is not None:
            _audit_writer(notes)
