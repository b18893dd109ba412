from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "skolsam.activities"
    label = "activities"
