"""Add N weeks of lessons and attendance to a generated register (PostgreSQL).

Every school with a timetable gets its lessons for the weeks (schedule.services
.generate_lessons), and every lesson gets a reported register: one attendance row for
every member of its groups that day, about 4 % absent (60 % of them valid) and 3 % late,
chosen by a hash of the lesson and pupil so the data is the same in every run. The rows
are written by one INSERT ... SELECT per week inside the database.

Usage (after `manage.py generate_register --pupils 150000` and a timetable, e.g. the
demo's `schedule.demo.demo_schedule_load`): python bench/attendance_data.py --weeks 4
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

INSERT = """
INSERT INTO attendance_attendance (id, created, modified, calendar_event_id, student_id, date,
  organisation_id, kind, valid, minutes, attendance_minutes, valid_absence_minutes,
  invalid_absence_minutes, other_attendance_minutes, absence_reason, source, reported_timestamp)
SELECT gen_random_uuid(), now(), now(), x.eid, x.pid, x.date, x.org,
  CASE WHEN x.h < 40 THEN 'Frånvarande' WHEN x.h < 70 THEN 'Sen' ELSE 'Närvarande' END,
  x.h < 24 OR (x.h >= 40 AND x.h < 49),
  CASE WHEN x.h >= 40 AND x.h < 70 THEN 10 ELSE 0 END,
  CASE WHEN x.h < 40 THEN 0 WHEN x.h < 70 THEN x.len - 10 ELSE x.len END,
  CASE WHEN x.h < 24 THEN x.len WHEN x.h >= 40 AND x.h < 49 THEN 10 ELSE 0 END,
  CASE WHEN x.h >= 24 AND x.h < 40 THEN x.len WHEN x.h >= 49 AND x.h < 70 THEN 10 ELSE 0 END,
  0, '', 'Lärare', now()
FROM (
  SELECT DISTINCT ON (e.id, m.person_id) e.id AS eid, m.person_id AS pid, e.date, e.organisation_id AS org,
    e.duration_minutes AS len, abs(hashtext(e.id::text || m.person_id::text)) %% 1000 AS h
  FROM schedule_calendarevent e
  JOIN activities_activity_groups ag ON ag.activity_id = e.activity_id
  JOIN groups_groupmembership m ON m.group_id = ag.group_id
    AND m.start_date <= e.date AND (m.end_date IS NULL OR m.end_date >= e.date)
  WHERE e.date BETWEEN %s AND %s AND NOT e.cancelled
) x
ON CONFLICT (calendar_event_id, student_id) DO NOTHING
"""


def attendance_generate(*, start: date, weeks: int) -> dict[str, int]:
    """Add the lessons and attendance of `weeks` weeks from `start`; return the counts."""
    from django.db import connection, transaction

    from skolsam.schedule.models import CalendarEvent, Term, TimetableEntry
    from skolsam.schedule.services import generate_lessons

    end = start + timedelta(days=7 * weeks - 1)
    lessons = rows = 0
    units = (
        TimetableEntry.objects.order_by()
        .values_list("activity__organisation_id", "term_id")
        .distinct()
    )
    terms = {t.pk: t for t in Term.objects.all()}
    for unit_id, term_id in units:
        with transaction.atomic():
            lessons += generate_lessons(unit_id, terms[term_id], start, end)
    # The lessons were just written: without fresh statistics the planner expects a
    # handful and picks a nested loop over every membership.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    for week in range(weeks):
        first = start + timedelta(days=7 * week)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(INSERT, [first, first + timedelta(days=6)])
            rows += cursor.rowcount
            cursor.execute(
                "UPDATE schedule_calendarevent SET reported_at = now(), register_version = 1 "
                "WHERE date BETWEEN %s AND %s AND reported_at IS NULL",
                [first, first + timedelta(days=6)],
            )
    with connection.cursor() as cursor:
        # Fresh statistics for every table: the register was loaded with COPY a moment ago.
        cursor.execute("ANALYZE")
    return {
        "lessons added": lessons,
        "attendance rows added": rows,
        "lessons in database": CalendarEvent.objects.count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=1)
    parser.add_argument("--start", default="2026-08-17", help="the Monday to start from")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skolsam.conf.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    t = time.perf_counter()
    counts = attendance_generate(start=date.fromisoformat(args.start), weeks=args.weeks)
    print(counts, f"{time.perf_counter() - t:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
