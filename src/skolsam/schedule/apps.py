from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "skolsam.schedule"
    label = "schedule"
    verbose_name = "Schema och kalender"
