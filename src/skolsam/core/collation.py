"""Sort text in Swedish order on both databases: `ORDER BY swedish(F("display_name"))`.

Code-point order puts "TE26A Teknik" before "TE26A mentorsgrupp" and "Åsa" anywhere but
after "Zelda". Swedish order ignores case and accents first (å, ä and ö are letters of
their own after z; æ sorts as ä, ø as ö, ü as y), then tells accents apart, then puts lower
case first, as ICU's Swedish collation does.

On PostgreSQL the collation `skolsam_sv` is ICU's `sv-SE`, created by
`core/migrations/0003_swedish_collation.py`. On SQLite a collation of the same name is
registered on every new connection (`register_sqlite_collation`, connected in
`CoreConfig.ready`), comparing with `swedish_key`. The two agree on letters, digits,
spaces and the usual punctuation; a total order still needs a tiebreak (the id), since
different texts may compare equal in ICU.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from typing import Any

from django.db.models import Expression, F
from django.db.models.functions import Collate

NAME = "skolsam_sv"

_ALPHABET = "abcdefghijklmnopqrstuvwxyzåäö"
_RANK = {c: i for i, c in enumerate(_ALPHABET)}
# Letters Swedish sorts as another letter, before the accent-stripping fallback.
_AS = {"æ": "ä", "ø": "ö", "ü": "y", "œ": "ö", "ð": "d", "đ": "d", "ł": "l", "ß": "s"}
# Primary classes: whitespace and punctuation before digits before letters (ICU's
# non-ignorable default), anything else after.
_SPACE, _PUNCT, _DIGIT, _LETTER, _OTHER = range(5)


def _primary(c: str) -> tuple[int, int, str]:
    """Return the Swedish primary weight of one lower-case character and its accent mark."""
    if c in _RANK:
        return (_LETTER, _RANK[c], "")
    if c in _AS:
        return (_LETTER, _RANK[_AS[c]], c)
    decomposed = unicodedata.normalize("NFD", c)
    base = decomposed[0]
    if base in _RANK and base not in "åäö":
        return (_LETTER, _RANK[base], decomposed[1:])
    if c.isdigit():
        return (_DIGIT, unicodedata.digit(c, 0), "")
    if c.isspace():
        return (_SPACE, 0, "")
    if not c.isalnum():
        return (_PUNCT, ord(c), "")
    return (_OTHER, ord(c), "")


@lru_cache(maxsize=65536)
def swedish_key(text: str) -> tuple:
    """Return a key that sorts texts in Swedish order (primary, accents, case, the text)."""
    # NFC first so "a" + combining ring is "å", a letter, not an accented "a".
    text = unicodedata.normalize("NFC", text)
    weights = [_primary(c) for c in text.lower()]
    primary = tuple((w[0], w[1]) for w in weights)
    accents = tuple(w[2] for w in weights)
    # Lower case first at the third level, as in ICU's default.
    case = tuple(c != c.lower() for c in text)
    return (primary, accents, case, text)


def _compare(a: str | None, b: str | None) -> int:
    ka, kb = swedish_key(a or ""), swedish_key(b or "")
    return (ka > kb) - (ka < kb)


def register_sqlite_collation(sender: Any, connection: Any, **kwargs: Any) -> None:
    """Register `skolsam_sv` on a new SQLite connection (the `connection_created` receiver)."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(NAME, _compare)


def swedish(expr: str | Expression) -> Collate:
    """Return `expr` under the Swedish collation, for ORDER BY and window orderings."""
    return Collate(F(expr) if isinstance(expr, str) else expr, NAME)
