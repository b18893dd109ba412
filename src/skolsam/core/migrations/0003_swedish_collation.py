"""Create the Swedish collation `skolsam_sv` on PostgreSQL (ICU's sv-SE).

SQLite gets a collation of the same name on every connection (core/collation.py), so
`Collate(..., "skolsam_sv")` means Swedish order on both databases.
"""

from django.db import migrations


def create_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        "CREATE COLLATION IF NOT EXISTS skolsam_sv (provider = icu, locale = 'sv-SE')"
    )


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP COLLATION IF EXISTS skolsam_sv")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_ended_relations"),
    ]

    operations = [
        migrations.RunPython(create_collation, drop_collation),
    ]
