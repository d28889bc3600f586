"""How text becomes tokens, the same way for indexed documents and for queries.

Case, accents, punctuation and look-alike forms do not matter: text is case-folded,
decomposed with compatibility (NFKD: `ﬁ` is `fi`, `Ａ` is `a`, `²` is `2`) and stripped of
combining marks; the Latin letters that decomposition leaves whole are transliterated
(`ł` is `l`, `ø` is `o`, `æ` is `ae`, `ß` is `ss`, `þ` is `th`), so `lodz` finds `Łódź`
and `aeon` finds `Æon`; then the text is split into runs of letters and digits.

FTS5's `unicode61 remove_diacritics 2` tokenizer, which indexes the columns, folds less
(it keeps `łodz`, `ａｃｍｅ`, `ﬁrm`): `search/forms.py` maps each of these tokens to the
index's own form of the word, so both sides meet.
"""
import functools
import re
import unicodedata

from anyascii import anyascii

_WORD = re.compile(r"[^\W_]+")


def tokens(text):
    if not text:
        return []
    return _WORD.findall(fold(text))


def fold(text):
    """`text` case-folded, compatibility-decomposed, without marks, Latin transliterated."""
    folded = unicodedata.normalize("NFKD", text.casefold())
    if folded.isascii():
        return folded
    return "".join(_letter(c) for c in folded if not unicodedata.combining(c))


@functools.lru_cache(maxsize=4096)
def _letter(char):
    """A Latin letter that NFKD keeps whole as its ASCII letters (anyascii's table, a
    maintained transliteration of all of Unicode), lower case; any other character as it
    is. Only Latin: other scripts keep their own letters (`東京` stays `東京`, as the
    index has it), and only letters: a transliteration with punctuation (`ŉ` as `'n`)
    would split a word."""
    if char.isascii() or not unicodedata.name(char, "").startswith("LATIN "):
        return char
    ascii_form = anyascii(char).lower()
    return ascii_form if ascii_form.isalnum() else char
