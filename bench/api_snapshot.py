"""Time SS 12000 crawls under a sort key that can change: the snapshot's first page and the rest.

On a generated municipality (as `bench/api_paging.py`: a database of its own on the
PostgreSQL server of DATABASE_URL, `generate_register --pupils N`), a client bound to the
huvudman crawls all of `/persons` with `limit=1000`, through Django's full request stack:
in the default order (id, keyset pages) and under `FamilyNameAsc` and `ModifiedDesc`
(snapshot pages: the first page writes the ordered ids of every person in scope with one
`INSERT ... SELECT ROW_NUMBER() OVER (...)`, in Swedish order for the name). Prints, per
order, the first page's time, the median and slowest later page, the whole crawl and the
queries per page, and checks that every crawl served the same persons once each.

Usage: python bench/api_snapshot.py [--pupils 150000] [--database NAME] [--reuse] [--keep]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path
from typing import Any

from generated_db import huvudman_client, own_database, start

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"
PAGE = 1000
ORDERS = ("", "FamilyNameAsc", "ModifiedDesc")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pupils", type=int, default=150_000)
    parser.add_argument("--database", default="skolsam_bench_snapshot")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use a database kept earlier")
    args = parser.parse_args()

    with own_database(args.database, reuse=args.reuse, keep=args.keep) as bench_url:
        _run(bench_url, pupils=args.pupils, generate=not args.reuse)
    return 0


def _run(bench_url: str, *, pupils: int, generate: bool) -> None:
    # The prune task is enqueued on the first snapshot; run it in the process.
    os.environ["SKOLSAM_TASKS_BACKEND"] = "django_tasks.backends.immediate.ImmediateBackend"
    start(bench_url, pupils=pupils, generate=generate, api=True)
    _client, token = huvudman_client()
    served: dict[str, list[str]] = {}
    print(f"\n/persons, limit={PAGE}, {pupils:,} pupils")
    print(
        "| order | rows | pages | first page (s) | later pages median / max (s) | crawl (s) | queries per page |"
    )
    print("|---|---:|---:|---:|---:|---:|---|")
    for order in ORDERS:
        figures = _crawl(token, order)
        served[order] = figures.pop("ids")
        print(
            f"| {order or 'id (default)'} | {figures['rows']:,} | {figures['pages']} | "
            f"{figures['first']:.2f} | {figures['median']:.3f} / {figures['max']:.3f} | "
            f"{figures['total']:.1f} | {figures['queries']} |"
        )
    reference = sorted(served[""])
    for order, ids in served.items():
        assert len(ids) == len(set(ids)), f"{order}: a person came twice"
        assert sorted(ids) == reference, f"{order}: not the same persons as the default order"


def _crawl(token: str, order: str) -> dict[str, Any]:
    import orjson
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    http = Client()
    headers = {"Authorization": f"Bearer {token}"}
    params: dict[str, Any] = {"limit": PAGE, **({"sortkey": order} if order else {})}
    times: list[float] = []
    queries: set[int] = set()
    ids: list[str] = []
    started = time.perf_counter()
    while True:
        page_started = time.perf_counter()
        with CaptureQueriesContext(connection) as captured:
            response = http.get("/ss12000/v2.0/persons", params, headers=headers)
        times.append(time.perf_counter() - page_started)
        assert response.status_code == 200, response.content[:300]
        queries.add(len(captured.captured_queries))
        connection.queries_log.clear()
        body = orjson.loads(response.content)
        ids += [row["id"] for row in body["data"]]
        if not body["pageToken"]:
            break
        params = {"limit": PAGE, "pageToken": body["pageToken"]}
    later = times[1:] or [0.0]
    return {
        "rows": len(ids),
        "pages": len(times),
        "first": times[0],
        "median": statistics.median(later),
        "max": max(later),
        "total": time.perf_counter() - started,
        "queries": sorted(queries),
        "ids": ids,
    }


if __name__ == "__main__":
    raise SystemExit(main())
