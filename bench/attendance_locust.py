"""Locust users for bench/attendance_load.py: teachers taking their lesson registers.

Each simulated teacher has their own lesson and session (from the JSON file named by
SKOLSAM_LOAD_PLAN) and works like a teacher on a phone: open the register (GET, reads the
form's version), spend 15-45 s marking who is absent or late, save (POST, expects the
redirect), then 30-60 s before the next register or correction. The pauses are the user's
`wait_time`, so when locust stops a run no request is cut off halfway: a teacher between
two steps is stopped at once, one with a request in flight is let finish it.

Real teachers save a register a few times an hour; the pauses here are compressed (a save
every 45-105 s per teacher) so that a two-minute run with 200 teachers still has each of
them save about twice, with every session open at once.

Every successful save, and its marks, is counted and written to SKOLSAM_LOAD_OUT when
locust quits, so the runner can read back every row and check that no write was lost.
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
SLOTS = itertools.count()
LOCK = threading.Lock()
SAVED: dict[str, int] = {}
LAST: dict[str, dict[str, str]] = {}
FAILED: list[str] = []
VERSION = re.compile(r'name="version" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MARKING = (15.0, 45.0)  # seconds with the register open before saving
BETWEEN = (30.0, 60.0)  # seconds after a save before the next register
if os.environ.get("SKOLSAM_LOAD_PACE") == "stress":
    # No time to mark anything: every teacher clicks again after 0.5-2 s (a stress test).
    MARKING = BETWEEN = (0.5, 2.0)


class Teacher(HttpUser):
    def on_start(self) -> None:
        with LOCK:
            self.slot = PLAN["teachers"][next(SLOTS) % len(PLAN["teachers"])]
        self.client.cookies.set("sessionid", self.slot["session"])
        self.url = f"/narvaro/lektion/{self.slot['lesson']}/"
        self.rng = random.Random(self.slot["lesson"])
        self.form: dict[str, str] | None = None

    def wait_time(self) -> float:
        return self.rng.uniform(*(MARKING if self.form else BETWEEN))

    @task
    def take_register(self) -> None:
        """Open the register, or (on the next turn, after marking) save it."""
        if self.form is None:
            self._open()
        else:
            self._save(self.form)
            self.form = None

    def _open(self) -> None:
        with self.client.get(self.url, name="GET register", catch_response=True) as page:
            version, token = VERSION.search(page.text), CSRF.search(page.text)
            if page.status_code != 200 or not version or not token:
                page.failure(f"no form: {page.status_code}")
                with LOCK:
                    FAILED.append(f"GET {page.status_code}")
                return
            page.success()
        self.form = {"csrfmiddlewaretoken": token.group(1), "version": version.group(1)}

    def _save(self, form: dict[str, str]) -> None:
        marks: dict[str, str] = {}
        # The lesson's day has passed, so a change is a correction and needs a reason.
        data = {**form, "reason": "Lasttest: rättelse av närvaro"}
        for pupil in self.rng.sample(self.slot["pupils"], k=min(3, len(self.slot["pupils"]))):
            kind = self.rng.choice(("Frånvarande", "Sen"))
            data[f"kind-{pupil}"] = kind
            data[f"minutes-{pupil}"] = "10" if kind == "Sen" else ""
            marks[pupil] = kind
        with self.client.post(
            self.url,
            data=data,
            name="POST register",
            allow_redirects=False,
            catch_response=True,
            headers={"Referer": self.client.base_url + self.url},
        ) as response:
            if response.status_code != 302:
                response.failure(f"save refused: {response.status_code}")
                with LOCK:
                    FAILED.append(f"POST {response.status_code}")
                return
            response.success()
        with LOCK:
            SAVED[self.slot["lesson"]] = SAVED.get(self.slot["lesson"], 0) + 1
            LAST[self.slot["lesson"]] = marks


@events.quitting.add_listener
def _write(**_: object) -> None:
    with open(os.environ["SKOLSAM_LOAD_OUT"], "w") as out:
        json.dump({"saved": SAVED, "last": LAST, "failed": FAILED}, out)
