"""Set up what the PostgreSQL benchmarks share: a generated municipality in a database of its own.

`api_paging.py`, `api_snapshot.py` and `person_search.py` each measure on a register made
by `manage.py generate_register --pupils N --seed 1` in a database of their own on the
server of DATABASE_URL, dropped afterwards unless kept, and in a process set up as a
production server is (no debug, the WSGI module's start-up). This module is that setup,
once; each script keeps only what it measures.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/test"


def sql(server_url: str, statement: str) -> None:
    """Run one statement outside a transaction (CREATE/DROP DATABASE, VACUUM)."""
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(statement)


@contextmanager
def own_database(name: str, *, reuse: bool, keep: bool) -> Iterator[str]:
    """Yield the URL of a fresh database `name` (or one kept earlier), dropped afterwards."""
    server_url = os.environ.get("DATABASE_URL") or DEFAULT_URL
    bench_url = urlunsplit(urlsplit(server_url)._replace(path=f"/{name}"))
    if not reuse:
        sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        sql(server_url, f'CREATE DATABASE "{name}"')
    try:
        yield bench_url
    finally:
        if not keep:
            from django.db import connections

            connections.close_all()
            sql(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def start(bench_url: str, *, pupils: int, generate: bool, api: bool = False) -> None:
    """Point Django at `bench_url`, fill it if asked, and start Django as a server does.

    With `api`, the host the in-process API requests name is allowed.
    """
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skolsam.conf.settings")
    # As in production: no query log kept in memory, no debug pages; and so, keys other
    # than the published development ones, which production settings refuse to start on.
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("SKOLSAM_SS12000_SIGNING_KEY", secrets.token_urlsafe(50))
    if api:
        os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    sys.path.insert(0, str(ROOT / "src"))
    if generate:
        # In processes of their own, as a register is loaded before a server starts: the
        # measuring process then holds what a server holds, not the generator's leftovers.
        manage = [sys.executable, str(ROOT / "manage.py")]
        subprocess.run([*manage, "migrate", "--verbosity", "0"], check=True)  # noqa: S603
        started = time.perf_counter()
        subprocess.run(  # noqa: S603
            [*manage, "generate_register", "--pupils", str(pupils), "--seed", "1"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"Generated {pupils:,} pupils in {time.perf_counter() - started:.0f} s.")
        # As autovacuum does after a bulk load, before anyone reads: statistics, and the
        # visibility map and hint bits, which the first reader would otherwise have to set
        # (the side measured first, the API, paid that: 0.47 instead of 0.52 in one run).
        sql(bench_url, "VACUUM ANALYZE")

    import django

    django.setup()

    import skolsam.conf.wsgi  # noqa: F401 - the server's start-up, garbage collector tuning included


def huvudman_client() -> tuple[Any, str]:
    """Register a read-everything API client bound to the (first) huvudman; return it and a token."""
    from skolsam.api.ss12000 import auth, services
    from skolsam.core.access import system_actor
    from skolsam.core.choices import OrganisationType
    from skolsam.organisations.models import Organisation

    huvudman = Organisation.objects.filter(organisation_type=OrganisationType.HUVUDMAN).first()
    assert huvudman is not None, "the register is empty"
    client, _secret = services.api_client_create(
        actor=system_actor("bench"), name="Bench", organisations=[huvudman], scopes=["*:read"]
    )
    return client, auth.issue_token(client)[0]


# The load tests' gunicorn (attendance_load.py, grade_day.py): threads, so that waiting on
# the database does not hold a worker, a long backlog and keep-alive, as a server behind a
# proxy is run. Keep-alive outlasts the longest pause of a load test's user (a teacher's
# 90 s with the grade sheet open): otherwise the server may close the idle connection just
# as the client sends its POST on it, which the client library reports as status 0 and,
# the request not being idempotent, does not retry (one such in the first 150,000-pupil
# grade day; the server never saw the request). A browser retries on a fresh connection.
SERVER_OPTIONS = (
    "--worker-class",
    "gthread",
    "--workers",
    "2",
    "--threads",
    "8",
    "--backlog",
    "2048",
    "--keep-alive",
    "120",
    "--timeout",
    "60",
    "--graceful-timeout",
    "20",
)


def wait_for_server(host: str, port: int) -> None:
    """Wait until the server on host:port answers its login page (at most a minute)."""
    import urllib.request

    for _ in range(120):
        try:
            urllib.request.urlopen(f"http://{host}:{port}/login/", timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("The web server did not start.")
