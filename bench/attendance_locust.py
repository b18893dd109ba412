"""Locust users for bench/attendance_load.py: teachers saving their lesson registers.

Each simulated teacher has their own lesson and session (from the JSON file named by
SKOLSAM_LOAD_PLAN). A task opens the register (GET, reads the form's version), then saves
it with a few pupils absent or late (POST, expects the redirect). Every successful save
and its marks are counted, and written to SKOLSAM_LOAD_OUT when locust quits, so the
runner can check that no write was lost.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import threading

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["SKOLSAM_LOAD_PLAN"]).read())  # noqa: SIM115
SLOTS = itertools.count()
LOCK = threading.Lock()
SAVED: dict[str, int] = {}
LAST: dict[str, dict[str, str]] = {}
VERSION = re.compile(r'name="version" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Teacher(HttpUser):
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        with LOCK:
            self.slot = PLAN["teachers"][next(SLOTS) % len(PLAN["teachers"])]
        self.client.cookies.set("sessionid", self.slot["session"])
        self.url = f"/narvaro/lektion/{self.slot['lesson']}/"
        self.rng = random.Random(self.slot["lesson"])

    @task
    def take_register(self) -> None:
        page = self.client.get(self.url, name="GET register")
        version, token = VERSION.search(page.text), CSRF.search(page.text)
        if page.status_code != 200 or not version or not token:
            page.failure(f"no form: {page.status_code}")
            return
        marks: dict[str, str] = {}
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "version": version.group(1),
            "reason": "Lasttest: rättelse av närvaro",
        }
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
                return
            response.success()
        with LOCK:
            SAVED[self.slot["lesson"]] = SAVED.get(self.slot["lesson"], 0) + 1
            LAST[self.slot["lesson"]] = marks


@events.quitting.add_listener
def _write(**_: object) -> None:
    with open(os.environ["SKOLSAM_LOAD_OUT"], "w") as out:
        json.dump({"saved": SAVED, "last": LAST}, out)
