from django.apps import AppConfig
from django.db.models.signals import post_migrate


class GradesConfig(AppConfig):
    name = "skolsam.grades"
    label = "grades"
    verbose_name = "Betyg"

    def ready(self) -> None:
        from skolsam.grades.triggers import grade_triggers_ensure

        # SQLite drops a table's triggers when a migration rebuilds it (triggers.py).
        post_migrate.connect(grade_triggers_ensure, dispatch_uid="skolsam.grades.triggers")
