"""Time the main pages over HTTP against gunicorn and compare each with the framework floor.

1. Create a database of its own (`skolsam_bench_pages`) on the PostgreSQL server of
   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), migrate it and load the
   demo data (`manage.py demo_load`), as `make demo` does.
2. Pick a teacher of the latest demo lesson that has started and has at least ten pupils,
   give the teacher a login and a session, and pick a pupil of that lesson.
3. Start gunicorn on 127.0.0.1 (one process, one gthread thread, keep-alive, persistent
   database connections, DEBUG off) with SKOLSAM_SERVER_TIMING=true, so every response
   says how long Django took and how many SQL statements it ran (core/timing.py).
4. Over one keep-alive connection, in rounds, request in turn: the framework floor (a
   logged-in page through the same middleware that runs no view logic,
   `/_timing/golv/`), the start page, the lesson's register, a save of that register
   (the form posted back as the page gave it, as htmx posts it), and the pupil's card.
   Each page's time is divided by the floor's time of the same round, so the ratio holds
   when the machine's speed drifts.
5. Print, per page: the median server time (Server-Timing `app`), the median of the
   per-round ratios to the floor (goal: at most 2), the client's wall time, the status and
   the statement count, and add the run to the "HTTP pages" section of bench/RESULTS.md.

Usage: python bench/http_pages.py [--rounds 200] [--keep] [--reuse] [--no-record]
(gunicorn listens on port 8390, or $SKOLSAM_BENCH_PORT)
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"
HOST = "127.0.0.1"
PORT = int(os.environ.get("SKOLSAM_BENCH_PORT", "8390"))
MARKER = "<!-- http_pages:rows -->"
TIMING = re.compile(r'app;dur=([0-9.]+), db;dur=([0-9.]+);desc="(\d+)"')
PAGES = ("floor", "start", "register", "register save", "person card")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--database", default="skolsam_bench_pages")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a database kept earlier")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    bench_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{args.database}"))
    env = {
        **os.environ,
        "DATABASE_URL": bench_url,
        "DJANGO_SETTINGS_MODULE": "skolsam.conf.settings",
        "PYTHONPATH": str(ROOT / "src"),
        "SKOLSAM_TASKS_BACKEND": "django_tasks.backends.dummy.DummyBackend",
        "DJANGO_LOG_LEVEL": "ERROR",
        # The server runs as in production; the session made here must be one it accepts,
        # so this process has the same settings and keys.
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
        "SKOLSAM_SS12000_SIGNING_KEY": secrets.token_urlsafe(50),
        "DJANGO_ALLOWED_HOSTS": HOST,
        "SKOLSAM_SERVER_TIMING": "true",
    }
    if not args.reuse:
        _sql(server_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        _sql(server_url, f'CREATE DATABASE "{args.database}"')
        for command in (["migrate", "--noinput", "-v", "0"], ["demo_load"]):
            subprocess.run(  # noqa: S603 - our own manage.py
                [sys.executable, str(ROOT / "manage.py"), *command], env=env, check=True
            )
    try:
        os.environ.update(env)
        sys.path.insert(0, str(ROOT / "src"))
        import django

        django.setup()
        plan = _plan()
        figures = _measure(plan, env, args)
    finally:
        if not args.keep:
            from django.db import connections

            connections.close_all()
            _sql(server_url, f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
    _print(figures)
    if not args.no_record:
        _record(figures)
    worst = max(figures["pages"][p]["ratio"] for p in PAGES if p != "floor")
    return 0 if worst <= 2 else 1


def _sql(server_url: str, statement: str) -> None:
    import psycopg

    parts = urlsplit(server_url)
    with psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(statement)  # type: ignore[arg-type]


def _plan() -> dict[str, Any]:
    """Find a started lesson of ten or more pupils, its teacher's session and a pupil."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from skolsam.accounts.actor import actor_for_person
    from skolsam.accounts.models import User
    from skolsam.attendance.access import lesson_roster
    from skolsam.schedule.models import CalendarEvent

    now = timezone.now()
    for lesson in (
        CalendarEvent.objects.filter(start_time__lte=now, cancelled=False)
        .select_related("activity")
        .prefetch_related("activity__teachers__duty")
        .order_by("-start_time", "id")[:200]
    ):
        teachers = [t.duty.person_id for t in lesson.activity.teachers.all()]
        if not teachers:
            continue
        pupils = list(
            lesson_roster(actor_for_person(teachers[0], on=lesson.date), lesson).values_list(
                "pk", flat=True
            )
        )
        if len(pupils) >= 10:
            break
    else:
        raise SystemExit("No started demo lesson with ten pupils and a teacher.")
    # update_or_create: with --reuse, the latest started lesson (and so its teacher) moves
    # with the clock, and the login must be that teacher's.
    # A teacher who already has a login (a demo user) is measured with it: a person has at
    # most one login.
    user = User.objects.filter(person_id=teachers[0]).first()
    if user is None:
        user, _ = User.objects.update_or_create(
            username="sidmatning.larare", defaults={"person_id": teachers[0]}
        )
    client = Client()
    client.force_login(user)
    return {
        "session": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "cookie": settings.SESSION_COOKIE_NAME,
        "lesson": str(lesson.pk),
        "pupil": str(pupils[0]),
        "pupils": len(pupils),
    }


