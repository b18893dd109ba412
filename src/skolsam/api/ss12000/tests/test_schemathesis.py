"""Run Schemathesis over the official spec against a running Skolsam on 127.0.0.1.

The live server runs in this process on a free port of 127.0.0.1; Schemathesis (its CLI,
as a user would run it) gets a real token and the served spec. Every operation Skolsam
serves is tried with a bounded number of generated requests: no 500s, and every status
code, content type and body must be what the spec says.

`make test` runs the examples and fuzzing phases, 5 examples per operation (about 25 s).
The thorough run adds the coverage phase's boundary cases (about 3,400 requests, 3-4 min):

    SKOLSAM_SCHEMATHESIS_PHASES=examples,coverage,fuzzing \
        .venv/bin/pytest src/skolsam/api/ss12000/tests/test_schemathesis.py
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.testing.story import build_story

SERVED = (
    "organisations|persons|placements|duties|groups|programmes|syllabuses|"
    "schoolUnitOfferings|activities|attendances|attendanceEvents|attendanceSchedule|absences|"
    "rooms|resources|"
    "deletedEntities|subscriptions|log|statistics"
)
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
        "response_headers_conformance",
    )
)


@pytest.mark.django_db(transaction=True)
def test_schemathesis_finds_no_errors(live_server, settings, tmp_path: Path) -> None:
    # The story, built here: a live server needs it committed, which a story shared by the
    # module (in its transaction) is not.
    story = build_story()
    settings.SKOLSAM_SS12000_WEBHOOK_ALLOW_PRIVATE = False
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    client, _ = make_client([story.koping], name="Schemathesis")
    schemathesis = Path(sys.executable).with_name("schemathesis")
    result = subprocess.run(  # noqa: S603 - our own tool, fixed arguments
        [
            str(schemathesis),
            "run",
            f"{live_server.url}/ss12000/v2.0/openapi.json",
            "--header",
            f"Authorization: Bearer {token_for(client)}",
            "--include-path-regex",
            f"^/({SERVED})",
            "--checks",
            CHECKS,
            "--phases",
            os.environ.get("SKOLSAM_SCHEMATHESIS_PHASES", "examples,fuzzing"),
            "--max-examples",
            os.environ.get("SKOLSAM_SCHEMATHESIS_EXAMPLES", "5"),
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--seed",
            "12000",
            "--no-color",
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=tmp_path,  # Schemathesis keeps its cache in the working directory
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
