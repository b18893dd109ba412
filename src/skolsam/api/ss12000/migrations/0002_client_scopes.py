"""Give API clients read and write scopes per resource type.

Clients registered before scopes existed keep reading everything the API serves and keep
their own bookkeeping (webhook subscriptions, log, statistics), none of which changes the
register. They lose register writes (`attendances:write`): until now every client could
write, so having written before says nothing about being meant to, and a read-only
integration (the national tests' client) must not keep a write it never needed. An
administrator grants it back with `manage.py ss12000_client scopes CLIENT_ID --add
attendances:write` or on the client's page.

The lists are written out here, not imported, so this migration means the same thing
however the scope vocabulary grows later.
"""

from django.db import migrations, models

EXISTING_CLIENT_SCOPES = [
    "organisations:read",
    "persons:read",
    "placements:read",
    "duties:read",
    "groups:read",
    "programmes:read",
    "syllabuses:read",
    "schoolUnitOfferings:read",
    "activities:read",
    "calendarEvents:read",
    "attendances:read",
    "attendanceEvents:read",
    "attendanceSchedule:read",
    "absences:read",
    "aggregatedAttendance:read",
    "subscriptions:read",
    "subscriptions:write",
    "log:write",
    "statistics:write",
    "deletedEntities:read",
]


def grant_existing(apps, schema_editor):
    ApiClient = apps.get_model("ss12000", "ApiClient")
    ApiClient.objects.all().update(scopes=EXISTING_CLIENT_SCOPES)


class Migration(migrations.Migration):
    dependencies = [
        ("ss12000", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="apiclient",
            name="scopes",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text="Läs- och skrivrätt per resurstyp, till exempel persons:read.",
            ),
        ),
        migrations.RunPython(grant_existing, migrations.RunPython.noop),
    ]