class _Form(HTMLParser):
    """Collect the fields of every POST form on a page, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[list[tuple[str, str]]] = []
        self.fields: list[tuple[str, str]] | None = None
        self.select: str | None = None
        self.select_value: str | None = None
        self.textarea: str | None = None
        self.text = ""

    def with_field(self, name: str) -> list[tuple[str, str]]:
        """Return the form that has a field of this name (the register's `version`)."""
        for fields in self.forms:
            if any(key == name for key, _ in fields):
                return fields
        raise SystemExit(f"No form on the page has a field {name!r}.")

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and a.get("method", "").lower() == "post":
            self.fields = []
        if self.fields is None:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "reset", "file"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.select, self.select_value = name, None
        elif tag == "option" and self.select is not None:
            if self.select_value is None or "selected" in a:
                self.select_value = a.get("value", "")
        elif tag == "textarea" and name:
            self.textarea, self.text = name, ""

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.text += data

    def handle_endtag(self, tag: str) -> None:
        if self.fields is None:
            return
        if tag == "select" and self.select is not None:
            self.fields.append((self.select, self.select_value or ""))
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            self.fields.append((self.textarea, self.text))
            self.textarea = None
        elif tag == "form":
            self.forms.append(self.fields)
            self.fields = None


class _Browser:
    """One keep-alive connection with the teacher's cookies."""

    def __init__(self, cookies: dict[str, str]) -> None:
        self.conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
        self.cookies = dict(cookies)

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, bytes, dict[str, str], float]:
        sent = {
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            "Host": f"{HOST}:{PORT}",
            **(headers or {}),
        }
        started = time.perf_counter()
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        content = response.read()
        wall = (time.perf_counter() - started) * 1000
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, content, dict(response.headers), wall


def _measure(plan: dict[str, Any], env: dict[str, str], args: argparse.Namespace) -> dict:
    server_env = {**env, "DATABASE_URL": env["DATABASE_URL"] + "?conn_max_age=600"}
    log = Path(tempfile.gettempdir()) / "skolsam-http-pages.log"
    web = subprocess.Popen(  # noqa: S603 - our own app on loopback
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "skolsam.conf.wsgi:application",
            "--bind",
            f"{HOST}:{PORT}",
            "--workers",
            "1",
            "--worker-class",
            "gthread",
            "--threads",
            "1",
            "--keep-alive",
            "60",
        ],
        cwd=ROOT,
        env=server_env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        _wait_for_server()
        browser = _Browser({plan["cookie"]: plan["session"]})
        samples: dict[str, list[dict[str, float]]] = {page: [] for page in PAGES}
        for n in range(args.warmup + args.rounds):
            round_ = _round(browser, plan)
            if n >= args.warmup:
                for page, sample in round_.items():
                    samples[page].append(sample)
    finally:
        web.terminate()
        web.wait(timeout=30)
    return _summarise(samples, plan, args)


