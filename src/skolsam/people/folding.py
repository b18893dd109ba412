"""Fold names for search: lower case, no diacritics, words separated by single spaces.

"Åsa Öberg-Lindén" and "asa oberg linden" fold to the same text, so a search for either
finds the other. The fold is done here, in Python, both for the stored search column
(`Person.search_name`) and for the words typed in the search box: SQLite's LIKE and
lower() know only ASCII and PostgreSQL's depend on the collation, so folding in the
database would give the two databases different answers.
"""

from __future__ import annotations

import unicodedata

# Letters that Unicode does not decompose into a base letter and a mark.
_LETTERS = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d", "ł": "l", "ı": "i", "þ": "th"}
)
# Apostrophes join a name ("O'Brien" is one word); every other non-letter separates words.
_APOSTROPHES = frozenset("'’ʼ`´")


def fold(text: str) -> str:
    """Return `text` lower-cased, without diacritics, as words separated by single spaces."""
    # NFKD before and after casefold: each can produce what the other must still handle
    # (casefold turns "İ" into "i" and a combining dot; NFKD turns "ℌ" into "H").
    text = _strip_marks(_strip_marks(text).casefold()).translate(_LETTERS)
    words = "".join("" if c in _APOSTROPHES else c if c.isalnum() else " " for c in text).split()
    return " ".join(words)


def search_name(given_name: str, middle_name: str, family_name: str) -> str:
    """Return the stored search text of a name: the folded words, each preceded by a space.

    The leading space lets one `LIKE '% word%'` find every word start, which a trigram
    index on PostgreSQL can serve.
    """
    folded = fold(" ".join((given_name or "", middle_name or "", family_name or "")))
    return f" {folded}" if folded else ""


def _strip_marks(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
