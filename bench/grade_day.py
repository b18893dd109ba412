"""Grade day (issue 12): N teachers each save a grade sheet while the rektors watch progress.

On loopback only, against gunicorn and PostgreSQL:

1. creates a database of its own on the server of DATABASE_URL (generated_db.own_database),
   migrates it and generates a municipality (`manage.py generate_register --pupils N`,
   default 150,000), then `VACUUM ANALYZE`;
2. picks N activities (`--teachers`, default 1000) with a syllabus that gives grades and at
   least 20 pupils who get a grade on the sheet, each with a different grading teacher;
   at each of their units a rektor (a rektor duty is added where the unit lacks one)
   records each teacher's licence for the subject (`teacher_licence_record`) and opens the
   term's grading period (`grading_period_open`); every `--shared`th sheet (default 10th)
   also gets a second grading teacher from the unit, licensed too; every teacher and every
   such rektor gets an account and a logged-in session;
3. starts gunicorn on 127.0.0.1 (`SKOLSAM_LOAD_PORT`, default 8821) as attendance_load.py
   does (gthread, 2 processes x 8 threads, persistent database connections) and runs
   locust headless for `--minutes` (bench/grade_day_locust.py): every teacher, at a moment
   spread over the first half of the run, opens the sheet, picks a value for every pupil in
   30-90 s and saves once with the page's htmx POST; the two teachers of a shared sheet
   arrive together, and the one who saves second gets 409 and reloads (and saves again, or
   finds every grade set); meanwhile every rektor refreshes the unit's progress page every
   5-15 s;
4. stops the server and reads back every grade of those sheets from the database: each
   grade locust recorded as saved must be there, current, with the value posted (a missing
   or different one is a lost grade), none may be set by two saves, and no other grade may
   be there. Prints p50 and p95 of the saves and of the progress page, the errors and the
   lost grades, and adds a row to the "Grade day" section of RESULTS.md. Exits non-zero on
   any error or lost grade.

Usage: python bench/grade_day.py [--pupils 150000] [--teachers 1000] [--minutes 10]
                                 [--shared 10] [--keep] [--reuse] [--no-record]
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
from collections import Counter
from datetime import date
from pathlib import Path

from generated_db import ROOT, SERVER_OPTIONS, own_database, start, wait_for_server

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MARKER = "<!-- grade_day:rows -->"
HOST, PORT = "127.0.0.1", int(os.environ.get("SKOLSAM_LOAD_PORT", "8821"))
MIN_PUPILS = 20


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=150_000)
    parser.add_argument("--teachers", type=int, default=1000)
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument(
        "--shared",
        type=int,
        default=10,
        help="every Nth sheet also has a second grading teacher, who saves it at once (0: none)",
    )
    parser.add_argument("--database", default="skolsam_bench_grade_day")
    parser.add_argument("--keep", action="store_true", help="leave the database for a look")
    parser.add_argument("--reuse", action="store_true", help="run on a kept database")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with own_database(args.database, reuse=args.reuse, keep=args.keep) as url:
        started = time.perf_counter()
        start(url, pupils=args.pupils, generate=not args.reuse)
        # The server below runs with DEBUG on, as attendance_load.py's does: with it off
        # the session cookies are Secure and plain-HTTP loopback clients would not send them.
        plan = _plan(args.teachers, args.shared)
        print(
            f"Set up {len({t['url'] for t in plan['teachers']})} sheets for "
            f"{len(plan['teachers'])} teachers at {len(plan['rektors'])} units "
            f"in {time.perf_counter() - started:.0f} s."
        )
        work = Path(tempfile.mkdtemp(prefix="skolsam-grade-day-"))
        (work / "plan.json").write_text(json.dumps(plan))
        before = set(_stored(plan))  # grades of an earlier run on a kept database
        _run(url, work, plan, args)
        figures = _figures(work, plan, args, before)
    for key, value in figures.items():
        print(f"{key:>26}: {value}")
    if not args.no_record:
        _record(figures)
    return 0 if figures["errors"] == 0 and figures["lost grades"] == 0 else 1


def _plan(wanted: int, shared: int) -> dict:
    """Choose N sheets with different teachers; licences, periods and sessions for them.

    Every `shared`th sheet gets a second grading teacher from the unit (a two-teacher
    subject), who arrives at the same moment: the two contend for the sheet's version.
    """
    from django.conf import settings
    from django.db.models import Q
    from django.test import Client

    from skolsam.accounts.actor import actor_for_person
    from skolsam.accounts.models import User
    from skolsam.activities.models import ActivityTeacher
    from skolsam.core.access import system_actor
    from skolsam.core.choices import DutyRole
    from skolsam.core.dates import today
    from skolsam.core.models import valid_on
    from skolsam.duties.models import Duty
    from skolsam.duties.services import duty_create
    from skolsam.grades.models import GradingPeriod, GradingPeriodKind, Semester, TeacherLicence
    from skolsam.grades.rules import TERM_GRADES_FROM_YEAR, VALUE_SETS
    from skolsam.grades.selectors import roster, school_years
    from skolsam.grades.services import grading_period_open, teacher_licence_record

    day = today()
    semester = Semester.HT if day.month >= 7 else Semester.VT
    candidates = (
        ActivityTeacher.objects.filter(
            Q(start_date__isnull=True) | Q(start_date__lte=day),
            Q(end_date__isnull=True) | Q(end_date__gte=day),
            valid_on(day, "duty__"),
            valid_on(day, "activity__"),
            grader=True,
            activity__syllabus__school_type__in=list(VALUE_SETS),
        )
        .select_related("activity__syllabus", "activity__organisation", "duty")
        .order_by("activity__organisation_id", "activity__display_name", "id")
    )
    chosen: list[tuple] = []
    seen: set = set()
    for link in candidates.iterator(chunk_size=2000):
        if link.duty.person_id in seen:
            continue
        activity = link.activity
        teacher = actor_for_person(link.duty.person_id, on=day)
        pupils = roster(teacher, activity)
        first = TERM_GRADES_FROM_YEAR.get(activity.syllabus.school_type)
        if first is not None:
            years = school_years([p.pk for p in pupils], activity.organisation_id, day)
            pupils = [p for p in pupils if years.get(p.pk) is None or years[p.pk] >= first]
        if len(pupils) < MIN_PUPILS:
            continue
        seen.add(link.duty.person_id)
        colleague = None
        if shared and len(chosen) % shared == shared - 1:
            # Taken now, so that no later sheet makes the colleague its own teacher.
            colleague = (
                Duty.objects.filter(
                    valid_on(day), duty_at=activity.organisation_id, duty_role=DutyRole.LARARE
                )
                .exclude(person_id__in=seen)
                .select_related("person")
                .order_by("id")
                .first()
            )
            if colleague is not None:
                seen.add(colleague.person_id)
        chosen.append((activity, link.duty.person, len(pupils), colleague))
        if len(chosen) >= wanted:
            break
    if len(chosen) < wanted:
        print(f"Only {len(chosen)} activities with {MIN_PUPILS}+ graded pupils and own teachers.")

    def session(person_id) -> str:  # type: ignore[no-untyped-def]
        # One login per person (a run again on a kept database finds it).
        user, _ = User.objects.get_or_create(
            person_id=person_id, defaults={"username": f"betygsdag.{person_id}"}
        )
        client = Client()
        client.force_login(user)
        return client.cookies[settings.SESSION_COOKIE_NAME].value

    periods: dict = {}
    rektors: list[dict[str, str]] = []
    teachers: list[dict[str, object]] = []
    for activity, person, count, colleague in chosen:
        unit = activity.organisation
        if unit.pk not in periods:
            duty = (
                Duty.objects.filter(valid_on(day), duty_at=unit, duty_role=DutyRole.REKTOR)
                .order_by("id")
                .first()
            )
            if duty is None:
                # Bench set-up: a head teacher for the unit (its administrator, else the
                # teacher), so that someone may open the period and watch its progress.
                other = (
                    Duty.objects.filter(valid_on(day), duty_at=unit)
                    .exclude(duty_role=DutyRole.LARARE)
                    .select_related("person")
                    .order_by("id")
                    .first()
                )
                duty = duty_create(
                    actor=system_actor("grade_day"),
                    person=other.person if other is not None else person,
                    duty_at=unit,
                    duty_role=DutyRole.REKTOR,
                    start_date=day,
                )
            rektor = actor_for_person(duty.person_id, on=day)
            period = GradingPeriod.objects.filter(
                organisation=unit, kind=GradingPeriodKind.TERM, semester=semester, year=day.year
            ).first() or grading_period_open(
                actor=rektor,
                organisation=unit,
                kind=GradingPeriodKind.TERM,
                semester=semester,
                year=day.year,
            )
            periods[unit.pk] = (rektor, period)
            rektors.append({"period": str(period.pk), "session": session(duty.person_id)})
        rektor, period = periods[unit.pk]
        graders = [person]
        if colleague is not None:
            # Bench set-up: the second grading teacher of a two-teacher subject.
            ActivityTeacher.objects.update_or_create(
                activity=activity, duty=colleague, defaults={"grader": True}
            )
            graders.append(colleague.person)
        syllabus = activity.syllabus
        for grader in graders:
            if not TeacherLicence.objects.filter(
                person=grader, qualifications__subject_code=syllabus.subject_code
            ).exists():
                teacher_licence_record(
                    actor=rektor,
                    person=grader,
                    valid_from=date(2020, 1, 1),
                    qualifications=[
                        {"school_type": syllabus.school_type, "subject_code": syllabus.subject_code}
                    ],
                )
            teachers.append(
                {
                    "url": f"/betyg/lista/{period.pk}/{activity.pk}/",
                    "period": str(period.pk),
                    "activity": str(activity.pk),
                    "pupils": count,
                    "graders": len(graders),
                    "session": session(grader.pk),
                }
            )
    return {"teachers": teachers, "rektors": rektors}


def _run(url: str, work: Path, plan: dict, args: argparse.Namespace) -> None:
    """gunicorn on loopback, locust headless against it for the time budget."""
    from urllib.parse import urlsplit, urlunsplit

    from django.db import connections

    connections.close_all()
    env = {
        **os.environ,
        # Persistent database connections: one per server thread, kept between requests.
        "DATABASE_URL": urlunsplit(urlsplit(url)._replace(query="conn_max_age=300")),
        "DJANGO_DEBUG": "true",
        "SKOLSAM_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "DJANGO_LOG_LEVEL": "ERROR",
        "PYTHONPATH": str(ROOT / "src"),
    }
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
    seconds = int(args.minutes * 60)
    users = len(plan["teachers"]) + len(plan["rektors"])
    started = time.perf_counter()
    try:
        wait_for_server(HOST, PORT)
        subprocess.run(  # noqa: S603 - locust against our own server on loopback
            [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                str(ROOT / "bench" / "grade_day_locust.py"),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(max(1, users // 10)),
                "-t",
                f"{seconds}s",
                "--stop-timeout",
                "30",
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
                "SKOLSAM_LOAD_SECONDS": str(seconds),
            },
            check=False,
            timeout=seconds + 120,
        )
    finally:
        web.terminate()
        web.wait(timeout=40)
    print(f"wall time {time.perf_counter() - started:.0f} s (locust and server)")


def _stored(plan: dict) -> dict[tuple[str, str, str], str]:
    """Every current grade in the periods of the sheets, by period, syllabus and pupil."""
    from uuid import UUID

    from skolsam.grades.models import Grade

    return {
        (str(period), str(syllabus), str(student)): value
        for period, syllabus, student, value in Grade.objects.filter(
            grading_period_id__in={UUID(t["period"]) for t in plan["teachers"]}
        )
        .current()
        .values_list("grading_period_id", "syllabus_id", "student_id", "grade_value")
    }


def _figures(
    work: Path, plan: dict, args: argparse.Namespace, before: set[tuple[str, str, str]]
) -> dict[str, object]:
    """Read back every grade of the sheets; compare with what locust recorded as saved."""
    from uuid import UUID

    from skolsam.activities.models import Activity
    from skolsam.grades.models import PendingGrade

    out = json.loads((work / "out.json").read_text()) if (work / "out.json").exists() else {}
    # Every successful save: the sheet's url and what it posted, pupil -> value.
    saves: list[tuple[str, dict[str, str]]] = out.get("saved", [])
    sheets = {t["url"]: t for t in plan["teachers"]}
    syllabus_of = dict(
        Activity.objects.filter(pk__in=[UUID(t["activity"]) for t in sheets.values()]).values_list(
            "pk", "syllabus_id"
        )
    )
    stored = _stored(plan)
    pending = PendingGrade.objects.filter(
        sheet__period_id__in={UUID(t["period"]) for t in sheets.values()}
    ).count()
    lost = 0
    read_back = 0
    expected: dict[tuple[str, str, str], str] = {}
    for url, values in saves:
        sheet = sheets[url]
        syllabus = str(syllabus_of[UUID(sheet["activity"])])
        for pupil, value in values.items():
            key = (sheet["period"], syllabus, pupil)
            read_back += 1
            if key in expected:
                # Two saves both set this grade: one of them was overwritten (a lost write).
                lost += 1
                print(f"lost: {url} pupil {pupil} was set by two saves")
            expected[key] = value
            if stored.get(key) != value:
                lost += 1
                if lost <= 10:
                    print(f"lost: {url} pupil {pupil} is {stored.get(key)}, saved as {value}")
    # A grade no recorded save made (nor an earlier run) is as wrong as a missing one.
    unexpected = len(set(stored) - set(expected) - before)
    saved = {url for url, _ in saves}
    rows = {r["Name"]: r for r in csv.DictReader((work / "stats_stats.csv").open())}
    post = rows.get("POST sheet (htmx)", {})
    get = rows.get("GET sheet", {})
    progress = rows.get("GET progress", {})
    server_errors = [
        line
        for line in (work / "server.log").read_text().splitlines()
        if "Traceback" in line or "[CRITICAL]" in line or "[ERROR]" in line
    ]
    failures = Counter(out.get("failed", []))
    if failures:
        print("failures:", dict(failures))
    return {
        "pupils": args.pupils,
        "sheets": len(sheets),
        "teachers": len(plan["teachers"]),
        "two-teacher sheets": sum(1 for t in plan["teachers"] if t["graders"] > 1) // 2,
        "rektors": len(plan["rektors"]),
        "minutes": args.minutes,
        "sheets saved": len(saved),
        "sheets not saved": len(sheets) - len(saved),
        "stale saves (409)": out.get("stale", 0),
        "found done after a 409": out.get("found_done", 0),
        "grades saved": sum(len(v) for _, v in saves),
        "grades read back": read_back,
        "grades no save made": unexpected,
        "pending (co-sign)": pending,
        "save p50 (ms)": post.get("50%", "–"),
        "save p95 (ms)": post.get("95%", "–"),
        "sheet p50 (ms)": get.get("50%", "–"),
        "sheet p95 (ms)": get.get("95%", "–"),
        "progress loads": int(progress.get("Request Count", 0)),
        "progress p50 (ms)": progress.get("50%", "–"),
        "progress p95 (ms)": progress.get("95%", "–"),
        "errors": max(
            sum(int(r.get("Failure Count", 0)) for r in (post, get, progress)),
            sum(failures.values()),
        )
        + len(sheets)
        - len(saved),
        "server errors": len(server_errors),
        "lost grades": lost + unexpected,
    }


def _record(figures: dict[str, object]) -> None:
    text = RESULTS.read_text()
    line = (
        f"| {date.today():%Y-%m-%d} ({figures['pupils']:,} pupils; {figures['sheets']} sheets, "
        f"{figures['two-teacher sheets']} with two teachers; "
        f"{figures['stale saves (409)']} stale saves) | {figures['teachers']} | "
        f"{figures['rektors']} | {figures['minutes']:g} min | {figures['sheets saved']} | "
        f"{figures['grades read back']:,} | {figures['save p50 (ms)']} ms | "
        f"{figures['save p95 (ms)']} ms | {figures['progress p50 (ms)']} / "
        f"{figures['progress p95 (ms)']} ms | {figures['errors']} | {figures['lost grades']} |"
    )
    if MARKER not in text:
        raise SystemExit(f"RESULTS.md has no {MARKER} line to add the result under.")
    RESULTS.write_text(text.replace(MARKER, f"{line}\n{MARKER}"))


if __name__ == "__main__":
    raise SystemExit(main())
