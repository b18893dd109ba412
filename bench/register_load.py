"""Time generating and loading a 150,000-pupil register into PostgreSQL, against a raw COPY.

1. Create a database of its own (`skolsam_bench` by default) on the server of
   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test) and migrate it.
2. Generate a municipality (`generate_register`'s plan) and load it with COPY, in one
   transaction, committed: the time includes building every row in Python.
3. Dump exactly those rows with COPY TO into temporary files, empty the tables, and
   load the files again with COPY FROM in one transaction, the same tables in the same
   order with the same constraints: the floor that loading cannot go below.
4. Print both times and their ratio (the goal is within 3x), add them to
   bench/RESULTS.md, and drop the database.

Usage: python bench/register_load.py [--pupils 150000] [--seed 1] [--keep] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"


def main() -> int:
    """Run the benchmark; return the process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=150_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default="skolsam_bench", help="database to create and drop")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()

    server_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    bench_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{args.database}"))
    _recreate(server_url, args.database)
    try:
        figures = _run(bench_url, pupils=args.pupils, seed=args.seed)
    finally:
        if not args.keep:
            _drop(server_url, args.database)
    _print(figures)
    if not args.no_record:
        _record(figures)
        print(f"\nAdded to {RESULTS.relative_to(ROOT)}.")
    return 0


