"""Page through the SS 12000 API on a generated municipality and compare with raw SQL.

1. Create a database of its own (`skolsam_bench_api`) on the PostgreSQL server of
   DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), migrate it and fill it
   with `manage.py generate_register --pupils N` (150,000 by default).
2. Register an API client bound to the municipality (the huvudman) and take a token.
3. As that client, page through all of `/persons` and all of
   `/groups?expand=assignmentRoles` with `limit=1000`, through Django's full request
   stack (in-process WSGI: middleware, JWT check, scope, audit log entry per page; no
   socket), in a process set up as the WSGI module sets up a server (garbage collector
   tuned by `skolsam.conf.runtime`). Count rows, time it, count the queries of every
   page and sample the process's resident memory after every page.
4. In the same run, read the same rows with raw SQL and serialise them to JSON: the
   scope's own SQL (compiled from the same querysets, so the rows are the same) run
   once with a server-side cursor, plus the rows each entity embeds (enrolments and
   guardians for persons; memberships and assignment roles for groups), turned into
   dicts and written with orjson in chunks of 1,000 rows.
5. Print rows per second for both and their ratio (goal: the API at least 0.5 of raw SQL),
   update the "SS 12000 API paging" section of bench/RESULTS.md (and nothing else in it),
   and drop the database.

Usage: python bench/api_paging.py [--pupils 150000] [--keep] [--reuse] [--no-record]
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from datetime import date
from pathlib import Path
from typing import Any

from generated_db import huvudman_client, own_database, start

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"
START = "<!-- api_paging:start -->"
END = "<!-- api_paging:end -->"
PAGE = 1000


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=150_000)
    parser.add_argument("--database", default="skolsam_bench_api")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a database kept earlier")
    parser.add_argument("--no-record", action="store_true", help="do not update RESULTS.md")
    args = parser.parse_args()

    with own_database(args.database, reuse=args.reuse, keep=args.keep) as bench_url:
        figures = _run(bench_url, pupils=args.pupils, generate=not args.reuse)
    _print(figures)
    if not args.no_record:
        _record(figures)
        print(f"\nUpdated the SS 12000 API section of {RESULTS.relative_to(ROOT)}.")
    return 0 if min(f["ratio"] for f in figures["endpoints"]) >= 0.5 else 1


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _run(bench_url: str, *, pupils: int, generate: bool) -> dict[str, Any]:
    start(bench_url, pupils=pupils, generate=generate, api=True)
    from skolsam.api.ss12000.access import scope_for_client

    client, token = huvudman_client()
    scope = scope_for_client(client)
    endpoints = [
        _measure("/persons", {}, token, _raw_persons, scope),
        _measure("/groups", {"expand": "assignmentRoles"}, token, _raw_groups, scope),
    ]
    from django.db import connection

    version = getattr(connection, "pg_version", 0)
    return {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "postgresql": f"{version // 10000}.{version % 100}" if version else connection.vendor,
        "pupils": pupils,
        "endpoints": endpoints,
    }


def _measure(path: str, query: dict, token: str, raw: Any, scope: Any) -> dict[str, Any]:
    import gc

    import orjson
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    http = Client()
    headers = {"Authorization": f"Bearer {token}"}
    url = f"/ss12000/v2.0{path}"
    params: dict[str, Any] = {"limit": PAGE, **query}
    rows = pages = 0
    queries: set[int] = set()
    memory: list[float] = []
    gc.collect()
    started = time.perf_counter()
    while True:
        with CaptureQueriesContext(connection) as captured:
            response = http.get(url, params, headers=headers)
        assert response.status_code == 200, response.content[:300]
        body = orjson.loads(response.content)
        queries.add(len(captured.captured_queries))
        connection.queries_log.clear()  # the capture's own log must not count as memory
        rows += len(body["data"])
        pages += 1
        memory.append(_rss_mb())
        if not body["pageToken"]:
            break
        params = {"limit": PAGE, "pageToken": body["pageToken"]}
    api_seconds = time.perf_counter() - started

    gc.collect()
    started = time.perf_counter()
    raw_rows = raw(scope)
    raw_seconds = time.perf_counter() - started
    assert raw_rows == rows, f"raw SQL read {raw_rows} rows, the API {rows}"
    api_rate, raw_rate = rows / api_seconds, raw_rows / raw_seconds
    settled = memory[min(5, len(memory) - 1) :]
    return {
        "endpoint": path + (f"?expand={query['expand']}" if query else ""),
        "rows": rows,
        "pages": pages,
        "api_seconds": api_seconds,
        "raw_seconds": raw_seconds,
        "api_rate": api_rate,
        "raw_rate": raw_rate,
        "ratio": api_rate / raw_rate,
        "queries": sorted(queries),
        "rss_first": memory[0],
        "rss_min": min(settled),
        "rss_max": max(settled),
    }


def _stream(qs: Any) -> Any:
    """Run a queryset's own SQL on a server-side cursor and yield plain dicts."""
    from django.db import connection

    sql, params = qs.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        names = [c[0] for c in cursor.description]
        while chunk := cursor.fetchmany(5000):
            for values in chunk:
                yield dict(zip(names, values, strict=True))


