"""Keep the betygskatalog and the issued certificates in the database itself.

On PostgreSQL and on SQLite (see `grades.triggers`, which also recreates the SQLite
triggers after a table rebuild):
- a catalogue is never deleted; an unsigned (locked) one changes only by its signing,
  which leaves what the lock froze as it was and stores the PDF; a signed one never
  changes;
- a certificate (GradeDocument) is never updated nor deleted.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION grades_gradecatalogue_kept() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'grades_gradecatalogue is kept for ever: DELETE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF OLD.signed_at IS NOT NULL THEN
        RAISE EXCEPTION 'grades_gradecatalogue is signed: UPDATE refused'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NEW.id IS DISTINCT FROM OLD.id
        OR NEW.organisation_id IS DISTINCT FROM OLD.organisation_id
        OR NEW.grading_period_id IS DISTINCT FROM OLD.grading_period_id
        OR NEW.syllabus_id IS DISTINCT FROM OLD.syllabus_id
        OR NEW.group_id IS DISTINCT FROM OLD.group_id
        OR NEW.rows IS DISTINCT FROM OLD.rows
        OR NEW.locked_by_id IS DISTINCT FROM OLD.locked_by_id
        OR NEW.locked_at IS DISTINCT FROM OLD.locked_at
        OR (NEW.signed_at IS NULL AND (
            NEW.signed_by_id IS DISTINCT FROM OLD.signed_by_id
            OR NEW.signature IS DISTINCT FROM OLD.signature
            OR NEW.pdf IS DISTINCT FROM OLD.pdf
            OR NEW.pdf_sha256 IS DISTINCT FROM OLD.pdf_sha256))
        OR (NEW.signed_at IS NOT NULL AND NEW.pdf IS NULL)
    THEN
        RAISE EXCEPTION 'grades_gradecatalogue is locked: only its signing may change it'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grades_gradecatalogue_kept
    BEFORE UPDATE OR DELETE ON grades_gradecatalogue
    FOR EACH ROW EXECUTE FUNCTION grades_gradecatalogue_kept();

CREATE OR REPLACE FUNCTION grades_gradedocument_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'grades_gradedocument is immutable: %% refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER grades_gradedocument_immutable
    BEFORE UPDATE OR DELETE ON grades_gradedocument
    FOR EACH ROW EXECUTE FUNCTION grades_gradedocument_immutable();
"""

PG_BACKWARD = """
DROP TRIGGER IF EXISTS grades_gradecatalogue_kept ON grades_gradecatalogue;
DROP FUNCTION IF EXISTS grades_gradecatalogue_kept();
DROP TRIGGER IF EXISTS grades_gradedocument_immutable ON grades_gradedocument;
DROP FUNCTION IF EXISTS grades_gradedocument_immutable();
"""

_FROZEN = (
    "id",
    "organisation_id",
    "grading_period_id",
    "syllabus_id",
    "group_id",
    "rows",
    "locked_by_id",
    "locked_at",
)
_SIGNING = ("signed_by_id", "signed_at", "signature", "pdf", "pdf_sha256")


def _changed(columns):
    return " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)


SQLITE_FORWARD = [
    """
    CREATE TRIGGER IF NOT EXISTS grades_gradecatalogue_no_delete
    BEFORE DELETE ON grades_gradecatalogue
    BEGIN SELECT RAISE(ABORT, 'grades_gradecatalogue is kept for ever: DELETE refused'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS grades_gradecatalogue_signed
    BEFORE UPDATE ON grades_gradecatalogue WHEN OLD.signed_at IS NOT NULL
    BEGIN SELECT RAISE(ABORT, 'grades_gradecatalogue is signed: UPDATE refused'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS grades_gradecatalogue_locked
    BEFORE UPDATE ON grades_gradecatalogue
    WHEN OLD.signed_at IS NULL AND ({_changed(_FROZEN)}
        OR (NEW.signed_at IS NULL AND ({_changed(_SIGNING)}))
        OR (NEW.signed_at IS NOT NULL AND NEW.pdf IS NULL))
    BEGIN
        SELECT RAISE(ABORT, 'grades_gradecatalogue is locked: only its signing may change it');
    END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS grades_gradedocument_no_update
    BEFORE UPDATE ON grades_gradedocument
    BEGIN SELECT RAISE(ABORT, 'grades_gradedocument is immutable: UPDATE refused'); END
    """,
    """
    CREATE TRIGGER IF NOT EXISTS grades_gradedocument_no_delete
    BEFORE DELETE ON grades_gradedocument
    BEGIN SELECT RAISE(ABORT, 'grades_gradedocument is immutable: DELETE refused'); END
    """,
]

SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS grades_gradecatalogue_no_delete",
    "DROP TRIGGER IF EXISTS grades_gradecatalogue_signed",
    "DROP TRIGGER IF EXISTS grades_gradecatalogue_locked",
    "DROP TRIGGER IF EXISTS grades_gradedocument_no_update",
    "DROP TRIGGER IF EXISTS grades_gradedocument_no_delete",
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
    dependencies = [("grades", "0008_grade_summary")]
    operations = [migrations.RunPython(forward, backward)]
