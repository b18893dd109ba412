"""Print a decision about special support as PDF/A (SL 3:9): the action programme or the
decision not to make one, as the rektor made it, with the appeal information.

The decision is an official Swedish document, issued in Swedish whatever the reader's
language (like the grade documents), so it is rendered with Swedish active. It is made
when asked for, from the immutable decision: the same decision always prints the same.
"""

from __future__ import annotations

from typing import Any

from django.template.loader import render_to_string
from django.utils import translation

from skolsam.core.pdf import pdf_a_from_html


def decision_pdf(decision: Any, *, show_unit: bool) -> bytes:
    """Return the decision as PDF/A-3b. `decision` comes with its report, pupil, unit and
    rektor (`support_decision_for_actor`, `family_decision_for_actor`); `show_unit` is
    False when the reader may not know where a protected pupil goes to school."""
    report = decision.investigation.report
    with translation.override("sv"):
        html = render_to_string(
            "pupil_documentation/pdf/decision.html",
            {"decision": decision, "report": report, "show_unit": show_unit},
        )
    return pdf_a_from_html(html)


def decision_filename(decision: Any) -> str:
    """Name the download: what it is, its version and its date (no name of the pupil)."""
    kind = "atgardsprogram" if decision.is_programme else "beslut-inget-atgardsprogram"
    return f"{kind}-v{decision.version}-{decision.decided_on.isoformat()}.pdf"
