"""Time a 30-pupil betygskatalog next to WeasyPrint alone on the same HTML (issue 12).

1. Create a database of its own on the PostgreSQL server of DATABASE_URL (default
   postgres://postgres@127.0.0.1:5432/test), migrate it, and build the grading chapter of
   the test story with 30 pupils: a class in year 9, its mathematics activity, a licensed
   teacher who grades all 30 in the rektor's grading period, which the rektor then closes.
2. In rounds, alternately:
   - **app**: the rektor locks the catalogue and signs it (`catalogue_lock`,
     `catalogue_sign`): the grades read through the policy, the rows frozen, the HTML
     rendered, the PDF/A made, stored and audited; rolled back after each round, so every
     round does the whole work;
   - **floor**: WeasyPrint alone makes the PDF/A of the same HTML (rendered once before),
     with no database work.
3. Print the medians and the median of the per-round ratios app / floor (goal: at most 3),
   and add the run to bench/RESULTS.md.

Usage: python bench/grade_catalogue_pdf.py [--rounds 15] [--pupils 30] [--no-record] [--keep]
"""

from __future__ import annotations

import argparse
import platform
import statistics
import subprocess
import sys
import time
from datetime import date, datetime
from pathlib import Path

from generated_db import ROOT, own_database, start

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
MARKER = "<!-- grade_catalogue_pdf:rows -->"


class _Rollback(Exception):
    pass


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pupils", type=int, default=30)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with own_database("skolsam_bench_grades", reuse=False, keep=args.keep) as url:
        start(url, pupils=0, generate=False)
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True)  # noqa: S603
        import django

        django.setup()
        figures = _measure(args)
    _print(figures)
    if not args.no_record:
        _record(figures)
    return 0 if figures["ratio"] <= 3 else 1


def _world(pupils: int):  # type: ignore[no-untyped-def]
    from skolsam.accounts.actor import actor_for_person
    from skolsam.core.dates import today
    from skolsam.enrolment.models import Enrolment
    from skolsam.grades.models import GradingPeriodKind, Semester
    from skolsam.grades.services import (
        grade_decide,
        grading_period_close,
        grading_period_open,
        teacher_licence_record,
    )
    from skolsam.grades.tests.conftest import MATHS_7_9, syllabus
    from skolsam.testing.story import build_day

    day = build_day(pupils=pupils)
    maths = syllabus("GR", "GRGRMAT01", "Matematik")
    day.activity.syllabus = maths
    day.activity.save(update_fields=["syllabus"])
    Enrolment.objects.filter(person__in=day.pupils).update(school_year=9)
    rektor = actor_for_person(day.rektor.pk, on=today())
    teacher_licence_record(
        actor=rektor, person=day.teacher, valid_from=date(2020, 1, 1), qualifications=[MATHS_7_9]
    )
    period = grading_period_open(
        actor=rektor,
        organisation=day.school,
        kind=GradingPeriodKind.TERM,
        semester=Semester.HT,
        year=today().year,
    )
    teacher = actor_for_person(day.teacher.pk, on=today())
    for i, pupil in enumerate(day.pupils):
        if pupil.security_marking != "Ingen":
            continue
        grade_decide(
            actor=teacher,
            kind="Satt",
            grade_value="ABCDEF"[i % 6],
            student=pupil,
            syllabus=maths,
            organisation=day.school,
            period=period,
        )
    grading_period_close(actor=rektor, period=period)
    period.refresh_from_db()
    return rektor, period, maths


def _measure(args: argparse.Namespace) -> dict:
    from django.db import transaction
    from django.template.loader import render_to_string

    from skolsam.grades.pdf import pdf_a_from_html
    from skolsam.grades.services.documents import catalogue_lock, catalogue_sign

    rektor, period, maths = _world(args.pupils)

    def app() -> tuple[float, str, int]:
        started = time.perf_counter()
        try:
            with transaction.atomic():
                catalogue = catalogue_lock(actor=rektor, period=period, syllabus=maths)
                signed = catalogue_sign(actor=rektor, catalogue=catalogue, login_method="bench")
                elapsed = time.perf_counter() - started
                html = render_to_string(
                    "grades/pdf/catalogue.html",
                    {"catalogue": signed, "rows": signed.rows, "signature": signed.signature},
                )
                rows = len(signed.rows)
                raise _Rollback
        except _Rollback:
            pass
        return elapsed, html, rows

    _, html, rows = app()  # warm-up, and the HTML the floor makes
    pdf_a_from_html(html)
    app_times, floor_times, ratios = [], [], []
    for _ in range(args.rounds):
        elapsed, _, _ = app()
        started = time.perf_counter()
        pdf_a_from_html(html)
        floor = time.perf_counter() - started
        app_times.append(elapsed)
        floor_times.append(floor)
        ratios.append(elapsed / floor)
    return {
        "when": datetime.now().strftime("%Y-%m-%d %H:%M"),
        "machine": f"{platform.machine()}, {_cores()} cores",
        "rounds": args.rounds,
        "rows": rows,
        "app": statistics.median(app_times) * 1000,
        "floor": statistics.median(floor_times) * 1000,
        "ratio": statistics.median(ratios),
    }


def _cores() -> int:
    import os

    return os.cpu_count() or 0


def _print(figures: dict) -> None:
    print(
        f"{figures['rounds']} rounds, {figures['rows']} pupils in the catalogue, "
        f"{figures['machine']}\n"
        f"lock + sign (app): {figures['app']:.0f} ms\n"
        f"WeasyPrint alone:  {figures['floor']:.0f} ms\n"
        f"ratio:             {figures['ratio']:.2f}x (goal: at most 3)"
    )


def _record(figures: dict) -> None:
    line = (
        f"| {figures['when']} | {figures['machine']}, {figures['rounds']} rounds, "
        f"{figures['rows']} pupils | {figures['app']:.0f} ms | {figures['floor']:.0f} ms | "
        f"**{figures['ratio']:.2f}x** |"
    )
    text = RESULTS.read_text()
    if MARKER not in text:
        raise SystemExit(f"RESULTS.md has no {MARKER} line to add the result under.")
    RESULTS.write_text(text.replace(MARKER, f"{line}\n{MARKER}"))


if __name__ == "__main__":
    raise SystemExit(main())
