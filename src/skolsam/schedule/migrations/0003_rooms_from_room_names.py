"""Give every room name a schedule slot or lesson uses a Room row at its school unit.

Until 0002 a room was only the `room` text on timetable entries and lessons; the names
stay there (they are what a timetable file gives), and from now on each (school unit,
name) has a Room, which the API serves and calendarEvents refer to. Backwards: the rooms
are removed (0002 backwards drops the table in any case); the names on the slots and
lessons were never touched, so nothing is lost.
"""

from django.db import migrations


def rooms_from_names(apps, schema_editor):
    Room = apps.get_model("schedule", "Room")
    TimetableEntry = apps.get_model("schedule", "TimetableEntry")
    CalendarEvent = apps.get_model("schedule", "CalendarEvent")
    pairs = set(
        TimetableEntry.objects.exclude(room="")
        .values_list("activity__organisation_id", "room")
        .distinct()
    )
    pairs |= set(
        CalendarEvent.objects.exclude(room="").values_list("organisation_id", "room").distinct()
    )
    existing = set(Room.objects.values_list("owner_id", "display_name"))
    Room.objects.bulk_create(
        [
            Room(owner_id=owner, display_name=name)
            for owner, name in sorted(pairs - existing, key=lambda p: (str(p[0]), p[1]))
        ],
        batch_size=2000,
        ignore_conflicts=True,
    )


def rooms_removed(apps, schema_editor):
    apps.get_model("schedule", "Room").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("schedule", "0002_room_resource"),
    ]

    operations = [migrations.RunPython(rooms_from_names, rooms_removed)]
