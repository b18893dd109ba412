"""Keep one counter that moves with every write an Actor is built from (see RegisterVersion).

Triggers rather than calls in the services: the Actor depends on eleven tables written by
services, imports, bulk statements, cascades and the Django admin, and a missed bump would
leave a session with rights it no longer has. On PostgreSQL one statement-level trigger
per table raises the counter once per statement (not per row), BEFORE the statement, so
every writer takes the counter's row lock before any row of the table and two writers
cannot deadlock on it; the new value is visible exactly when the change commits. SQLite
has row triggers only and one writer at a time, so each row raises it.
"""

from django.db import migrations, models

# (table, events): a person's name or a login's last_login does not change an Actor.
WATCHED = [
    ("duties_duty", None),
    ("duties_assignmentrole", None),
    ("activities_activity", None),
    ("activities_activityteacher", None),
    ("activities_activity_groups", None),
    ("people_responsible", None),
    ("people_protectedidentityauthorisation", None),
    ("people_person", ["security_marking"]),
    ("organisations_organisation", None),
    ("enrolment_enrolment", None),
    ("enrolment_placement", None),
    ("groups_group", ["organisation_id"]),
    ("accounts_user", ["person_id", "is_active", "is_superuser"]),
    ("accounts_user_groups", None),
    ("accounts_user_user_permissions", None),
    ("auth_group_permissions", None),
    # Whether a login has an authenticator app decides whether it must verify.
    ("otp_totp_totpdevice", ["user_id", "confirmed"]),
]

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION accounts_register_version_bump() RETURNS trigger AS $$
BEGIN
    UPDATE accounts_registerversion SET value = value + 1 WHERE id = 1;
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;
"""


def _name(table: str) -> str:
    return f"{table}_register_version"


def forward(apps, schema_editor):
    apps.get_model("accounts", "RegisterVersion").objects.create(pk=1, value=0)
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FUNCTION)
        for table, columns in WATCHED:
            if columns:
                events = f"INSERT OR UPDATE OF {', '.join(columns)} OR DELETE OR TRUNCATE"
                if table == "people_person":
                    # A new person has no relations yet; only a marking changes sight.
                    events = f"UPDATE OF {', '.join(columns)} OR DELETE OR TRUNCATE"
            else:
                events = "INSERT OR UPDATE OR DELETE OR TRUNCATE"
            schema_editor.execute(
                f"CREATE TRIGGER {_name(table)} BEFORE {events} ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION accounts_register_version_bump()"
            )
    elif vendor == "sqlite":
        bump = "UPDATE accounts_registerversion SET value = value + 1 WHERE id = 1;"
        for table, columns in WATCHED:
            update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
            events = ["DELETE", update] + ([] if table == "people_person" else ["INSERT"])
            for i, event in enumerate(events):
                schema_editor.execute(
                    f"CREATE TRIGGER {_name(table)}_{i} AFTER {event} ON {table} "
                    f"BEGIN {bump} END"
                )


def backward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table, _columns in WATCHED:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)} ON {table}")
        elif vendor == "sqlite":
            for i in range(3):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {_name(table)}_{i}")
    if vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS accounts_register_version_bump()")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_session_generation"),
        ("activities", "0002_choice_labels"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("duties", "0002_choice_labels"),
        ("enrolment", "0002_choice_labels"),
        ("groups", "0002_choice_labels"),
        ("organisations", "0002_choice_labels"),
        ("otp_totp", "0003_add_timestamps"),
        # After the search column: on SQLite adding it rebuilds people_person, which would
        # drop the triggers created here.
        ("people", "0003_person_search_name"),
    ]

    operations = [
        migrations.CreateModel(
            name="RegisterVersion",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("value", models.BigIntegerField(default=0)),
            ],
        ),
        migrations.RunPython(forward, backward),
    ]
