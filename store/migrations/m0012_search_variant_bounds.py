"""Rebuild the typo-variant index under its bounds, dropping what no document needs.

Before this, every term any write had ever indexed kept its deletion variants for good
(deletes and renames removed none), and a long term got every variant it had: one name
of 50 characters from U+3300-U+3357 left about 25,000 rows behind. Rebuilding from the
documents as they are now keeps only the variants of the terms they hold, within the
limits of `search.typos` — the same rows the incremental upkeep would have written.
"""
from goldenrecord import search


def apply(db, now):
    search.reindex_terms(db)
