"""Keep SQLite's register-version triggers in place after every migration.

On SQLite, a migration that alters a table (adding a column to `people_person`, say)
rebuilds it, and the rebuild drops the table's triggers. The register version
(`accounts/migrations/0004_register_version.py`) would then stop moving when a person's
marking changes, and sessions would keep rights they have lost. So after every `migrate`
(`post_migrate`, Django's hook for schema upkeep, as contenttypes uses it) the triggers
are created again where missing. PostgreSQL keeps triggers when a column is added; its
statement-level triggers are left to the migration.
"""

from __future__ import annotations

from typing import Any

from django.db import connections

# (table, columns an UPDATE must touch to count), as in migration 0004.
WATCHED: list[tuple[str, list[str] | None]] = [
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
    ("otp_totp_totpdevice", ["user_id", "confirmed"]),
]
BUMP = "UPDATE accounts_registerversion SET value = value + 1 WHERE id = 1;"


def sqlite_triggers() -> dict[str, str]:
    """Return every SQLite trigger of the register version, by name."""
    out = {}
    for table, columns in WATCHED:
        update = f"UPDATE OF {', '.join(columns)}" if columns else "UPDATE"
        # A new person has no relations yet; only a marking changes sight.
        events = ["DELETE", update] + ([] if table == "people_person" else ["INSERT"])
        for i, event in enumerate(events):
            name = f"{table}_register_version_{i}"
            out[name] = (
                f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {event} ON {table} BEGIN {BUMP} END"
            )
    return out


def register_version_triggers_ensure(*, using: str = "default", **_: Any) -> None:
    """Create the SQLite triggers that a table rebuild dropped (post_migrate)."""
    connection = connections[using]
    if connection.vendor != "sqlite":
        return
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for name, sql in sqlite_triggers().items():
            if name.rsplit("_register_version_", 1)[0] in tables:
                cursor.execute(sql)
