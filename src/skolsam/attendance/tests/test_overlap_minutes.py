"""Overlapping lessons: each minute of a pupil's day counts once, in statistics and notices.

Alva, in 7B at Scheeleskolan, also reads Spanish with a group of her own. On a Monday her
class's mathematics (09:00–10:00) and her Spanish (09:30–10:30) overlap: she is
scheduled for 90 minutes, not 120, and if she is away from both she is away 90 minutes.
"""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import pairwise

import pytest
from django.core import mail
from hypothesis import given
from hypothesis import strategies as st

from skolsam.attendance import minutes as clock
from skolsam.attendance.csn import csn_candidates
from skolsam.attendance.models import AttendanceKind, AttendancePolicy
from skolsam.attendance.notices import send_absence_notices
from skolsam.attendance.services.register import Mark, register_save
from skolsam.attendance.stats import pupil_figures, school_figures
from skolsam.core.choices import GroupType
from skolsam.people.access import persons_visible_to
from skolsam.testing import factories as f
from skolsam.testing.story import build_day, lesson

MONDAY = date(2026, 9, 7)

# --- the interval arithmetic, against a minute-set oracle ----------------------------------

spans = st.lists(
    st.tuples(st.integers(0, 600), st.integers(1, 120)).map(lambda t: (t[0], t[0] + t[1])),
    max_size=8,
)


def _minutes(found: list[clock.Span]) -> set[int]:
    return {m for start, end in found for m in range(start, end)}


@given(spans)
def test_merged_length_is_the_number_of_distinct_minutes_and_at_most_the_sum(found):
    total = sum(end - start for start, end in found)
    assert clock.length(found) == len(_minutes(found)) <= total
    starts = sorted(found)
    disjoint = all(a[1] <= b[0] for a, b in pairwise(starts))
    if disjoint:
        assert clock.length(found) == total


@given(
    st.lists(
        st.tuples(
            st.integers(0, 300),
            st.integers(2, 90),
            st.sampled_from(AttendanceKind.values),
            st.booleans(),
            st.integers(1, 89),
        ),
        max_size=6,
    )
)
def test_absence_over_overlapping_rows_matches_a_minute_by_minute_oracle(raw):
    rows = []
    for start, length, kind, valid, minutes in raw:
        away = {
            AttendanceKind.PRESENT: 0,
            AttendanceKind.ABSENT: length,
        }.get(kind, min(minutes, length - 1))
        if kind in (AttendanceKind.LATE, AttendanceKind.LEFT_EARLY) and away == 0:
            kind = AttendanceKind.PRESENT
        split = clock.split(kind, valid, away, length)
        rows.append(clock.Marked(start, length, kind, split.valid_absence, split.invalid_absence))
    # The oracle: each minute's state from every row that covers it, present first.
    present: set[int] = set()
    valid_set: set[int] = set()
    invalid_set: set[int] = set()
    for row in rows:
        for state, span in zip((present, valid_set, invalid_set), row.spans(), strict=True):
            state |= set(range(*span))
    result = clock.absent(rows)
    assert result.valid == len(valid_set - present)
    assert result.invalid == len(invalid_set - present - valid_set)
    assert result.valid + result.invalid <= sum(r.valid_absence + r.invalid_absence for r in rows)
    assert result.invalid_occasions <= sum(1 for r in rows if r.invalid_absence)
    assert (result.invalid_occasions == 0) == (result.invalid == 0)
    # Rows on different days never meet: the figures then add up exactly.
    apart = [
        clock.Marked(r.start + 1440 * i, r.length, r.kind, r.valid_absence, r.invalid_absence)
        for i, r in enumerate(rows)
    ]
    spread = clock.absent(apart)
    assert spread.valid == sum(r.valid_absence for r in rows)
    assert spread.invalid == sum(r.invalid_absence for r in rows)
    assert spread.invalid_occasions == sum(1 for r in rows if r.invalid_absence)


def test_a_lesson_is_placed_on_the_clock_by_its_start_and_length():
    start = clock.clock_minute(datetime.fromisoformat("2026-09-07T09:00:00+02:00"))
    late = clock.Marked(start, 60, AttendanceKind.LATE, 0, 10)
    early = clock.Marked(start, 60, AttendanceKind.LEFT_EARLY, 15, 0)
    assert late.spans() == ((start + 10, start + 60), (start, start), (start, start + 10))
    assert early.spans()[:2] == ((start, start + 45), (start + 45, start + 60))


# --- statistics, CSN and notices -----------------------------------------------------------


