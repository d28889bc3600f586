"""How text becomes tokens, the same way for indexed documents and for queries.

Case, accents and punctuation do not matter: text is case-folded, decomposed and
stripped of combining marks, then split into runs of letters and digits — what FTS5's
`unicode61 remove_diacritics 2` tokenizer does to the indexed columns.
"""
import re
import unicodedata

_WORD = re.compile(r"[^\W_]+")


def tokens(text):
    if not text:
        return []
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))
