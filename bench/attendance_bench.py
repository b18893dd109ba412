"""Time attendance on a generated municipality: lesson registers and term statistics.

1. Create a database of its own (`skolsam_attendance_bench`) on the PostgreSQL server of
   DATABASE_URL, migrate it, generate a municipality of `--pupils` pupils
   (`generate_register`'s plan), give every school a timetable (schedule.demo) and add
   `--weeks` weeks of lessons with attendance for every pupil (bench/attendance_data.py).
2. Register save: a 30-pupil lesson's register saved through `register_save` (the
   server-side save: roster with the saved rows, then the optimistic lock with the teacher
   check, the bulk upsert and the audit entry in one statement) against a raw SQL upsert
   of the same 30 rows written the way the app writes it (the rows as one JSON parameter of
   one statement, in autocommit like the save), timed alternately in the same run; and the
   number of queries for a 30-pupil and a small register.
3. Statistics: the largest school's figures for the weeks (`attendance.stats.school_figures`)
   against raw SQL that computes the same: the two aggregates, then the pupils' names and
   classes limited to the persons the rektor may see (the same SQL the app's queryset
   compiles to, the access layer's scope included).
4. Print the medians and ratios (the goal is at most 3x) and add them to bench/RESULTS.md.

Usage: python bench/attendance_bench.py [--pupils 150000] [--weeks 2] [--keep] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import orjson

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"
TERM_START = date(2026, 8, 17)


def _median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def _paired_medians_ms(
    a: Callable[[], object], b: Callable[[], object], runs: int
) -> tuple[float, float]:
    """Time `a` and `b` alternately and return both medians.

    The machine is shared, so its load drifts during a run; alternating puts both under
    the same load instead of timing one block while the machine is quiet and the other
    while it is busy.
    """
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(runs):
        for fn, out in ((a, times[0]), (b, times[1])):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=150_000)
    parser.add_argument("--weeks", type=int, default=2)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--database", default="skolsam_attendance_bench")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the kept database as it is")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()

    import psycopg

    server = os.environ.get("DATABASE_URL") or DEFAULT_URL
    url = urlunsplit(urlsplit(server)._replace(path=f"/{args.database}"))
    if not args.reuse:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
            conn.execute(f'CREATE DATABASE "{args.database}"')
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skolsam.conf.settings")
    os.environ.setdefault("SKOLSAM_TASKS_BACKEND", "django_tasks.backends.dummy.DummyBackend")
    sys.path[:0] = [str(ROOT / "src"), str(ROOT / "bench")]
    import django

    django.setup()
    try:
        figures = _run(args)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{args.database}"')
    for key, value in figures.items():
        print(f"{key:>36}: {value}")
    if not args.no_record:
        _record(figures, args)
    return 0


def _run(args: argparse.Namespace) -> dict[str, object]:
    from attendance_data import attendance_generate
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from skolsam.accounts.actor import actor_for_person
    from skolsam.attendance import minutes as clock
    from skolsam.attendance.access import lesson_roster
    from skolsam.attendance.services.register import Mark, register_save
    from skolsam.attendance.stats import school_figures
    from skolsam.demo.services import register_generate
    from skolsam.people.access import persons_visible_to
    from skolsam.schedule.demo import demo_schedule_load
    from skolsam.schedule.models import CalendarEvent

    out: dict[str, object] = {"pupils": args.pupils, "weeks": args.weeks}
    if not args.reuse:
        call_command("migrate", verbosity=0)
        t = time.perf_counter()
        register_generate(pupils=args.pupils, seed=1)
        out["register generated (s)"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        _timetable_only(demo_schedule_load)
        generated = attendance_generate(start=TERM_START, weeks=args.weeks)
        out["lessons + attendance added (s)"] = round(time.perf_counter() - t, 1)
        out.update(generated)

    # --- one register of 30 pupils --------------------------------------------------------
    day = TERM_START + timedelta(days=7 * args.weeks + 1)
    lesson = _lesson_with(30, day)
    teacher = lesson.activity.teachers.select_related("duty").first().duty.person_id
    actor = actor_for_person(teacher, on=lesson.date)
    pupils = list(lesson_roster(actor, lesson).values_list("pk", flat=True))
    out["register pupils"] = len(pupils)
    marks = [
        Mark(pupils[0], "Frånvarande", True),
        Mark(pupils[1], "Sen", False, 10),
        Mark(pupils[2], "Frånvarande", False),
    ]

    lesson.refresh_from_db()
    version = [lesson.register_version]

    def save() -> None:
        result = register_save(actor=actor, lesson=lesson, version=version[0], marks=marks)
        version[0] = result.version

    save()  # warm the caches, create the rows
    rows = _raw_rows(lesson.pk, pupils)

    def raw() -> None:
        # As a skilled engineer writes it, and as the app does: the whole register as one
        # JSON parameter of one statement, in autocommit like the save.
        payload = orjson.dumps([dict(zip(RAW_COLUMNS, row, strict=True)) for row in rows])
        with connection.cursor() as cursor:
            cursor.execute(RAW_UPSERT, [payload.decode()])

    raw()
    save_ms, raw_ms = _paired_medians_ms(save, raw, args.runs)
    out["register save median (ms)"] = round(save_ms, 2)
    out["raw upsert of the same rows (ms)"] = round(raw_ms, 2)
    out["register save / raw"] = round(save_ms / raw_ms, 2)
    with CaptureQueriesContext(connection) as big:
        save()
    small_lesson = _lesson_with(5, day, at_most=True)
    small_actor = actor_for_person(
        small_lesson.activity.teachers.first().duty.person_id, on=small_lesson.date
    )
    small_pupils = list(lesson_roster(small_actor, small_lesson).values_list("pk", flat=True))

    small_version = [small_lesson.register_version]

    def save_small() -> None:
        result = register_save(
            actor=small_actor,
            lesson=small_lesson,
            version=small_version[0],
            marks=[Mark(m.student_id, m.kind, m.valid, m.minutes) for m in marks[:0]]
            + [
                Mark(pid, m.kind, m.valid, m.minutes)
                for pid, m in zip(small_pupils, marks, strict=False)
            ],
        )
        small_version[0] = result.version

    save_small()  # warm, as the large one was
    with CaptureQueriesContext(connection) as small:
        save_small()
    small_size = len(small_pupils)
    out[f"queries: {len(pupils)}-pupil / {small_size}-pupil register"] = (
        f"{len(big)} / {len(small)}"
    )

    # --- term statistics of the largest school -----------------------------------------
    unit_id = (
        CalendarEvent.objects.values("organisation_id")
        .annotate(n=django_count())
        .order_by("-n")
        .values_list("organisation_id", flat=True)
        .first()
    )
    assert unit_id is not None
    start, end = TERM_START, TERM_START + timedelta(days=7 * args.weeks - 1)
    rektor = _rektor_of(unit_id, day)
    visible = persons_visible_to(rektor)
    result = school_figures(organisation_id=unit_id, start=start, end=end, visible=visible)
    out["statistics pupils"] = len(result.pupils)

    # The raw side computes what the app computes: the two aggregates, the rows of lessons
    # that overlap another of the same pupil's lessons that day (a window over each pupil's
    # day, for the scheduled time and for the marks, as the app finds them), then the
    # pupils' names and classes, limited to the persons the rektor may see. That last statement is
    # compiled from the same queryset the app builds (the access layer's scope included),
    # so both sides run the same SQL and the difference is what the app adds around it.
    from django.db.models import OuterRef, Subquery

    from skolsam.core.choices import GroupType
    from skolsam.core.models import valid_on
    from skolsam.groups.models import GroupMembership

    klass = GroupMembership.objects.filter(
        valid_on(end), person_id=OuterRef("pk"), group__group_type=GroupType.KLASS
    ).order_by("group__display_name")

    def raw_stats() -> None:
        with connection.cursor() as cursor:
            cursor.execute(RAW_SCHEDULED, [unit_id, start, end])
            scheduled = cursor.fetchall()
            cursor.execute(RAW_ABSENCE, [unit_id, start, end])
            absent = cursor.fetchall()
            # Overlapping lessons count once per minute: the few overlapping rows are
            # merged on the clock, as the app merges them (attendance.minutes).
            cursor.execute(RAW_SCHEDULED_OVERLAPS, [unit_id, start, end])
            spans: dict[tuple, list] = defaultdict(list)
            for pupil, on, begin, end_ in cursor.fetchall():
                spans[pupil, on].append((clock.clock_minute(begin), clock.clock_minute(end_)))
            for found in spans.values():
                clock.length(found) - sum(e - s for s, e in found)
            cursor.execute(RAW_ABSENCE_OVERLAPS, [unit_id, start, end])
            marks: dict[tuple, list] = defaultdict(list)
            for pupil, on, begin, minutes, kind, valid, invalid in cursor.fetchall():
                marks[pupil, on].append(
                    clock.Marked(clock.clock_minute(begin), minutes, kind, valid, invalid)
                )
            for marked in marks.values():
                clock.absent(marked)
            ids = {row[0] for row in scheduled} | {row[0] for row in absent}
            sql, params = (
                visible.filter(pk__in=ids, security_marking="Ingen")
                .annotate(klass=Subquery(klass.values("group__display_name")[:1]))
                .values_list("id", "given_name", "middle_name", "family_name", "klass")
                .query.sql_with_params()
            )
            cursor.execute(sql, params)
            cursor.fetchall()

    runs = max(5, args.runs // 20)
    stats_ms, raw_stats_ms = _paired_medians_ms(
        lambda: school_figures(organisation_id=unit_id, start=start, end=end, visible=visible),
        raw_stats,
        runs,
    )
    out["school statistics median (ms)"] = round(stats_ms, 1)
    out["raw SQL aggregates (ms)"] = round(raw_stats_ms, 1)
    out["statistics / raw"] = round(stats_ms / raw_stats_ms, 2)
    return out


def django_count():
    from django.db.models import Count

    return Count("id")


def _timetable_only(loader: Callable[..., object]) -> None:
    """Give every school its timetable and terms; lessons come from attendance_generate."""
    from skolsam.schedule import demo

    original = demo.generate_lessons
    demo.generate_lessons = lambda *a, **k: 0
    try:
        loader()
    finally:
        demo.generate_lessons = original


def _lesson_with(size: int, day: date, at_most: bool = False):
    from django.db.models import Count, F, Q

    from skolsam.schedule.models import CalendarEvent

    qs = (
        CalendarEvent.objects.filter(date__gte=day - timedelta(days=7), cancelled=False)
        .annotate(
            n=Count(
                "activity__groups__memberships",
                filter=Q(activity__groups__memberships__start_date__lte=F("date"))
                & (
                    Q(activity__groups__memberships__end_date__isnull=True)
                    | Q(activity__groups__memberships__end_date__gte=F("date"))
                ),
            )
        )
        .select_related("activity")
    )
    if at_most:
        return qs.filter(n__gte=2).order_by("n").first()
    return qs.filter(n__gte=size).order_by("n").first() or qs.order_by("-n").first()


def _rektor_of(unit_id, day):
    from skolsam.accounts.actor import actor_for_person
    from skolsam.core.choices import DutyRole
    from skolsam.duties.models import Duty

    duty = Duty.objects.filter(duty_at_id=unit_id, duty_role=DutyRole.REKTOR).first()
    assert duty is not None
    return actor_for_person(duty.person_id, on=day)


def _raw_rows(lesson_id, pupils):
    import uuid

    from django.utils import timezone

    from skolsam.schedule.models import CalendarEvent

    lesson = CalendarEvent.objects.get(pk=lesson_id)
    now = timezone.now()
    rows = []
    for i, pid in enumerate(pupils):
        kind, valid, minutes, present, va, inv = (
            "Närvarande",
            False,
            0,
            lesson.duration_minutes,
            0,
            0,
        )
        if i in (0, 2):
            kind, present = "Frånvarande", 0
            va, inv = (lesson.duration_minutes, 0) if i == 0 else (0, lesson.duration_minutes)
        rows.append(
            (uuid.uuid4(), now, now, lesson.pk, pid, lesson.date, lesson.organisation_id, kind, valid,
             minutes, present, va, inv, 0, "", "Lärare", now)
        )  # fmt: skip
    return rows


RAW_COLUMNS = (
    "id", "created", "modified", "calendar_event_id", "student_id", "date", "organisation_id",
    "kind", "valid", "minutes", "attendance_minutes", "valid_absence_minutes",
    "invalid_absence_minutes", "other_attendance_minutes", "absence_reason", "source",
    "reported_timestamp",
)  # fmt: skip

RAW_UPSERT = """
INSERT INTO attendance_attendance (id, created, modified, calendar_event_id, student_id, date,
  organisation_id, kind, valid, minutes, attendance_minutes, valid_absence_minutes,
  invalid_absence_minutes, other_attendance_minutes, absence_reason, source, reported_timestamp)
