"""Locust users for bench/grade_day.py: teachers saving grade sheets, rektors watching.

The plan (the JSON file named by SKOLSAM_LOAD_PLAN) gives every teacher a sheet and a
session of their own, and every rektor the progress page of their unit's period.

A teacher arrives at a moment spread over the first 70 % of the run (SKOLSAM_LOAD_SECONDS),
opens the sheet (GET: the form's version, token and one select per pupil still to be
graded), spends 30-90 s picking a value for every pupil, and saves once as the page's form
posts it: one htmx POST (`HX-Request`) answered with the saved sheet. A 409 (someone saved
the sheet since it was opened) is not an error: the teacher reloads the sheet and saves
again (or, finding every grade set by the colleague who shares the sheet, is done). After
the save the teacher is done. Some sheets have two grading teachers, who arrive together. The pauses are the users' `wait_time`, so when
locust stops a run no request is cut off halfway.

A rektor refreshes the unit's progress page every 5-15 s for the whole run.

What each successful save posted (sheet -> pupil -> value), the stale saves and the
failures are written to SKOLSAM_LOAD_OUT when locust quits, for the runner to read back.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, events, task

PLAN = json.loads(open(os.environ["SKOLSAM_LOAD_PLAN"]).read())  # noqa: SIM115
SECONDS = float(os.environ.get("SKOLSAM_LOAD_SECONDS", "600"))
SPREAD = 0.5 * SECONDS  # teachers arrive over the first half of the run
# Seconds with the sheet open before saving: 30-90 s, less in a run shorter than 6 min.
PICKING = (min(30.0, 0.1 * SECONDS), min(90.0, 0.25 * SECONDS))
REFRESH = (5.0, 15.0)  # seconds between a rektor's looks at the progress page
DONE = 3600.0  # a teacher who has saved waits until the run ends
LOCK = threading.Lock()
TEACHER_SLOTS = itertools.count()
REKTOR_SLOTS = itertools.count()
SAVED: list[tuple[str, dict[str, str]]] = []
FAILED: list[str] = []
STALE = [0]
FOUND_DONE = [0]
VERSION = re.compile(r'name="version" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SELECT = re.compile(r'<select id="g-[^"]+" name="(grade-[0-9a-f-]+)"[^>]*>(.*?)</select>', re.S)
OPTION = re.compile(r'<option value="([^"]+)"')


def _fail(response, what: str) -> None:  # type: ignore[no-untyped-def]
    response.failure(what)
    with LOCK:
        FAILED.append(what)


class Teacher(HttpUser):
    fixed_count = len(PLAN["teachers"])

    def on_start(self) -> None:
        with LOCK:
            self.slot = PLAN["teachers"][next(TEACHER_SLOTS) % len(PLAN["teachers"])]
        self.client.cookies.set("sessionid", self.slot["session"])
        self.rng = random.Random(self.slot["session"])
        self.state = "arriving"
        self.pause = 0.0
        self.form: dict[str, str] | None = None
        self.values: dict[str, str] = {}
        self.after_stale = False

    def wait_time(self) -> float:
        return self.pause

    @task
    def grade(self) -> None:
        """Arrive; then open the sheet; then (after picking the values) save it."""
        if self.state == "arriving":
            # The two teachers of a shared sheet arrive together, and so contend for it.
            arrival = random.Random(self.slot["url"]).uniform(0, SPREAD)
            self.state, self.pause = "opening", arrival
            return
        if self.state == "opening":
            self._open()
        elif self.state == "picking":
            self._save()
        if self.state == "picking":
            self.pause = self.rng.uniform(*PICKING)
        elif self.state == "opening":
            self.pause = self.rng.uniform(1.0, 3.0)  # after a 409: read it, reload
        else:
            self.pause = DONE

    def _open(self) -> None:
        with self.client.get(self.slot["url"], name="GET sheet", catch_response=True) as page:
            form = _form(page.text)
            if page.status_code != 200 or form is None:
                _fail(page, f"GET sheet {page.status_code}")
                self.state = "done"
                return
            page.success()
        self.form = form
        # A value for every pupil still to be graded, from the values the select offers.
        self.values = {
            name: self.rng.choice(OPTION.findall(options))
            for name, options in SELECT.findall(page.text)
        }
        self.state = "picking"
        if not self.values and self.after_stale:
            # Reloaded after a 409: the colleague has set every grade; nothing left to do.
            with LOCK:
                FOUND_DONE[0] += 1
            self.state = "done"

    def _save(self) -> None:
        assert self.form is not None
        with self.client.post(
            self.slot["url"],
            data={**self.form, **self.values},
            name="POST sheet (htmx)",
            catch_response=True,
            headers={"Referer": self.client.base_url + self.slot["url"], "HX-Request": "true"},
        ) as response:
            if response.status_code == 409:
                # Someone saved the sheet first: the lock doing its work. Reload, save again.
                response.success()
                with LOCK:
                    STALE[0] += 1
                self.state, self.after_stale = "opening", True
                return
            if response.status_code != 200 or "error-summary" in response.text:
                _fail(response, f"POST sheet {response.status_code}")
                self.state = "done"
                return
            response.success()
        with LOCK:
            SAVED.append(
                (
                    self.slot["url"],
                    {name.removeprefix("grade-"): value for name, value in self.values.items()},
                )
            )
        self.state = "done"


class Rektor(HttpUser):
    fixed_count = len(PLAN["rektors"])

    def on_start(self) -> None:
        with LOCK:
            self.slot = PLAN["rektors"][next(REKTOR_SLOTS) % len(PLAN["rektors"])]
        self.client.cookies.set("sessionid", self.slot["session"])
        self.rng = random.Random(self.slot["session"])

    def wait_time(self) -> float:
        return self.rng.uniform(*REFRESH)

    @task
    def look(self) -> None:
        url = f"/betyg/perioder/{self.slot['period']}/"
        with self.client.get(url, name="GET progress", catch_response=True) as page:
            if page.status_code != 200:
                _fail(page, f"GET progress {page.status_code}")
            else:
                page.success()


def _form(html: str) -> dict[str, str] | None:
    version, token = VERSION.search(html), CSRF.search(html)
    if not version or not token:
        return None
    return {"csrfmiddlewaretoken": token.group(1), "version": version.group(1)}


@events.quitting.add_listener
def _write(**_: object) -> None:
    with open(os.environ["SKOLSAM_LOAD_OUT"], "w") as out:
        json.dump(
            {"saved": SAVED, "stale": STALE[0], "found_done": FOUND_DONE[0], "failed": FAILED},
            out,
        )
