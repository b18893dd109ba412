from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GradesConfig(AppConfig):
    name = "skolsam.grades"
    label = "grades"
    verbose_name = "Betyg"

    def ready(self) -> None:
        from skolsam.core import events
        from skolsam.grades.services.publication import security_marking_changed
        from skolsam.grades.services.study_plans import (
            security_marking_changed as study_plans_leave,
        )
        from skolsam.grades.triggers import grade_triggers_ensure

        # A protected pupil's grades leave SS 12000 clients' view (publication.py).
        events.security_marking_changed.connect(
            security_marking_changed, dispatch_uid="grades.security_marking_changed"
        )
        events.security_marking_changed.connect(
            study_plans_leave, dispatch_uid="grades.study_plans.security_marking_changed"
        )

        # SQLite drops a table's triggers when a migration rebuilds it (triggers.py).
        post_migrate.connect(grade_triggers_ensure, dispatch_uid="skolsam.grades.triggers")