SELECT r.id, r.created, r.modified, r.calendar_event_id, r.student_id, r.date,
  r.organisation_id, r.kind, r.valid, r.minutes, r.attendance_minutes, r.valid_absence_minutes,
  r.invalid_absence_minutes, r.other_attendance_minutes, r.absence_reason, r.source,
  r.reported_timestamp
FROM jsonb_to_recordset(%s::jsonb) AS r(id uuid, created timestamptz, modified timestamptz,
  calendar_event_id uuid, student_id uuid, date date, organisation_id uuid, kind text,
  valid boolean, minutes integer, attendance_minutes integer, valid_absence_minutes integer,
  invalid_absence_minutes integer, other_attendance_minutes integer, absence_reason text,
  source text, reported_timestamp timestamptz)
ON CONFLICT (calendar_event_id, student_id) DO UPDATE SET kind = EXCLUDED.kind,
  valid = EXCLUDED.valid, minutes = EXCLUDED.minutes,
  attendance_minutes = EXCLUDED.attendance_minutes,
  valid_absence_minutes = EXCLUDED.valid_absence_minutes,
  invalid_absence_minutes = EXCLUDED.invalid_absence_minutes, source = EXCLUDED.source,
  reported_timestamp = EXCLUDED.reported_timestamp, modified = EXCLUDED.modified