def _dump(rows: list[dict]) -> int:
    import orjson

    return len(orjson.dumps(rows, option=orjson.OPT_NON_STR_KEYS))


def _raw_persons(scope: Any) -> int:
    from django.db import transaction

    from skolsam.api.ss12000 import access
    from skolsam.api.ss12000.resources.persons import PERSON_COLUMNS

    with transaction.atomic():
        enrolments: dict[Any, list] = {}
        for row in _stream(access.enrolments_visible_to_client(scope).values()):
            enrolments.setdefault(row["person_id"], []).append(row)
        guardians: dict[Any, list] = {}
        for row in _stream(access.responsibles_visible_to_client(scope).values()):
            guardians.setdefault(row["person_id"], []).append(row)
        count, chunk = 0, []
        for row in _stream(access.persons_visible_to_client(scope).values(*PERSON_COLUMNS)):
            row["enrolments"] = enrolments.get(row["id"], [])
            row["responsibles"] = guardians.get(row["id"], [])
            chunk.append(row)
            if len(chunk) == PAGE:
                _dump(chunk)
                count, chunk = count + len(chunk), []
        _dump(chunk)
        return count + len(chunk)


def _raw_groups(scope: Any) -> int:
    from django.db import transaction

    from skolsam.api.ss12000 import access
    from skolsam.api.ss12000.resources.groups import GROUP_FIELDS

    with transaction.atomic():
        members: dict[Any, list] = {}
        for row in _stream(access.memberships_visible_to_client(scope).values()):
            members.setdefault(row["group_id"], []).append(row)
        roles: dict[Any, list] = {}
        for row in _stream(access.assignment_roles_visible_to_client(scope).values()):
            roles.setdefault(row["group_id"], []).append(row)
        count, chunk = 0, []
        for row in _stream(access.groups_visible_to_client(scope).values(*GROUP_FIELDS)):
            row["groupMemberships"] = members.get(row["id"], [])
            row["assignmentRoles"] = roles.get(row["id"], [])
            chunk.append(row)
            if len(chunk) == PAGE:
                _dump(chunk)
                count, chunk = count + len(chunk), []
        _dump(chunk)
        return count + len(chunk)


def _print(f: dict[str, Any]) -> None:
    print(f"\nSS 12000 API paging, {f['pupils']:,} pupils, limit={PAGE} ({f['machine']})")
    for e in f["endpoints"]:
        print(
            f"  {e['endpoint']:35} {e['rows']:>8,} rows in {e['pages']:>4} pages: "
            f"API {e['api_seconds']:6.1f} s ({e['api_rate']:>8,.0f} rows/s), "
            f"raw SQL {e['raw_seconds']:5.1f} s ({e['raw_rate']:>8,.0f} rows/s), "
            f"ratio {e['ratio']:.2f}; queries per page {e['queries']}; "
            f"RSS {e['rss_min']:.0f}-{e['rss_max']:.0f} MB"
        )


def _record(f: dict[str, Any]) -> None:
    """Replace this benchmark's section of RESULTS.md, keeping every other section."""
    existing = RESULTS.read_text() if RESULTS.exists() else ""
    runs: list[str] = []
    if START in existing and END in existing:
        before, rest = existing.split(START, 1)
        old, after = rest.split(END, 1)
        runs = [line for line in old.splitlines() if line.startswith("| 2")]
    else:
        before, after = existing.rstrip() + "\n\n" if existing.strip() else "", "\n"
    for e in f["endpoints"]:
        runs.append(
            f"| {f['date']} | {f['machine']} | {f['postgresql']} | {f['pupils']:,} "
            f"| `{e['endpoint']}` | {e['rows']:,} | {e['pages']} | {e['api_rate']:,.0f} "
            f"| {e['raw_rate']:,.0f} | **{e['ratio']:.2f}** | {'/'.join(map(str, e['queries']))} "
            f"| {e['rss_min']:.0f}-{e['rss_max']:.0f} |"
        )
    section = f"""{START}
# SS 12000 API paging (`bench/api_paging.py`)

A client bound to the whole municipality pages through all of `/persons` and all of
`/groups?expand=assignmentRoles` with `limit=1000` (in-process WSGI through the full
middleware, token check, scope and an audit entry per page), against raw SQL reading the
same rows with the scope's own SQL on a server-side cursor and writing them as JSON with
orjson, in the same run. Goal: ratio (API rows/s ÷ raw rows/s) at least 0.5, a constant
number of queries per page, and flat memory (resident memory over the pages after the
first five).

| date | machine | PostgreSQL | pupils | endpoint | rows | pages | API rows/s | raw SQL rows/s | ratio | queries per page | RSS (MB) |
|---|---|---|---:|---|---:|---:|---:|---:|---:|---|---|
{chr(10).join(runs)}
{END}"""
    RESULTS.write_text(before + section + after)


if __name__ == "__main__":
    raise SystemExit(main())
