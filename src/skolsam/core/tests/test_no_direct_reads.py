"""Fail when a view or selector reads a personal-data model's manager directly.

Zulip's lint rule, for Skolsam: outside the access modules, `Person.objects...`,
`Enrolment._default_manager...` and the like are refused in views and selectors, so every
read of personal data goes through the domain's `access.py`, which scopes it to the actor
(and hides protected location data). The models are `core.policy.PERSONAL_DATA_MODELS`.

A known exception names the file, the model and why; each must still occur, so an entry
cannot outlive the code it excuses.
"""

from __future__ import annotations

import ast
from pathlib import Path

from django.apps import apps

from skolsam.core.policy import PERSONAL_DATA_MODELS

SRC = Path(__file__).resolve().parents[2]  # src/skolsam
MANAGERS = {"objects", "_default_manager", "_base_manager"}

# (path under src/skolsam, model name): why it may read the manager directly.
ATTENDANCE = (
    "rows of pupils the caller has already scoped (roster, mentees, visible pupils, the "
    "rektor's units); to move into attendance/access.py as policies when the attendance "
    "pages, which are being reworked in parallel, settle"
)
GRADES = (
    "the grade sheet's and progress page's rows, after the page's gate (sheet_for_actor, "
    "grading_period_policy), limited to the activity's pupils or the period and filtered by "
    "access.located, so a protected pupil is left out for staff not named for her; to move "
    "into grades/access.py as policy objects() with the sheet's next rework"
)
KNOWN_EXCEPTIONS: dict[tuple[str, str], str] = {
    ("grades/selectors.py", "GroupMembership"): GRADES,
    ("grades/selectors.py", "Enrolment"): GRADES,
    ("grades/selectors.py", "Grade"): GRADES,
    ("grades/selectors.py", "Duty"): (
        "the actor's own duties (person_id is the actor's), to find the units whose "
        "co-signing list is theirs"
    ),
    ("grades/selectors.py", "LicenceQualification"): (
        "the actor's own licence (licence__person_id is the actor's), for the co-signing list"
    ),
    ("attendance/selectors.py", "Attendance"): ATTENDANCE,
    ("attendance/selectors.py", "Absence"): ATTENDANCE,
    ("attendance/selectors.py", "LeaveRequest"): ATTENDANCE,
    ("attendance/selectors.py", "Placement"): ATTENDANCE,
    ("attendance/selectors.py", "AttendanceSchedule"): ATTENDANCE,
    ("attendance/selectors.py", "AttendanceEvent"): ATTENDANCE,
    ("attendance/stats_views.py", "Attendance"): (
        "one pupil's absence at a unit, after investigation_policy's FOLLOW_UP check on that "
        "pupil and unit; belongs in an attendance policy's objects()"
    ),
    ("audit/selectors.py", "AuditEntry"): (
        "the audit search is granted by the audit.search_auditentry permission "
        "(Actor.can_search_audit), not by register scope"
    ),
    ("accounts/views_start.py", "Enrolment"): (
        "the start page's counts (no names) per unit the actor leads, filtered by "
        "access.located; counts to move into organisations/groups access with the count fixes"
    ),
    ("accounts/views_start.py", "GroupMembership"): (
        "the start page's member counts of the actor's own groups, filtered by access.located"
    ),
    ("accounts/views_start.py", "Placement"): (
        "the start page's child counts of the actor's own preschool departments, filtered by "
        "access.located, like the member counts beside them"
    ),
    ("groups/selectors.py", "Placement"): (
        "a department's class list: children placed there, limited to persons_visible_to and "
        "to those whose location the actor may see"
    ),
    ("people/selectors.py", "Placement"): (
        "the search results' role and department beside each name, for candidates already "
        "found through persons_listable_by and only when may_see_location"
    ),
    ("people/selectors.py", "Person"): (
        "person search and the person card, both filtered through persons_visible_to / "
        "persons_listable_by; the search is being rewritten in parallel (per-candidate scope)"
    ),
    ("people/selectors.py", "Responsible"): (
        "the person card's relations, for a person fetched through person_for_actor"
    ),
    ("people/selectors.py", "Enrolment"): (
        "the person card's enrolments, for a person fetched through person_for_actor and "
        "shown only when may_see_location"
    ),
    ("people/selectors.py", "GroupMembership"): (
        "the person card's groups, shown only when may_see_location"
    ),
    ("people/selectors.py", "Duty"): "the person card's duties, shown only when may_see_location",
    ("messaging/selectors.py", "RecipientChild"): (
        "the Prefetch queryset of the child labels of recipient rows already scoped by "
        "recipient_policy or message_policy; what staff are shown passes recipients_shown_to"
    ),
}


def _scanned_files() -> list[Path]:
    found = set()
    for pattern in ("views.py", "views_*.py", "*_views.py", "selectors.py", "resources/*.py"):
        found |= set(SRC.rglob(pattern))
    return sorted(p for p in found if "tests" not in p.parts)


def _personal_models() -> dict[str, set[str]]:
    """Map each model module ("skolsam.people.models") to its personal-data class names."""
    out: dict[str, set[str]] = {}
    for label in PERSONAL_DATA_MODELS:
        model = apps.get_model(label)
        out.setdefault(model.__module__, set()).add(model.__name__)
    return out


def _direct_reads(path: Path, personal: dict[str, set[str]]) -> list[tuple[str, int]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bound: dict[str, str] = {}  # local name -> model name
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module in personal:
            for alias in node.names:
                if alias.name in personal[node.module]:
                    bound[alias.asname or alias.name] = alias.name
    hits = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in MANAGERS
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
        ):
            hits.append((bound[node.value.id], node.lineno))
    return hits


def test_the_personal_data_models_exist():
    for label in PERSONAL_DATA_MODELS:
        assert apps.get_model(label) is not None


def test_no_view_or_selector_reads_a_personal_data_manager_directly():
    personal = _personal_models()
    found: dict[tuple[str, str], list[int]] = {}
    for path in _scanned_files():
        for model, line in _direct_reads(path, personal):
            found.setdefault((str(path.relative_to(SRC)), model), []).append(line)
    unexpected = {k: v for k, v in found.items() if k not in KNOWN_EXCEPTIONS}
    assert not unexpected, "read these through the domain's access module: " + "; ".join(
        f"{path}:{lines} {model}.objects" for (path, model), lines in sorted(unexpected.items())
    )
    stale = set(KNOWN_EXCEPTIONS) - set(found)
    assert not stale, f"known exceptions that no longer occur, remove them: {sorted(stale)}"


def test_the_scan_finds_a_direct_read(tmp_path):
    # The rule must be able to fail: a file that reads Person.objects is caught.
    sample = tmp_path / "views.py"
    sample.write_text(
        "from skolsam.people.models import Person as P\n"
        "def view(request):\n    return P.objects.get(pk=1)\n"
    )
    assert _direct_reads(sample, _personal_models()) == [("Person", 3)]
