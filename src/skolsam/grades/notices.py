"""The text of the warning of F (varning för F) that the pupil and the guardians read, in
the language each of them chose. Kept apart from the service so the guardian catalogues
(`core/tests/test_catalogues.py` GUARDIAN_SURFACES) carry exactly these strings. The text
names the pupil, the subject and the teacher, never the school or the class."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _


def warning_notice(language: str, **names: str) -> tuple[str, str, str]:
    """Return (subject, body, audience label) in `language`; names: pupil, subject,
    measures, teacher."""
    with translation.override(language):
        subject = _("Risk för betyget F i %(subject)s") % names
        body = (
            _(
                "%(pupil)s riskerar att inte nå godtagbara kunskaper (betyget E) i %(subject)s."
                "\n\nDet här gör skolan:\n%(measures)s\n\nHör av dig till %(teacher)s om du har "
                "frågor."
            )
            % names
        )
        label = _("Varning om risk för F")
    return subject, body, label