"""

RAW_SCHEDULED = """
SELECT m.person_id, SUM(e.duration_minutes)
FROM schedule_calendarevent e
JOIN activities_activity_groups ag ON ag.activity_id = e.activity_id
JOIN groups_groupmembership m ON m.group_id = ag.group_id
  AND m.start_date <= e.date AND (m.end_date IS NULL OR m.end_date >= e.date)
WHERE e.organisation_id = %s AND e.date BETWEEN %s AND %s AND NOT e.cancelled
GROUP BY m.person_id
"""

# Sorted by start within (pupil, day), a row overlaps an earlier one when the latest end
# before it is after its start, and a later one when the next start is before its end.
RAW_SCHEDULED_OVERLAPS = """
SELECT pupil, date, start_time, end_time FROM (
  SELECT m.person_id AS pupil, e.date, e.start_time, e.end_time,
    MAX(e.end_time) OVER (PARTITION BY m.person_id, e.date ORDER BY e.start_time, e.end_time
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
    MIN(e.start_time) OVER (PARTITION BY m.person_id, e.date ORDER BY e.start_time, e.end_time
      ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS after
  FROM schedule_calendarevent e
  JOIN activities_activity_groups ag ON ag.activity_id = e.activity_id
  JOIN groups_groupmembership m ON m.group_id = ag.group_id
    AND m.start_date <= e.date AND (m.end_date IS NULL OR m.end_date >= e.date)
  WHERE e.organisation_id = %s AND e.date BETWEEN %s AND %s AND NOT e.cancelled
) w WHERE before > start_time OR after < end_time
"""

RAW_ABSENCE_OVERLAPS = """
SELECT student_id, date, start_time, duration_minutes, kind, valid_absence_minutes,
  invalid_absence_minutes FROM (
  SELECT a.student_id, a.date, e.start_time, e.end_time, e.duration_minutes, a.kind,
    a.valid_absence_minutes, a.invalid_absence_minutes,
    MAX(e.end_time) OVER (PARTITION BY a.student_id, a.date ORDER BY e.start_time, e.end_time
      ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before,
    MIN(e.start_time) OVER (PARTITION BY a.student_id, a.date ORDER BY e.start_time, e.end_time
      ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS after
  FROM attendance_attendance a
  JOIN schedule_calendarevent e ON e.id = a.calendar_event_id
  WHERE a.organisation_id = %s AND a.date BETWEEN %s AND %s
) w WHERE before > start_time OR after < end_time
"""

RAW_ABSENCE = """
SELECT student_id, SUM(valid_absence_minutes), SUM(invalid_absence_minutes),
  COUNT(*) FILTER (WHERE invalid_absence_minutes > 0)
FROM attendance_attendance
WHERE organisation_id = %s AND date BETWEEN %s AND %s
GROUP BY student_id
"""


def _record(figures: dict[str, object], args: argparse.Namespace) -> None:
    """Add a row to the attendance table in RESULTS.md (under its marker line)."""
    text = RESULTS.read_text()
    queries = next(v for k, v in figures.items() if k.startswith("queries:"))
    line = (
        f"| {date.today():%Y-%m-%d}, {args.pupils:,} pupils | "
        f"{figures['register save median (ms)']} ms | "
        f"{figures['raw upsert of the same rows (ms)']} ms | "
        f"**{figures['register save / raw']}** | {queries} | "
        f"{figures['school statistics median (ms)']} ms | {figures['raw SQL aggregates (ms)']} ms "
        f"| **{figures['statistics / raw']}** |"
    )
    marker = "<!-- attendance_bench:rows -->"
    if marker not in text:
        raise SystemExit(f"RESULTS.md has no {marker} line to add the result under.")
    RESULTS.write_text(text.replace(marker, f"{line}\n{marker}"))


if __name__ == "__main__":
    raise SystemExit(main())
