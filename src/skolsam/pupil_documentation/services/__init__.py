"""The writes of pupil documentation, one module per topic: `adaptations` (record, evaluate,
end), `reminders` (the follow-up date's notice) and `special_support` (report,
investigation, decision)."""

from skolsam.pupil_documentation.services.adaptations import (
    adaptation_evaluate,
    adaptation_record,
)
from skolsam.pupil_documentation.services.reminders import adaptation_reminders_send

__all__ = ["adaptation_evaluate", "adaptation_record", "adaptation_reminders_send"]
