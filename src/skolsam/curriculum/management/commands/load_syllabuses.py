"""Load Skolverket's subjects and courses and the national programmes: `manage.py load_syllabuses`."""

from django.core.management.base import BaseCommand

from skolsam.core.access import system_actor
from skolsam.curriculum.loader import programme_load_national, syllabus_load_official


class Command(BaseCommand):
    help = "Läs in Skolverkets ämnen och kurser (2018-07-02) och de nationella programmen."

    def handle(self, *args: object, **options: object) -> None:
        actor = system_actor("load_syllabuses")
        syllabuses = syllabus_load_official(actor=actor)
        programmes = programme_load_national(actor=actor)
        for label, result in (("Ämnen och kurser", syllabuses), ("Program", programmes)):
            self.stdout.write(
                f"{label}: {result.created} nya, {result.updated} ändrade, "
                f"{result.unchanged} oförändrade."
            )
