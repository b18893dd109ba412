"""The Swedish collation: the database's order and core.collation's key agree."""

from __future__ import annotations

import pytest
from django.db import connection

from skolsam.core.collation import NAME, swedish_key

WORDS = [
    "Zelda",
    "Åsa",
    "åsa",
    "ärlig",
    "Östen",
    "TE26A Teknik",
    "TE26A mentorsgrupp",
    "Émile",
    "Eva",
    "eva",
    "Ada",
    "Øyvind",
    "Ulla",
    "Yngve",
    "Üner",
    "1A",
    "10B",
    "Ängel",
    "Anna-Lena",
    "Anna Lena",
    "Wilma",
    "Vera",
]


def test_names_sort_in_swedish_order_in_python() -> None:
    ordered = sorted(WORDS, key=swedish_key)
    assert ordered.index("Zelda") < ordered.index("Åsa") < ordered.index("Ängel")
    assert ordered.index("Ängel") < ordered.index("Östen")
    assert ordered.index("TE26A mentorsgrupp") < ordered.index("TE26A Teknik")
    # Case decides only between otherwise equal names, lower case first.
    assert ordered.index("eva") + 1 == ordered.index("Eva")
    # Modern Swedish tells v and w apart.
    assert ordered.index("Vera") < ordered.index("Wilma") < ordered.index("Yngve")


@pytest.mark.django_db
def test_the_database_sorts_as_the_key_does() -> None:
    """On SQLite the registered collation, on PostgreSQL ICU's sv-SE: the same order."""
    rows = ", ".join(["(%s)"] * len(WORDS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT w FROM (VALUES {rows}) AS t(w) ORDER BY w COLLATE {connection.ops.quote_name(NAME)}"  # noqa: S608
            if connection.vendor == "postgresql"
            else f"SELECT column1 FROM (VALUES {rows}) ORDER BY column1 COLLATE {connection.ops.quote_name(NAME)}",  # noqa: S608
            WORDS,
        )
        ordered = [row[0] for row in cursor.fetchall()]
    assert ordered == sorted(WORDS, key=swedish_key)
