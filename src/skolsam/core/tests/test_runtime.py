"""The WSGI start-up tunes the garbage collector; SKOLSAM_GC_THRESHOLD=0 leaves it alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = """
import gc, json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "skolsam.conf.settings")
import skolsam.conf.wsgi
print(json.dumps({"threshold": gc.get_threshold(), "frozen": gc.get_freeze_count()}))
"""


def _start(threshold: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k != "SKOLSAM_GC_THRESHOLD"}
    if threshold is not None:
        env["SKOLSAM_GC_THRESHOLD"] = threshold
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed probe
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_the_wsgi_start_up_freezes_the_loaded_application_and_raises_the_threshold():
    started = _start(None)
    assert started["threshold"][0] == 10_000
    assert started["frozen"] > 10_000  # Django and Skolsam, loaded before the first request


def test_threshold_zero_leaves_the_collector_as_cpython_sets_it():
    started = _start("0")
    assert started["threshold"][0] == 700
    assert started["frozen"] == 0
