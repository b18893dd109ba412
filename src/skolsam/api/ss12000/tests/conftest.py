"""Fixtures for the SS 12000 API tests: the story's register and a spec-validating client.

The register is the story's (skolsam.testing.story, the `story` fixture): Köping runs
Scheeleskolan, where Alva and Elsa (skyddad folkbokföring) are in 7B, which Maria teaches
mathematics and Lars mentors, and Ullviskolan; Arboga runs Gäddgårdsskolan, where Maja is
in 8A. `story_api` is Köping's learning platform, which must never see anything of Arboga.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

import orjson
import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone
from openapi_core import OpenAPI
from openapi_core.testing import MockRequest, MockResponse

from skolsam.api.ss12000.docs import spec_for
from skolsam.api.ss12000.tests.factories import make_client, token_for
from skolsam.schedule import calendar
from skolsam.schedule.models import CalendarEvent

BASE = "/ss12000/v2.0"
HOST = "http://testserver"


@lru_cache(maxsize=1)
def openapi() -> OpenAPI:
    spec = spec_for(HOST + BASE)
    if spec is None:
        raise RuntimeError(f"SS 12000 spec missing at {settings.SKOLSAM_SS12000_SPEC_PATH}")
    return OpenAPI.from_dict(spec)


def validate(method: str, path: str, query: dict[str, Any] | None, response: Any) -> None:
    """Check a response against the official SS 12000 2.1.0 spec."""
    request = MockRequest(
        HOST, method, path, args=query or {}, headers={"Authorization": "Bearer x"}
    )
    content_type = response.get("Content-Type", "application/json")
    mock = MockResponse(
        response.content, status_code=response.status_code, content_type=content_type
    )
    openapi().validate_response(request, mock)


class Api:
    """An HTTP client for the API that validates every response against the spec."""

    def __init__(self, token: str | None) -> None:
        self.http = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(
        self,
        method: str,
        path: str,
        *,
        query: dict[str, Any] | None = None,
        body: Any = None,
        status: int | None = 200,
        check: bool = True,
    ) -> Any:
        url = BASE + path
        if method == "GET":
            response = self.http.get(url, data=query or {}, headers=self.headers)
        else:
            qs = ""
            if query:
                from urllib.parse import urlencode

                qs = "?" + urlencode(query, doseq=True)
            response = self.http.generic(
                method,
                url + qs,
                data=orjson.dumps(body) if body is not None else b"",
                content_type="application/json",
                headers=self.headers,
            )
        if status is not None:
            assert response.status_code == status, response.content[:500]
        if check:
            validate(method, url, query, response)
        if response.content and response["Content-Type"].startswith("application/json"):
            return orjson.loads(response.content)
        return None

    def get(self, path: str, query: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.request("GET", path, query=query, **kw)

    def post(self, path: str, body: Any, query: dict[str, Any] | None = None, **kw: Any) -> Any:
        return self.request("POST", path, body=body, query=query, **kw)

    def all_pages(self, path: str, query: dict[str, Any] | None = None) -> list[dict]:
        page = self.get(path, query)
        rows = list(page["data"])
        while page.get("pageToken"):
            page = self.get(path, {"pageToken": page["pageToken"], **_limit(query)})
            rows += page["data"]
        return rows


def _limit(query: dict[str, Any] | None) -> dict[str, Any]:
    return {"limit": query["limit"]} if query and "limit" in query else {}


def make_lesson(activity: Any, day: date, at: time = time(8, 30)) -> CalendarEvent:
    """Put one 60-minute lesson of `activity` on `day`."""
    start = calendar.at(day, at)
    return CalendarEvent.objects.create(
        activity=activity,
        organisation_id=activity.organisation_id,
        planned_date=day,
        date=day,
        start_time=start,
        end_time=start + timedelta(minutes=60),
        duration_minutes=60,
    )


def day_window(day: date) -> dict[str, str]:
    """The calendarEvents window of one day (both ends are required)."""
    return {
        "startTime.onOrAfter": calendar.at(day, time(0, 0)).isoformat(),
        "startTime.onOrBefore": calendar.at(day + timedelta(days=1), time(0, 0)).isoformat(),
    }


@pytest.fixture
def story_client(db: Any, story: Any) -> Any:
    """Köping's learning platform in the story (skolsam.testing.story), registered."""
    client, _secret = make_client([story.koping], name="Köpings lärplattform")
    return client


@pytest.fixture
def story_api(story_client: Any) -> Api:
    """Köping's learning platform in the story, speaking to the API with a valid token."""
    return Api(token_for(story_client))


class Clock:
    """`timezone.now` for the test: it moves forward a millisecond at every reading."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        self.moment += timedelta(milliseconds=1)
        return self.moment

    def next_day(self) -> None:
        self.moment += timedelta(days=1)

    def today(self) -> date:
        return timezone.localtime(self.moment).date()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Iterator[Clock]:
    """A ticking clock from now; the day's ended relations count as unrecorded.

    It starts at the real time, since the tokens it sees issued are checked against the
    real time (PyJWT), and it only moves forward.
    """
    from skolsam.api.ss12000 import services

    start = timezone.now().replace(microsecond=0)
    ticking = Clock(start)
    monkeypatch.setattr(timezone, "now", ticking.now)
    # This process's memory of the recorded day; the database's row is the test's own.
    monkeypatch.setattr(services, "_ended_recorded_through", [])
    yield ticking
