"""Fail on a `{# ... #}` comment that spans lines: Django prints it on the page as text."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_no_template_comment_spans_lines() -> None:
    found = []
    for path in [*ROOT.glob("templates/**/*.html"), *ROOT.glob("src/skolsam/**/*.html")]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if "{#" in line and "#}" not in line.split("{#", 1)[1]:
                found.append(f"{path.relative_to(ROOT)}:{number}")
    assert not found, "Use {% comment %} for comments over several lines: " + ", ".join(found)
