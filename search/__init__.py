"""Typo-tolerant text search on SQLite FTS5, in place of a search server.

Organizations (name, slug, domain) and users (email, first and last name) are indexed by
FTS5 tables that triggers keep in step with every insert, update and delete, inside the
same transaction. A query's tokens match indexed terms exactly, as a prefix (the last
token, for type-ahead) or within a few typos (see `typos`); results are ranked by the
quality of the match (and whether it lies in the name), then name length, then id — a
key of each row alone, so result pages seek past the last one like keyset pages. User text never reaches FTS5's
query syntax: only indexed terms, quoted, do.
"""
from .engine import (CANDIDATES, KINDS, TOTAL_CAP, Found, find, index_document, index_new,
                     indexed, reindex_terms, spans)
from .rebuild import reindex, reindex_if_due
from .text import tokens

__all__ = ["CANDIDATES", "KINDS", "TOTAL_CAP", "Found", "find", "index_document", "index_new",
           "indexed", "reindex", "reindex_if_due", "reindex_terms", "spans", "tokens"]
