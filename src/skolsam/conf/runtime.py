"""Tune the Python process that serves requests (called from the WSGI module).

CPython's cyclic garbage collector runs whenever 700 more container objects have been
created than freed. A page of the SS 12000 API builds tens of thousands of small dicts,
so it ran about forty times per page, and every few pages a full collection walked every
object the process holds (Django, the URL map, the templates): a fifth of a page's time.
After start-up nothing of that is garbage. So, as Instagram's and gunicorn's guidance
suggests, the objects that exist once the application is loaded are frozen (the collector
no longer walks them), and the first generation's threshold is raised so that short-lived
pages are mostly freed by reference counting before a collection starts. Cyclic garbage
is still collected: memory stays flat (see bench/RESULTS.md).

`SKOLSAM_GC_THRESHOLD=0` leaves the collector as CPython sets it.
"""

from __future__ import annotations

import gc
import os

DEFAULT_THRESHOLD = 10_000


def tune_garbage_collector() -> None:
    threshold = int(os.environ.get("SKOLSAM_GC_THRESHOLD", DEFAULT_THRESHOLD))
    if threshold <= 0:
        return
    gc.collect()
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(threshold, second, third)
