"""Load-test the lesson register: N simulated teachers saving registers at once (locust).

Runs against the database bench/attendance_bench.py kept (`--keep`), on loopback only:

1. picks N lessons of one day with N different teachers, gives each teacher an account
   and a logged-in session, and records each lesson's register version;
2. starts the web server on 127.0.0.1 (gunicorn, 2 processes x 8 threads);
3. runs locust headless for `--seconds` (bench/attendance_locust.py): every teacher opens
   their register and saves it, again and again;
4. stops the server, then checks that every successful save is in the database (the
   version moved by exactly the number of saves, and the last save's marks are what is
   stored: zero lost writes), and prints p50 and p95 of the saves and the error count.

Usage: python bench/attendance_load.py [--users 200] [--seconds 60] [--no-record]
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
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
HOST, PORT = "127.0.0.1", 8765


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--day", default="2026-08-19")
    parser.add_argument("--database", default="skolsam_attendance_bench")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    server = os.environ.get("DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/test"
    from urllib.parse import urlsplit, urlunsplit

    url = urlunsplit(urlsplit(server)._replace(path=f"/{args.database}"))
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
    # gunicorn with a bounded pool: 2 processes x 8 threads, so at most 16 database
    # connections however many teachers wait; the rest queue in the listen backlog.
    web = subprocess.Popen(  # noqa: S603 - our own app on loopback
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "skolsam.conf.wsgi:application",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            "2",
            "--threads",
            "8",
            "--timeout",
            "120",
            "--backlog",
            "2048",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_server()
        subprocess.run(  # noqa: S603 - locust against our own server on loopback
            [
                str(Path(sys.executable).parent / "locust"),
                "-f",
                str(ROOT / "bench" / "attendance_locust.py"),
                "--headless",
                "-u",
                str(args.users),
                "-r",
                str(max(1, args.users // 10)),
                "-t",
                f"{args.seconds}s",
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
            },
            check=False,
            timeout=args.seconds + 120,
        )
    finally:
        web.terminate()
        web.wait(timeout=30)
    figures = _figures(work, plan, args)
    for key, value in figures.items():
        print(f"{key:>28}: {value}")
    if not args.no_record:
        _record(figures)
    return 0 if figures["lost writes"] == 0 and figures["errors"] == 0 else 1


def _wait_for_server() -> None:
    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://{HOST}:{PORT}/login/", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("The web server did not start.")


def _plan(users: int, day: date) -> dict:
    """Give N teachers of N lessons on `day` an account and a session."""
    from django.test import Client

    from skolsam.accounts.models import User
    from skolsam.attendance.access import lesson_roster
    from skolsam.core.access import actor_for_person
    from skolsam.schedule.models import CalendarEvent

    chosen, seen = [], set()
    for lesson in (
        CalendarEvent.objects.filter(date=day, cancelled=False)
        .select_related("activity")
        .prefetch_related("activity__teachers__duty")
        .order_by("organisation_id", "start_time", "id")
    ):
        teachers = [t.duty.person_id for t in lesson.activity.teachers.all()]
        if not teachers or teachers[0] in seen:
            continue
        pupils = list(
            lesson_roster(actor_for_person(teachers[0], on=day), lesson).values_list(
                "pk", flat=True
            )
        )
        if len(pupils) < 10:
            continue
        seen.add(teachers[0])
        chosen.append((lesson, teachers[0], pupils))
        if len(chosen) == users:
            break
    teachers = []
    for n, (lesson, person_id, pupils) in enumerate(chosen):
        user, _ = User.objects.get_or_create(
            username=f"lasttest.larare.{n}", defaults={"person_id": person_id}
        )
        client = Client()
        client.force_login(user)
        teachers.append(
            {
                "lesson": str(lesson.pk),
                "session": client.cookies["sessionid"].value,
                "pupils": [str(p) for p in pupils],
                "version": lesson.register_version,
            }
        )
    return {"teachers": teachers}


def _figures(work: Path, plan: dict, args: argparse.Namespace) -> dict[str, object]:
    from skolsam.attendance.models import Attendance
    from skolsam.schedule.models import CalendarEvent

    out = json.loads((work / "out.json").read_text()) if (work / "out.json").exists() else {}
    saved, last = out.get("saved", {}), out.get("last", {})
    lost = 0
    versions = dict(
        CalendarEvent.objects.filter(pk__in=[t["lesson"] for t in plan["teachers"]]).values_list(
            "pk", "register_version"
        )
    )
    for t in plan["teachers"]:
        lesson = t["lesson"]
        if versions[__import__("uuid").UUID(lesson)] != t["version"] + saved.get(lesson, 0):
            lost += 1
            continue
        stored = dict(
            Attendance.objects.filter(calendar_event_id=lesson)
            .exclude(kind="Närvarande")
            .values_list("student_id", "kind")
        )
        if lesson in last and {str(k): v for k, v in stored.items()} != last[lesson]:
            lost += 1
    rows = {r["Name"]: r for r in csv.DictReader((work / "stats_stats.csv").open())}
    post = rows.get("POST register", {})
    get = rows.get("GET register", {})
    return {
        "users": args.users,
        "seconds": args.seconds,
        "lessons": len(plan["teachers"]),
        "saves": int(post.get("Request Count", 0)),
        "save p50 (ms)": post.get("50%", "–"),
        "save p95 (ms)": post.get("95%", "–"),
        "open p50 (ms)": get.get("50%", "–"),
        "open p95 (ms)": get.get("95%", "–"),
        "errors": int(post.get("Failure Count", 0)) + int(get.get("Failure Count", 0)),
        "lost writes": lost,
    }


def _record(figures: dict[str, object]) -> None:
    text = RESULTS.read_text()
    line = (
        f"| {date.today():%Y-%m-%d} | {figures['users']} | {figures['seconds']} s | "
        f"{figures['saves']} | {figures['save p50 (ms)']} ms | {figures['save p95 (ms)']} ms | "
        f"{figures['open p50 (ms)']} / {figures['open p95 (ms)']} ms | {figures['errors']} | "
        f"{figures['lost writes']} |"
    )
    header = (
        "\n### Load: teachers saving registers at once (`bench/attendance_load.py`)\n\n"
        "| date | teachers | duration | saves | save p50 | save p95 | open p50 / p95 | errors | lost writes |\n"
        "|---|---|---|---|---|---|---|---|---|\n"
    )
    if "### Load: teachers saving registers" not in text:
        text = text.rstrip("\n") + "\n" + header
    RESULTS.write_text(text.rstrip("\n") + "\n" + line + "\n")


if __name__ == "__main__":
    raise SystemExit(main())
