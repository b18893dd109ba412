"""Time the register import of a 1,000-pupil file on SQLite and on PostgreSQL.

For each database the script runs itself in a child process (Django reads DATABASE_URL
once, at start-up) that

1. creates an empty database of its own — a temporary SQLite file, or `skolsam_bench_import`
   on the PostgreSQL server of DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test,
   only used to connect) — and migrates it;
2. sets up a huvudman, a school unit offering grundskola and its school administrator,
   and imports as that administrator (a real Actor, so the access checks are timed too);
3. writes 1,000 pupils with two guardians each (every fifth pupil a sibling sharing them,
   every seventh with one guardian: 1,515 guardians and 1,858 relations) with
   `skolsam.imports.examples.example_rows`, as CSV and as .xlsx;
4. times, as the upload page does them: **check** (read the CSV, check every row against
   the register, keep the rows server-side), **import** (check again inside the
   transaction and write everything: persons, enrolments, 14 new classes, memberships,
   relations and some 6,400 audit entries), then **check .xlsx** (the same file as Excel)
   and **re-import** (check + import of the same file again: everything exists, nothing
   is written but the import's own audit entry), and counts the import's queries;
5. drops the database.

The parent prints the figures and replaces the "Register import" section of
bench/RESULTS.md (between its markers) and nothing else in that file.

Usage: python bench/import_1000.py [--rows 1000] [--only sqlite|postgresql] [--no-record]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"
DATABASE = "skolsam_bench_import"
START = "<!-- import_1000:start -->"
END = "<!-- import_1000:end -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.rows)))
        return 0

    load = os.getloadavg()[0]
    figures = []
    for vendor in [args.only] if args.only else ["sqlite", "postgresql"]:
        url, cleanup = _database(vendor)
        try:
            done = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
                [sys.executable, __file__, "--child", url, "--rows", str(args.rows)],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "DATABASE_URL": url},
            )
        except subprocess.CalledProcessError as exc:
            print(exc.stdout, exc.stderr, file=sys.stderr)
            raise
        finally:
            cleanup()
        figures.append(json.loads(done.stdout.strip().splitlines()[-1]))
    for f in figures:
        print(
            f"{f['database']:>18}: check {f['check']:.2f} s, import {f['import']:.2f} s "
            f"({f['queries']} queries), check .xlsx {f['check_xlsx']:.2f} s, "
            f"re-import {f['reimport']:.2f} s; {f['persons']} persons, "
            f"{f['audit_entries']} audit entries"
        )
    if not args.no_record:
        _record(figures, args.rows, load)
        print(f"Updated the register import section of {RESULTS.relative_to(ROOT)}.")
    return 0


def _database(vendor: str) -> tuple[str, Any]:
    """Return a fresh database's URL and a function that removes it."""
    if vendor == "sqlite":
        directory = tempfile.mkdtemp(prefix="skolsam-bench-import-")
        path = Path(directory) / "bench.sqlite3"

        def remove_file() -> None:
            for file in Path(directory).iterdir():
                file.unlink()
            Path(directory).rmdir()

        return f"sqlite:///{path}", remove_file

    import psycopg

    server = os.environ.get("DATABASE_URL") or DEFAULT_URL
    if not server.startswith("postgres"):
        server = DEFAULT_URL

    def sql(statement: str) -> None:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(statement)

    sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
    sql(f'CREATE DATABASE "{DATABASE}"')
    return (
        urlunsplit(urlsplit(server)._replace(path=f"/{DATABASE}")),
        lambda: sql(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'),
    )


def _child(url: str, rows: int) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skolsam.conf.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call_command("migrate", verbosity=0)

    from skolsam.accounts.actor import actor_for_person
    from skolsam.audit.models import AuditEntry
    from skolsam.core.access import system_actor
    from skolsam.core.choices import DutyRole, OrganisationType
    from skolsam.demo.testnumbers import test_personnummer
    from skolsam.duties.services import duty_create
    from skolsam.imports import examples
    from skolsam.imports.services import register_import_check, register_import_commit
    from skolsam.organisations.services import organisation_create
    from skolsam.people.models import Person
    from skolsam.people.services import person_create

    system = system_actor("bench")
    huvudman = organisation_create(
        actor=system,
        display_name="Köpings kommun",
        organisation_type=OrganisationType.HUVUDMAN,
        municipality_code="1983",
    )
    unit = organisation_create(
        actor=system,
        display_name="Malmaskolan",
        organisation_type=OrganisationType.SKOLENHET,
        parent=huvudman,
        school_types=["GR"],
        school_unit_code="19830001",
    )
    administrator = person_create(
        actor=system,
        given_name="Ada",
        family_name="Admin",
        civic_no=test_personnummer(born_from=1960, born_to=1960)[0],
    )
    duty_create(
        actor=system,
        person=administrator,
        duty_at=unit,
        duty_role=DutyRole.SKOLADMINISTRATOR,
        start_date=date(2020, 1, 1),
    )
    actor = actor_for_person(administrator.pk)

    with tempfile.TemporaryDirectory() as directory:
        data = examples.example_rows(rows)
        csv_path, xlsx_path = Path(directory) / "elever.csv", Path(directory) / "elever.xlsx"
        examples.write_csv(csv_path, data)
        examples.write_xlsx(xlsx_path, data)
        csv_bytes, xlsx_bytes = csv_path.read_bytes(), xlsx_path.read_bytes()

    def check(content: bytes, name: str) -> Any:
        plan, staged = register_import_check(
            actor=actor, school_unit=unit, data=content, file_name=name, create_classes=True
        )
        assert plan.ok, [str(i) for i in plan.errors[:5]]
        return staged

    started = time.perf_counter()
    staged = check(csv_bytes, "elever.csv")
    checked = time.perf_counter()
    with CaptureQueriesContext(connection) as queries:
        plan = register_import_commit(actor=actor, register_import=staged)
    imported = time.perf_counter()
    check(xlsx_bytes, "elever.xlsx")
    checked_xlsx = time.perf_counter()
    again = register_import_commit(actor=actor, register_import=check(csv_bytes, "elever.csv"))
    reimported = time.perf_counter()
    assert again.summary()["persons_created"] == 0

    if connection.vendor == "postgresql":
        version = connection.cursor().connection.info.server_version
        database = f"PostgreSQL {version // 10000}.{version % 10000}"
    else:
        import sqlite3

        database = f"SQLite {sqlite3.sqlite_version}"
    return {
        "database": database,
        "rows": rows,
        "check": checked - started,
        "import": imported - checked,
        "check_xlsx": checked_xlsx - imported,
        "reimport": reimported - checked_xlsx,
        "queries": len(queries.captured_queries),
        "persons": Person.objects.count() - 1,
        "created": plan.summary(),
        "audit_entries": AuditEntry.objects.count(),
    }


def _record(figures: list[dict[str, Any]], rows: int, load: float) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping every other section."""
    existing = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    if START in existing and END in existing:
        before, rest = existing.split(START, 1)
        _old, after = rest.split(END, 1)
    else:
        before, after = existing.rstrip("\n") + "\n\n", "\n"
    lines = [
        "| database | check (CSV) | import | check (.xlsx) | re-import (check + import) | queries in import |",
        "|---|---|---|---|---|---|",
    ]
    for f in figures:
        lines.append(
            f"| {f['database']} | {f['check']:.2f} s | {f['import']:.2f} s | "
            f"{f['check_xlsx']:.2f} s | {f['reimport']:.2f} s | {f['queries']} |"
        )
    created = figures[0]["created"]
    section = f"""{START}
## Register import: {rows:,} pupils (`bench/import_1000.py`)

{date.today().isoformat()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, on the shared development machine (1-minute load average {load:.1f} at the start).

One file of {rows:,} pupils, imported by a school administrator (a real Actor, so the access checks are timed too): {created["persons_created"]:,} new persons ({created["pupils_created"]:,} pupils, {created["guardians_created"]:,} guardians), {created["enrolments_created"]:,} enrolments, {created["classes_created"]} new classes, {created["memberships_created"]:,} class memberships and {created["relations_created"]:,} guardian relations, each with its audit entry ({figures[0]["audit_entries"]:,} entries after both imports).

{chr(10).join(lines)}

Wall-clock times, one run each. "Check" is the upload step (read the file, check every row
against the register, keep the rows server-side); "import" is the confirm step (check again
inside the transaction, then write everything in bulk); "re-import" checks and imports the
same file again, when everything exists and nothing but the import's own audit entry is
written. The import's queries are a fixed number for the checks, one `group_create` per new
class, and batched INSERTs; Django splits a batch by the database's parameter limit, so
SQLite needs more statements than PostgreSQL. Re-run: `.venv/bin/python bench/import_1000.py`.
{END}"""
    RESULTS.write_text(before + section + after)


if __name__ == "__main__":
    sys.exit(main())
