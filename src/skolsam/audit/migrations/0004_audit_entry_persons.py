"""Add the persons an audit entry is about (many per entry), append-only like the log.

The same trigger as migration 0002 for the new table on PostgreSQL: UPDATE and DELETE
are refused whatever role or code path tries.
"""

import django.db.models.deletion
from django.db import migrations, models

FORWARD = """
CREATE OR REPLACE FUNCTION audit_auditentryperson_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_auditentryperson is append-only: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_auditentryperson_append_only
    BEFORE UPDATE OR DELETE ON audit_auditentryperson
    FOR EACH ROW EXECUTE FUNCTION audit_auditentryperson_append_only();
"""

BACKWARD = """
DROP TRIGGER IF EXISTS audit_auditentryperson_append_only ON audit_auditentryperson;
DROP FUNCTION IF EXISTS audit_auditentryperson_append_only();
"""


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(FORWARD)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD)


class Migration(migrations.Migration):
    dependencies = [("audit", "0003_audit_base_manager")]

    operations = [
        migrations.CreateModel(
            name="AuditEntryPerson",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("person_id", models.UUIDField()),
                (
                    "entry",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="audit.auditentry",
                    ),
                ),
            ],
            options={
                "base_manager_name": "objects",
                "indexes": [models.Index(fields=["person_id", "entry"], name="audit_person_entry")],
            },
        ),
        migrations.RunPython(forward, backward),
    ]
