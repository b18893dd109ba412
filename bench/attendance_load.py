"""Load-test the lesson register: N simulated teachers taking registers at once (locust).

Runs against the database bench/attendance_bench.py kept (`--keep`), on loopback only:

1. picks lessons of one day with different teachers, and makes them contended: every
   third lesson gets a substitute (another teacher at the school, through
   `lesson_assign_substitute`) beside its regular teacher, every third a second teacher
   (a two-teacher lesson); gives every teacher of every lesson an account and a logged-in
   session of their own (N sessions in all), and records each lesson's register version;
2. starts the web server on 127.0.0.1: gunicorn with gthread workers (2 processes x 8
   threads, so at most 16 requests and 16 database connections at once, each kept open
   between requests), a listen backlog of 2048, keep-alive longer than any teacher's
   pause (so the server never closes a connection a teacher is about to reuse), and a
   60 s worker timeout;
3. runs locust headless for `--seconds` (bench/attendance_locust.py): every teacher opens
   their register, marks it for 15-45 s, saves with the page's one-request htmx save (the
   answer is the saved register, no redirect), and pauses 30-60 s before the next; a save
   on a form someone else saved since gets 409, and the teacher saves again on what they
   stored; locust lets a request in flight finish when the time is up (at most 15 s more);
4. stops the server, then reads back every row of every lesson: each version was produced
   by exactly one save, the version moved by exactly the number of successful saves,
   every pupil on the register has a row, and each row holds the mark of the save that
   produced the final version (absent, or late by 10 minutes) or present: anything else
   is a lost write. Prints p50 and p95 of the saves and page loads, the stale saves and
   the error count, and adds a line to RESULTS.md.

Usage: python bench/attendance_load.py [--users 200] [--seconds 100] [--no-record]
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from generated_db import SERVER_OPTIONS, wait_for_server

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HOST, PORT = "127.0.0.1", int(os.environ.get("SKOLSAM_LOAD_PORT", "8765"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=100)
    parser.add_argument("--day", default="2026-08-19")
    parser.add_argument("--database", default="skolsam_attendance_bench")
    parser.add_argument(
        "--pace",
        choices=("teacher", "stress"),
        default="teacher",
        help="teacher: 15-45 s marking, 30-60 s between registers; stress: 0.5-2 s",
    )
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test"
    from urllib.parse import urlsplit, urlunsplit

    # Persistent database connections: one per server thread, kept between requests.
    url = urlunsplit(urlsplit(server)._replace(path=f"/{args.database}", query="conn_max_age=300"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "skolsam.conf.settings",
        "SKOLSAM_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "DJANGO_LOG_LEVEL": "ERROR",
        # DEBUG stays on: with it off the cookies are Secure and plain-HTTP loopback
        # clients would not send them back.
        "PYTHONPATH": str(ROOT / "src"),
    }
    os.environ.update(env)
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    plan = _plan(args.users, date.fromisoformat(args.day))
    work = Path(tempfile.mkdtemp(prefix="skolsam-load-"))
    (work / "plan.json").write_text(json.dumps(plan))
    # gunicorn with a bounded pool: 2 processes x 8 threads (gthread), so at most 16
    # requests and database connections at once however many teachers wait; the rest
    # queue in the listen backlog. Keep-alive outlives the teachers' longest pause.
    web = subprocess.Popen(  # noqa: S603 - our own app on loopback
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "skolsam.conf.wsgi:application",
            "--bind",
            f"{HOST}:{PORT}",
            *SERVER_OPTIONS,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=(work / "server.log").open("w"),
    )
    started = time.perf_counter()
    try:
        wait_for_server(HOST, PORT)
        subprocess.run(  # noqa: S603 - locust against our own server on loopback
            [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                str(ROOT / "bench" / "attendance_locust.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(max(1, args.users // 20)),
                "-t",
                f"{args.seconds}s",
                "--stop-timeout",
                "15",
                "--host",
                f"http://{HOST}:{PORT}",
                "--csv",
                str(work / "stats"),
                "--only-summary",
            ],
            env={
                **env,
                "SKOLSAM_LOAD_PLAN": str(work / "plan.json"),
                "SKOLSAM_LOAD_OUT": str(work / "out.json"),
                "SKOLSAM_LOAD_PACE": args.pace,
            },
            check=False,
            timeout=args.seconds + 60,
        )
    finally:
        web.terminate()
        web.wait(timeout=30)
    print(f"wall time {time.perf_counter() - started:.0f} s (locust and server)")
    figures = _figures(work, plan, args)
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    if not args.no_record:
        _record(figures)
    return 0 if figures["lost writes"] == 0 and figures["errors"] == 0 else 1


def _plan(users: int, day: date) -> dict:
    """Give the teachers of lessons on `day` an account and a session each, N in all.

    Every third lesson gets a substitute beside its regular teacher, every third a second
    teacher: those registers are saved by two people at once.
    """
    from django.test import Client

    from skolsam.accounts.actor import actor_for_person
    from skolsam.accounts.models import User
    from skolsam.activities.models import ActivityTeacher
    from skolsam.attendance.access import lesson_roster
    from skolsam.core.access import system_actor
    from skolsam.core.choices import DutyRole
    from skolsam.duties.models import Duty
    from skolsam.schedule.models import CalendarEvent
    from skolsam.schedule.services import lesson_assign_substitute

    chosen: list[tuple[CalendarEvent, list, list]] = []
    seen: set = set()
    slots = 0
    for lesson in (
        CalendarEvent.objects.filter(date=day, cancelled=False)
        .select_related("activity")
        .prefetch_related("activity__teachers__duty")
        .order_by("organisation_id", "start_time", "id")
    ):
        teachers = [t.duty for t in lesson.activity.teachers.all()]
        if not teachers or teachers[0].person_id in seen:
            continue
        pupils = list(
            lesson_roster(actor_for_person(teachers[0].person_id, on=day), lesson).values_list(
                "pk", flat=True
            )
        )
        if len(pupils) < 10:
            continue
        seen.add(teachers[0].person_id)
        duties = [teachers[0]]
        if len(chosen) % 3 in (1, 2) and slots + 2 <= users:
            colleague = (
                Duty.objects.filter(
                    duty_at_id=lesson.organisation_id,
                    start_date__lte=day,
                    duty_role=DutyRole.LARARE,
                )
                .exclude(person_id__in=seen)
                .exclude(person_id__in=[d.person_id for d in teachers])
                .order_by("id")
                .first()
            )
            if colleague is not None:
                seen.add(colleague.person_id)
                if len(chosen) % 3 == 1:
                    lesson_assign_substitute(
                        actor=system_actor("attendance_load"), lesson=lesson, duty=colleague
                    )
                else:
                    # Bench set-up: the second teacher of a two-teacher lesson.
                    ActivityTeacher.objects.get_or_create(activity=lesson.activity, duty=colleague)
                duties.append(colleague)
        chosen.append((lesson, duties, pupils))
        slots += len(duties)
        if slots >= users:
            break
    sessions: list[dict[str, object]] = []
    lessons: dict[str, dict[str, object]] = {}
    for lesson, duties, pupils in chosen:
        lesson.refresh_from_db(fields=["register_version"])
        lessons[str(lesson.pk)] = {
            "version": lesson.register_version,
            "pupils": [str(p) for p in pupils],
            "teachers": len(duties),
        }
        for duty in duties:
            # One login per person (a run again on the same database finds it).
            user, _ = User.objects.get_or_create(
                person_id=duty.person_id, defaults={"username": f"lasttest.{duty.person_id}"}
            )
            client = Client()
            client.force_login(user)
            sessions.append(
                {
                    "lesson": str(lesson.pk),
                    "session": client.cookies["sessionid"].value,
                    "pupils": [str(p) for p in pupils],
                }
            )
    return {"teachers": sessions, "lessons": lessons}


def _figures(work: Path, plan: dict, args: argparse.Namespace) -> dict[str, object]:
    """Read back every lesson and row, count lost writes, and collect the timings."""
    from uuid import UUID

    from skolsam.attendance.models import Attendance
    from skolsam.schedule.models import CalendarEvent

    out = json.loads((work / "out.json").read_text()) if (work / "out.json").exists() else {}
    saves: dict[str, dict[str, dict[str, str]]] = out.get("saves", {})
    lessons = [UUID(pk) for pk in plan["lessons"]]
    versions = dict(
        CalendarEvent.objects.filter(pk__in=lessons).values_list("pk", "register_version")
    )
    stored: dict[UUID, dict[str, tuple[str, int]]] = {pk: {} for pk in lessons}
    for lesson, student, kind, minutes in Attendance.objects.filter(
        calendar_event_id__in=lessons
    ).values_list("calendar_event_id", "student_id", "kind", "minutes"):
        stored[lesson][str(student)] = (kind, minutes)
    lost = len(out.get("claimed_twice", []))
    rows_checked = 0
    for pk, known in plan["lessons"].items():
        lesson = UUID(pk)
        produced = saves.get(pk, {})
        start = int(known["version"])
        # Every version from the first save to the last was produced by exactly one save.
        if versions[lesson] != start + len(produced) or set(produced) != {
            str(v) for v in range(start + 1, versions[lesson] + 1)
        }:
            print(
                f"lost: lesson {pk} went from version {start} to {versions[lesson]}, "
                f"the saves produced {sorted(produced, key=int)}"
            )
            lost += 1
            continue
        if not produced:
            continue
        marks = produced[str(versions[lesson])]
        for pupil in known["pupils"]:
            kind = marks.get(pupil, "Närvarande")
            expected = (kind, 10 if kind == "Sen" else 0)
            rows_checked += 1
            if stored[lesson].get(pupil) != expected:
                print(
                    f"lost: lesson {pk} pupil {pupil} is {stored[lesson].get(pupil)}, not {expected}"
                )
                lost += 1
                break
    rows = {r["Name"]: r for r in csv.DictReader((work / "stats_stats.csv").open())}
    post = rows.get("POST register (htmx)", {})
    get = rows.get("GET register", {})
    server_errors = [
        line
        for line in (work / "server.log").read_text().splitlines()
        if "Traceback" in line or "[CRITICAL]" in line or "[ERROR]" in line
    ]
    return {
        "users": args.users,
        "seconds": args.seconds,
        "pace": args.pace,
        "lessons": len(plan["lessons"]),
        "contended lessons": sum(1 for v in plan["lessons"].values() if v["teachers"] > 1),
        "lessons saved": len(saves),
        "saves": sum(len(v) for v in saves.values()),
        "stale saves (409)": len(out.get("stale", [])),
        "page loads": int(get.get("Request Count", 0)),
        "rows read back": rows_checked,
        "save p50 (ms)": post.get("50%", "–"),
        "save p95 (ms)": post.get("95%", "–"),
        "open p50 (ms)": get.get("50%", "–"),
        "open p95 (ms)": get.get("95%", "–"),
        "errors": max(
            int(post.get("Failure Count", 0)) + int(get.get("Failure Count", 0)),
            len(out.get("failed", [])),
        ),
        "server errors": len(server_errors),
        "lost writes": lost,
    }


def _record(figures: dict[str, object]) -> None:
    text = RESULTS.read_text()
    line = (
        f"| {date.today():%Y-%m-%d}{' (stress: 0.5-2 s pauses)' if figures['pace'] == 'stress' else ''}"
        f" (htmx save; {figures['contended lessons']} of {figures['lessons']} lessons"
        f" with two teachers; {figures['stale saves (409)']} stale saves) "
        f"| {figures['users']} | {figures['seconds']} s | "
        f"{figures['saves']} | {figures['rows read back']:,} | {figures['save p50 (ms)']} ms | "
        f"{figures['save p95 (ms)']} ms | {figures['open p50 (ms)']} / "
        f"{figures['open p95 (ms)']} ms | {figures['errors']} | {figures['lost writes']} |"
    )
    marker = "<!-- attendance_load:rows -->"
    if marker not in text:
        raise SystemExit(f"RESULTS.md has no {marker} line to add the result under.")
    RESULTS.write_text(text.replace(marker, f"{line}\n{marker}"))


if __name__ == "__main__":
    raise SystemExit(main())
