"""Demo data: one accessibility report waiting for each demo huvudman's answer."""

from __future__ import annotations

from skolsam.accessibility.access import huvudman_choices
from skolsam.accessibility.models import AccessibilityReport

DEMO_REPORTS = [
    (
        "/narvaro/",
        "Med skärmläsare (NVDA) hör jag inte om eleven blev markerad som frånvarande när "
        "jag trycker på knappen. Det vore bra om ändringen lästes upp.",
    ),
    (
        "/schema/",
        "Veckoschemat blir svårläst när jag förstorar texten till 200 procent i mobilen.",
    ),
]


def demo_accessibility_load() -> int:
    """File the demo's reports (straight into the table: no visitor, no mail)."""
    made = 0
    for i, organisation in enumerate(huvudman_choices()):
        page_url, text = DEMO_REPORTS[i % len(DEMO_REPORTS)]
        AccessibilityReport.objects.create(
            huvudman=organisation, page_url=page_url, description=text
        )
        made += 1
    return made
