"""Add the folded search name, fill it for every person, and index search on PostgreSQL.

On PostgreSQL, a trigram index on `search_name` serves `LIKE '% word%'` (any word start),
and a `varchar_pattern_ops` index on `civic_no` serves `LIKE '20150304%'` whatever the
database's collation (the unique index does only under the C collation). Neither index
exists on SQLite, which scans; it gives the same answers. pg_trgm is a trusted extension
since PostgreSQL 13, so the database owner may create it; CI connects as the superuser.
"""

from django.db import migrations, models

from skolsam.people.folding import search_name

BATCH = 5000

_INDEXES = (
    "CREATE INDEX IF NOT EXISTS people_person_search_name_trgm "
    "ON {table} USING gin (search_name gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS people_person_civic_no_prefix "
    "ON {table} (civic_no varchar_pattern_ops)",
)


def fill_search_names(apps, schema_editor):
    Person = apps.get_model("people", "Person")
    rows = Person.objects.order_by().values_list("id", "given_name", "middle_name", "family_name")
    batch = []
    for pk, given, middle, family in rows.iterator(chunk_size=BATCH):
        batch.append(Person(id=pk, search_name=search_name(given, middle, family)))
        if len(batch) == BATCH:
            Person.objects.bulk_update(batch, ["search_name"])
            batch = []
    Person.objects.bulk_update(batch, ["search_name"])


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    table = schema_editor.quote_name(apps.get_model("people", "Person")._meta.db_table)
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for statement in _INDEXES:
        schema_editor.execute(statement.format(table=table))


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS people_person_search_name_trgm")
    schema_editor.execute("DROP INDEX IF EXISTS people_person_civic_no_prefix")


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0002_choice_labels"),
    ]

    operations = [
        migrations.AddField(
            model_name="person",
            name="search_name",
            field=models.TextField(blank=True, default="", editable=False),
        ),
        migrations.RunPython(fill_search_names, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
