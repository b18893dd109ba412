"""Make grade decisions immutable in the database itself, on PostgreSQL and on SQLite.

A trigger refuses every UPDATE and DELETE on `grades_grade`, whatever role or code path
tries (see `grades.triggers`, which also recreates the SQLite triggers after a table
rebuild).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION grades_grade_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'grades_grade is immutable: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grades_grade_immutable
    BEFORE UPDATE OR DELETE ON grades_grade
    FOR EACH ROW EXECUTE FUNCTION grades_grade_immutable();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS grades_grade_immutable ON grades_grade;
DROP FUNCTION IF EXISTS grades_grade_immutable();
"""

SQLITE_FORWARD = [
    """
    CREATE TRIGGER IF NOT EXISTS grades_grade_no_update BEFORE UPDATE ON grades_grade
    BEGIN
        SELECT RAISE(ABORT, 'grades_grade is immutable: UPDATE refused');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS grades_grade_no_delete BEFORE DELETE ON grades_grade
    BEGIN
        SELECT RAISE(ABORT, 'grades_grade is immutable: DELETE refused');
    END
    """,
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS grades_grade_no_update",
    "DROP TRIGGER IF EXISTS grades_grade_no_delete",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_FORWARD:
            schema_editor.execute(sql)


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_BACKWARD)
    elif vendor == "sqlite":
        for sql in SQLITE_BACKWARD:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("grades", "0001_initial")]
    operations = [migrations.RunPython(forward, backward)]
