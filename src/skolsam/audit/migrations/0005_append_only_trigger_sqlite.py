"""Make the audit log append-only in the database itself on SQLite too.

The PostgreSQL trigger (0002) has no SQLite counterpart there; these two triggers refuse
every UPDATE and DELETE on the table, whatever code path tries, as the PostgreSQL one
does. SQLite drops a table's triggers when a migration rebuilds the table (SQLite's way
of altering columns): a later migration that changes `AuditEntry`'s fields must create
them again, and `test_log.py` fails if it does not.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE TRIGGER audit_auditentry_no_update BEFORE UPDATE ON audit_auditentry
    BEGIN
        SELECT RAISE(ABORT, 'audit_auditentry is append-only: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER audit_auditentry_no_delete BEFORE DELETE ON audit_auditentry
    BEGIN
        SELECT RAISE(ABORT, 'audit_auditentry is append-only: DELETE refused');
    END
    """,
]

BACKWARD = [
    "DROP TRIGGER IF EXISTS audit_auditentry_no_update",
    "DROP TRIGGER IF EXISTS audit_auditentry_no_delete",
]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_audit_entry_persons")]
    operations = [migrations.RunPython(forward, backward)]
