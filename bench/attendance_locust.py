"""Locust users for bench/attendance_load.py: teachers taking their lesson registers.

Each simulated teacher has a lesson and a session of their own (from the JSON file named
by SKOLSAM_LOAD_PLAN) and works like a teacher on a phone: open the register (GET, reads
the form's version), spend 15-45 s marking who is absent or late, save, and pause 30-60 s
before the next register or correction. The save is the page's own: one htmx POST that
answers with the saved register (the new version in it), no redirect. The pauses are the
user's `wait_time`, so when locust stops a run no request is cut off halfway.

Teachers contend: some lessons have a substitute beside the regular teacher, some have two
teachers, and each of them has their own session on the same register. A save on a form
someone else has saved since answers 409 with what they stored and its version; the
teacher then marks again on that and saves on the next turn, as a person would.

Real teachers save a register a few times an hour; the pauses here are compressed (a save
every 45-105 s per teacher) so that a two-minute run with 200 teachers still has each of
them save about twice, with every session open at once.

Every successful save, with the version it produced and its marks, is written to
SKOLSAM_LOAD_OUT when locust quits, so the runner can check every version was claimed once
and read back every row against the last save.
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
# lesson -> version the save produced -> marks; a version saved twice is a lost write.
SAVES: dict[str, dict[str, dict[str, str]]] = {}
CLAIMED_TWICE: list[str] = []
STALE: list[str] = []
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
        self.rng = random.Random(self.slot["session"])
        self.form: dict[str, str] | None = None

    def wait_time(self) -> float:
        return self.rng.uniform(*(MARKING if self.form else BETWEEN))

    @task
    def take_register(self) -> None:
        """Open the register, or (on the next turn, after marking) save it."""
        if self.form is None:
            self._open()
        else:
            self.form = self._save(self.form)

    def _open(self) -> None:
        with self.client.get(self.url, name="GET register", catch_response=True) as page:
            form = _form(page.text)
            if page.status_code != 200 or form is None:
                page.failure(f"no form: {page.status_code}")
                with LOCK:
                    FAILED.append(f"GET {page.status_code}")
                return
            page.success()
        self.form = form

    def _save(self, form: dict[str, str]) -> dict[str, str] | None:
        """Save; return the form to save again on the next turn (after a 409), or None."""
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
            name="POST register (htmx)",
            catch_response=True,
            headers={"Referer": self.client.base_url + self.url, "HX-Request": "true"},
        ) as response:
            again = _form(response.text)
            if response.status_code == 409 and again is not None:
                # Someone else saved first: not an error, the lock doing its work.
                response.success()
                with LOCK:
                    STALE.append(self.slot["lesson"])
                return again
            if response.status_code != 200 or again is None:
                response.failure(f"save refused: {response.status_code}")
                with LOCK:
                    FAILED.append(f"POST {response.status_code}")
                return None
            response.success()
        lesson = self.slot["lesson"]
        with LOCK:
            produced = SAVES.setdefault(lesson, {})
            if again["version"] in produced:
                CLAIMED_TWICE.append(f"{lesson} v{again['version']}")
            produced[again["version"]] = marks
        return None


def _form(html: str) -> dict[str, str] | None:
    version, token = VERSION.search(html), CSRF.search(html)
    if not version or not token:
        return None
    return {"csrfmiddlewaretoken": token.group(1), "version": version.group(1)}


@events.quitting.add_listener
def _write(**_: object) -> None:
    with open(os.environ["SKOLSAM_LOAD_OUT"], "w") as out:
        json.dump(
            {"saves": SAVES, "claimed_twice": CLAIMED_TWICE, "stale": STALE, "failed": FAILED},
            out,
        )