@pytest.fixture
def overlap(db):
    day = build_day(day=MONDAY)
    alva = day.pupils[0]
    spanish = f.GroupFactory(
        display_name="Spanska 7",
        organisation=day.school,
        group_type=GroupType.UNDERVISNING,
        start_date=date(2026, 1, 1),
    )
    f.MembershipFactory(person=alva, group=spanish, start_date=date(2026, 1, 1))
    activity = f.ActivityFactory(
        display_name="Spanska 7", organisation=day.school, groups=[spanish]
    )
    f.ActivityTeacherFactory(activity=activity, duty=day.teacher.duties.first())
    day.lesson.delete()
    maths = lesson(day.activity, MONDAY, start=time(9, 0))
    spanish_lesson = lesson(activity, MONDAY, start=time(9, 30))
    return day, maths, spanish_lesson


def _save(day, item, marks):
    rektor = day.actor(day.rektor, on=MONDAY)
    register_save(actor=rektor, lesson=item, version=0, marks=marks)


def _figures(day, pupil):
    rektor = day.actor(day.rektor, on=MONDAY)
    school = school_figures(
        organisation_id=day.school.pk,
        start=MONDAY,
        end=MONDAY,
        visible=persons_visible_to(rektor),
    )
    mine = next(p.figures for p in school.pupils if p.person.pk == pupil.pk)
    alone = pupil_figures(
        person_id=pupil.pk, organisation_id=day.school.pk, start=MONDAY, end=MONDAY
    )
    assert (mine.scheduled, mine.valid, mine.invalid, mine.invalid_occasions) == (
        alone.scheduled,
        alone.valid,
        alone.invalid,
        alone.invalid_occasions,
    )
    return mine, school


def test_absent_from_two_overlapping_lessons_is_90_minutes_in_statistics_csn_and_notice(overlap):
    day, maths, spanish = overlap
    alva, hugo, _saga = day.pupils
    _save(day, maths, [Mark(alva.pk, "Frånvarande"), Mark(hugo.pk, "Frånvarande")])
    _save(day, spanish, [Mark(alva.pk, "Frånvarande")])
    mine, school = _figures(day, alva)
    assert (mine.scheduled, mine.invalid, mine.invalid_occasions) == (90, 90, 1)
    assert mine.absent_percent == 100.0
    # Hugo has only mathematics: nothing changes for him, nor for the class's totals.
    his, _ = _figures(day, hugo)
    assert (his.scheduled, his.invalid) == (60, 60)
    assert school.total.scheduled == 90 + 60 + 60 and school.total.invalid == 150
    # CSN sums the same way: 90 minutes is under a threshold of 100.
    AttendancePolicy.objects.create(organisation=day.school, csn_threshold_minutes=100)
    alva.enrolments.update(school_type="GY")
    hugo.enrolments.update(school_type="GY")
    rektor = day.actor(day.rektor, on=MONDAY)
    assert (
        csn_candidates(organisation=day.school, month=MONDAY, visible=persons_visible_to(rektor))
        == []
    )
    # The guardians' notice lists both lessons and the day's total as the statistics say.
    assert send_absence_notices(organisation_id=day.school.pk, day=MONDAY) >= 1
    body = next(m.body for m in mail.outbox if m.to == ["karin@example.se"])
    assert "09:00–10:00" in body and "09:30–10:30" in body
    assert "Sammanlagt 90 minuter ogiltig frånvaro." in body


def test_present_in_one_of_two_overlapping_lessons_is_absent_only_outside_it(overlap):
    day, maths, spanish = overlap
    alva = day.pupils[0]
    _save(day, maths, [])  # present in mathematics 09:00–10:00
    _save(day, spanish, [Mark(alva.pk, "Frånvarande")])
    mine, _ = _figures(day, alva)
    assert (mine.scheduled, mine.invalid, mine.invalid_occasions) == (90, 30, 1)
    send_absence_notices(organisation_id=day.school.pk, day=MONDAY)
    body = next(m.body for m in mail.outbox if m.to == ["karin@example.se"])
    assert "Sammanlagt 30 minuter ogiltig frånvaro." in body


def test_valid_absence_covers_the_minutes_it_shares_with_invalid_absence(overlap):
    day, maths, spanish = overlap
    alva = day.pupils[0]
    _save(day, maths, [Mark(alva.pk, "Frånvarande", True)])
    _save(day, spanish, [Mark(alva.pk, "Frånvarande")])
    mine, _ = _figures(day, alva)
    assert (mine.valid, mine.invalid, mine.absent) == (60, 30, 90)