def _recreate(server_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def _drop(server_url: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _run(bench_url: str, *, pupils: int, seed: int) -> dict[str, Any]:
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skolsam.conf.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from skolsam.core.access import system_actor
    from skolsam.curriculum.loader import programme_load_national, syllabus_load_official
    from skolsam.demo.bulk import CopySink, row_counts
    from skolsam.demo.generator import TABLES, Catalogue, RegisterGenerator, municipality_plan

    call_command("migrate", verbosity=0)
    actor = system_actor("bench")
    syllabus_load_official(actor=actor)  # reference data, not part of what is timed
    programme_load_national(actor=actor)
    catalogue = Catalogue.from_database()

    print(f"Generating and loading {pupils:,} pupils (COPY, one transaction)...")
    load_average = os.getloadavg()[0]  # other work on the machine slows both phases
    started = time.perf_counter()
    with transaction.atomic():
        result = RegisterGenerator(
            municipality_plan(pupils, seed=seed), CopySink(TABLES), catalogue=catalogue
        ).run()
    generate_load = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = row_counts(TABLES)

    print("Dumping the same rows with COPY TO, emptying the tables...")
    qn = connection.ops.quote_name
    names = [t.name for t in TABLES]
    with tempfile.TemporaryDirectory(prefix="skolsam-bench-") as tmp:
        files: dict[str, IO[bytes]] = {}
        with connection.cursor() as cursor:
            for name in names:
                files[name] = fh = open(Path(tmp) / f"{name}.copy", "w+b")  # noqa: SIM115
                with cursor.copy(f"COPY {qn(name)} TO STDOUT") as copy:  # type: ignore[attr-defined]
                    for chunk in copy:
                        fh.write(chunk)
            dumped_mb = sum(fh.tell() for fh in files.values()) / 2**20
            # CASCADE reaches only tables that reference these and are empty here
            # (accounts_user, django_admin_log): the bench database has no accounts.
            cursor.execute("TRUNCATE {} CASCADE".format(", ".join(qn(n) for n in names)))

        print("Loading them again with a raw COPY FROM (one transaction)...")
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            for name in names:
                fh = files[name]
                fh.seek(0)
                with cursor.copy(f"COPY {qn(name)} FROM STDIN") as copy:  # type: ignore[attr-defined]
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
        raw_copy = time.perf_counter() - started
        for fh in files.values():
            fh.close()
    if row_counts(TABLES) != counts:
        raise SystemExit("The raw COPY did not give back the same rows.")

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        server = cursor.fetchone()[0]
    return {
        "date": date.today().isoformat(),
        "machine": _machine(),
        "postgresql": server.split()[0],
        "pupils": result.pupils,
        "guardians": result.guardians,
        "staff": result.staff,
        "temporary_numbers": result.temporary_numbers,
        "counts": counts,
        "rows": sum(counts.values()),
        "generate_load": generate_load,
        "raw_copy": raw_copy,
        "ratio": generate_load / raw_copy,
        "peak_mb": peak_mb,
        "dumped_mb": dumped_mb,
        "load_average": load_average,
    }


def _machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        memory_kb = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        memory = f", {memory_kb / 2**20:.0f} GB RAM"
    except (OSError, StopIteration):
        memory = ""
    return f"{os.cpu_count()} cores, {cpu}{memory}, Python {platform.python_version()}"


def _print(f: dict[str, Any]) -> None:
    print()
    print(f"Machine:            {f['machine']}, PostgreSQL {f['postgresql']}")
    print(f"Load average:       {f['load_average']:.1f} when the run started")
    print(
        f"Register:           {f['pupils']:,} pupils, {f['guardians']:,} guardians, "
        f"{f['staff']:,} staff ({f['temporary_numbers']:,} temporary numbers)"
    )
    for name, rows in f["counts"].items():
        print(f"  {name:50} {rows:>10,}")
    print(f"  {'total':50} {f['rows']:>10,}  ({f['dumped_mb']:.0f} MB as COPY text)")
    print(f"Generate + load:    {f['generate_load']:.1f} s  (peak memory {f['peak_mb']:.0f} MB)")
    print(f"Raw COPY:           {f['raw_copy']:.1f} s")
    verdict = "within" if f["ratio"] <= 3 else "OVER"
    print(f"Ratio:              {f['ratio']:.2f}x  ({verdict} the 3x goal)")


START = "<!-- register_load:start -->"
END = "<!-- register_load:end -->"


def _record(f: dict[str, Any]) -> None:
    """Add the run to this benchmark's section of RESULTS.md, keeping every other section."""
    existing = RESULTS.read_text() if RESULTS.exists() else ""
    runs: list[str] = []
    if START in existing and END in existing:
        before, rest = existing.split(START, 1)
        old, after = rest.split(END, 1)
        runs = [line for line in old.splitlines() if line.startswith("| 2")]
    else:
        before = existing.rstrip() + "\n\n" if existing.strip() else "# Benchmark results\n\n"
        after = "\n"
    runs.append(
        f"| {f['date']} | {f['machine']} | {f['load_average']:.1f} | {f['postgresql']} "
        f"| {f['pupils']:,} | {f['rows']:,} | {f['generate_load']:.1f} | {f['raw_copy']:.1f} "
        f"| **{f['ratio']:.2f}x** | {f['peak_mb']:.0f} |"
    )
    counts = "\n".join(f"| {name} | {rows:,} |" for name, rows in f["counts"].items())
    section = f"""{START}
# Register load (`bench/register_load.py`)

Generating a municipality and loading it ("generate + load": every row built in Python,
loaded with COPY in one transaction, committed) against loading exactly the same rows
from COPY text files ("raw COPY", one transaction, the same tables, indexes and
constraints), in the same run. Goal: a ratio within 3x. "Load" is the machine's 1-minute
load average when the run started; other work at the same time slows both phases.

| date | machine | load | PostgreSQL | pupils | rows | generate + load (s) | raw COPY (s) | ratio | peak memory (MB) |
|---|---|---:|---|---:|---:|---:|---:|---:|---:|
{chr(10).join(runs)}

Rows per table in the latest run ({f["date"]}, {f["pupils"]:,} pupils, {f["guardians"]:,}
guardians, {f["staff"]:,} staff; {f["temporary_numbers"]:,} persons got temporary numbers
once Skatteverket's test list ran out):

| table | rows |
|---|---:|
{counts}
| total | {f["rows"]:,} |
{END}"""
    RESULTS.write_text(before + section + after)


if __name__ == "__main__":
    raise SystemExit(main())