def _round(browser: _Browser, plan: dict[str, Any]) -> dict[str, dict[str, float]]:
    register_path = f"/narvaro/lektion/{plan['lesson']}/"
    out: dict[str, dict[str, float]] = {}

    def timed(page: str, method: str, path: str, **kw: Any) -> bytes:
        status, content, headers, wall = browser.request(method, path, **kw)
        found = TIMING.search(headers.get("Server-Timing", ""))
        if status >= 400 or not found:
            raise SystemExit(f"{page}: {method} {path} answered {status}: {content[:300]!r}")
        app, db, statements = found.groups()
        out[page] = {
            "app": float(app),
            "db": float(db),
            "statements": int(statements),
            "wall": wall,
            "status": status,
        }
        return content

    timed("floor", "GET", "/_timing/golv/")
    timed("start", "GET", "/")
    page = timed("register", "GET", register_path)
    forms = _Form()
    forms.feed(page.decode())
    fields = forms.with_field("version")
    timed(
        "register save",
        "POST",
        register_path,
        body=urllib.parse.urlencode(fields).encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "HX-Request": "true",
            "X-CSRFToken": browser.cookies.get("csrftoken", ""),
            "Referer": f"http://{HOST}:{PORT}{register_path}",
        },
    )
    timed("person card", "GET", f"/personer/{plan['pupil']}/")
    return out


def _wait_for_server() -> None:
    for _ in range(120):
        try:
            conn = http.client.HTTPConnection(HOST, PORT, timeout=2)
            conn.request("GET", "/login/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("The web server did not start.")


def _summarise(samples: dict[str, list[dict[str, float]]], plan: dict, args: Any) -> dict:
    floor = samples["floor"]
    pages: dict[str, dict[str, float]] = {}
    for page in PAGES:
        rows = samples[page]
        ratios = [row["app"] / base["app"] for row, base in zip(rows, floor, strict=True)]
        pages[page] = {
            "app": statistics.median(r["app"] for r in rows),
            "wall": statistics.median(r["wall"] for r in rows),
            "db": statistics.median(r["db"] for r in rows),
            "statements": statistics.median(r["statements"] for r in rows),
            "statements max": max(r["statements"] for r in rows),
            "status": statistics.mode(r["status"] for r in rows),
            "ratio": statistics.median(ratios),
        }
    return {
        "when": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "rounds": args.rounds,
        "pupils": plan["pupils"],
        "pages": pages,
    }


def _print(figures: dict) -> None:
    print(
        f"{figures['rounds']} rounds, register of {figures['pupils']} pupils, {figures['machine']}"
    )
    print(f"{'page':<14} {'server ms':>9} {'x floor':>8} {'wall ms':>8} {'SQL':>4} status")
    for page, row in figures["pages"].items():
        print(
            f"{page:<14} {row['app']:>9.2f} {row['ratio']:>8.2f} {row['wall']:>8.2f} "
            f"{row['statements']:>4.0f} {row['status']}"
        )


def _record(figures: dict) -> None:
    cells = " | ".join(
        f"{row['app']:.1f} ms, **{row['ratio']:.2f}x**, {row['statements']:.0f} SQL"
        for page, row in figures["pages"].items()
        if page != "floor"
    )
    floor = figures["pages"]["floor"]
    line = (
        f"| {figures['when']} | {figures['machine']}, {figures['rounds']} rounds, "
        f"{figures['pupils']} pupils | {floor['app']:.1f} ms, {floor['statements']:.0f} SQL | "
        f"{cells} |"
    )
    text = RESULTS.read_text()
    if MARKER not in text:
        raise SystemExit(f"RESULTS.md has no {MARKER} line to add the result under.")
    RESULTS.write_text(text.replace(MARKER, f"{line}\n{MARKER}"))


if __name__ == "__main__":
    raise SystemExit(main())
