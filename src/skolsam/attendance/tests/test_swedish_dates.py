"""Dates are written in Swedish on every page, whatever language the browser asks for:
"30 nov–6 dec 2026", "måndag 30 november 2026", never "30 Nov" or "Monday"."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from skolsam.testing.story import build_day, login

pytestmark = pytest.mark.django_db

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9"}


def test_the_mentors_week_is_written_with_swedish_month_names():
    day = build_day()
    mentor = Client()
    login(mentor, day.mentor)
    page = mentor.get(
        reverse("attendance:mentor", args=[day.group.pk]), {"vecka": "2026-12-02"}, headers=ENGLISH
    )
    html = page.content.decode()
    assert "Vecka 49: 30 nov–6 dec 2026" in html
    assert "Nov" not in html and "Dec" not in html


def test_the_week_view_and_the_day_view_are_swedish_for_an_english_browser():
    day = build_day(day=date(2026, 11, 30))
    teacher = Client()
    login(teacher, day.teacher)
    week = teacher.get(reverse("schedule:week"), {"vecka": "2026-11-30"}, headers=ENGLISH)
    html = week.content.decode()
    assert "måndag 30/11" in html and "fredag 4/12" in html
    assert "Monday" not in html
    lessons = teacher.get(reverse("attendance:my_lessons"), {"dag": "2026-11-30"}, headers=ENGLISH)
    assert "måndag 30 november 2026" in lessons.content.decode()


def test_no_template_writes_a_month_in_a_format_that_is_not_swedish():
    # Django's "M" capitalises the abbreviation ("Nov") and "N" is the English AP style
    # ("Nov."); Swedish writes "nov" ("b") or the whole name ("F").
    root = Path(__file__).resolve().parents[4]
    templates = [*root.glob("templates/**/*.html"), *root.glob("src/**/templates/**/*.html")]
    assert len(templates) > 50
    offending = []
    for template in templates:
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", template.read_text()):
            if re.search(r"(?<!\\)[MN]", fmt):
                offending.append(f"{template.relative_to(root)}: {fmt}")
    assert not offending, offending
